from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        # Register the tasks in every process, so the outbox can wake the dispatcher by name.
        from notifications import tasks  # noqa: F401
