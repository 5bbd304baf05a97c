"""Test settings: the real PostgreSQL and Redis (overridable with DATABASE_URL / REDIS_URL)."""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/registry")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/15")
os.environ.setdefault("DJANGO_DEBUG", "1")

# Under pytest-xdist (`make test` runs two processes) each process has its own test database
# (pytest-django adds the worker's suffix) and its own Redis database, counted down from the one
# given: the cache flush of one process, or a worker it starts, never touches the other's queue.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if _worker.startswith("gw") and os.environ.get("REGISTRY_TEST_REDIS_WORKER") != _worker:
    from urllib.parse import urlsplit

    _url = urlsplit(os.environ["REDIS_URL"])
    _db = int(_url.path.strip("/") or 0) - int(_worker[2:])
    os.environ["REDIS_URL"] = _url._replace(path=f"/{_db % 16}").geturl()
    os.environ["REGISTRY_TEST_REDIS_WORKER"] = _worker  # a subprocess inherits the URL as it is

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
