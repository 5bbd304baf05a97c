"""The Celery app: `celery -A config worker` and `celery -A config beat` start from here."""

import os
import resource

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("registry")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def memory_limit_apply(megabytes: int) -> None:
    """Bound this process's heap (RLIMIT_DATA: brk and private anonymous mappings, which is where
    Python's objects live): past it an allocation raises MemoryError in the task that asked, which
    fails that task alone, instead of the kernel's OOM killer taking the machine's processes."""
    if megabytes <= 0:
        return
    limit = megabytes * 1024 * 1024
    _soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))


@worker_process_init.connect
def _limit_child_memory(**_kwargs: object) -> None:
    from django.conf import settings

    memory_limit_apply(settings.REGISTRY_WORKER_MEMORY_LIMIT_MB)
