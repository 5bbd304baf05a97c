"""Test settings: the real PostgreSQL and Redis (overridable with DATABASE_URL / REDIS_URL)."""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/registry")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
os.environ.setdefault("DJANGO_DEBUG", "1")

from config.settings import *  # noqa: E402,F403

# Unit tests call tasks in-process; the worker started by tests/integration sets it to 0.
CELERY_TASK_ALWAYS_EAGER = os.environ.get("CELERY_TASK_ALWAYS_EAGER", "1") != "0"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SECURE_SSL_REDIRECT = False
# The webhook tests post to receivers on 127.0.0.1 at random ports; tests/security turns these off.
REGISTRY_WEBHOOK_ALLOW_HTTP = True
REGISTRY_WEBHOOK_ALLOW_PRIVATE = True
REGISTRY_WEBHOOK_PORTS = ["*"]
