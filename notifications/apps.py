from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Notifications"

    def ready(self) -> None:
        # Register the tasks in every process, so the outbox can wake the dispatcher by name.
        from notifications import tasks  # noqa: F401
