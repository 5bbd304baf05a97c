"""The project's wiring: settings, URLs, the Celery app, WSGI and ASGI. It names the apps by
dotted path and imports none of their code."""

from .celery import app as celery_app

__all__ = ("celery_app",)
