"""The project wiring (settings, URLs, Celery, WSGI) and the catalogue every other app builds on:
countries and unions, products and their aliases, ports with regimes and supervision sites, reported
figures; the shared helpers (registry.common), the roles (registry.roles) and the product resolver
(registry.selectors)."""

from .celery import app as celery_app

__all__ = ("celery_app",)
