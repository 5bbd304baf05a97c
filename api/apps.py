from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = _("Public API")

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from api.answer_cache import install_write_watch

        # Every write through Django to the registry's tables sets the shared data version anew
        # once committed, so the answer cache in Redis never serves a changed registry.
        connection_created.connect(install_write_watch, dispatch_uid="api.answer_cache")
