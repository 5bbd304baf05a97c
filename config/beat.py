"""The Celery beat schedule, read by config.settings (CELERY_BEAT_SCHEDULE): which periodic task
runs when, a comment per entry. Each job has a management-command twin for operators and cron
(README, "Background jobs")."""

from celery.schedules import crontab

CELERY_BEAT_SCHEDULE: dict = {
    # Every day at 02:15 UTC: expire or extend registrations and access entries past their end
    # date, move registrations into their renewal window, raise the 180/90/30-day alerts.
    "sweep-expiring-daily": {
        "task": "accessions.tasks.sweep_expiring_task",
        "schedule": crontab(hour=2, minute=15),
    },
    # Every minute: deliver outbox events to webhooks and retry failed ones whose backoff is over;
    # this also sends whatever piled up while Redis was unreachable.
    "dispatch-outbox": {
        "task": "notifications.tasks.dispatch_outbox_task",
        "schedule": 60.0,
    },
    # Every five minutes: fail the import runs no task is working on any more (lost from the queue,
    # or their worker died or was killed past its time limit) and remove their stored files.
    "reap-import-runs": {
        "task": "accessions.tasks.reap_import_runs_task",
        "schedule": 300.0,
    },
    # Every day at 02:45 UTC, after the sweep: ask every saved question again and tell each
    # trader whose answer changed (by e-mail or webhook, as they chose).
    "reanswer-saved-questions-daily": {
        "task": "notifications.tasks.reanswer_saved_questions_task",
        "schedule": crontab(hour=2, minute=45),
    },
    # Mondays at 06:00 UTC: one e-mail digest per subscriber with the week's pending events.
    "weekly-digest": {
        "task": "notifications.tasks.send_digests_task",
        "schedule": crontab(day_of_week="mon", hour=6, minute=0),
    },
}
