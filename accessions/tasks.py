"""Celery tasks of the accessions app: thin wrappers that call one service and log a count."""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from celery.exceptions import TimeLimitExceeded, WorkerLostError
from celery.signals import task_failure
from django.utils import timezone
from django.utils.translation import gettext as _

from accessions.services import expiry, import_runs

logger = logging.getLogger(__name__)


@shared_task
def sweep_expiring_task(day: str | None = None) -> dict:
    """The daily expiry sweep. `day` is an ISO date; beat passes none, so the worker's UTC date.
    The sweep itself wakes the outbox dispatcher when it wrote events."""
    today = dt.date.fromisoformat(day) if day else timezone.localdate()
    summary = expiry.expiry_sweep(today=today)
    logger.info("sweep_expiring_task %s: %s", today.isoformat(), summary.as_dict())
    return summary.as_dict()


@shared_task
def run_import_task(run_id: int) -> None:
    """Work through an upload of the import page (progress is written on the run)."""
    run = import_runs.import_run_execute(run_id=run_id)
    if run is not None:
        logger.info("run_import_task %s: %s, %s rows", run_id, run.state, run.rows_total)


@task_failure.connect(sender=run_import_task)
def _import_task_failed(*, exception=None, args=None, **_kwargs) -> None:
    """What the task could not record itself: its worker process died (killed, out of memory) or
    passed the hard time limit (sent from the worker's parent process), or an error escaped it."""
    if not args:
        return
    if isinstance(exception, WorkerLostError):
        reason = _(
            "The worker reading the file stopped (it was killed or ran out of memory). "
            "Nothing was imported."
        )
    elif isinstance(exception, TimeLimitExceeded):
        reason = _("Reading the file took longer than the limit of %(limit)s seconds.") % {
            "limit": exception.args[0] if exception.args else "?"
        }
    else:
        reason = _("An error stopped the reading of the file. Nothing was imported.")
    import_runs.import_run_fail(run_id=int(args[0]), reason=reason)
    logger.warning("run_import_task %s failed: %r", args[0], exception)


@shared_task
def reap_import_runs_task(now: str | None = None) -> dict:
    """Fail the import runs no task works on any more and drop stored files past retention."""
    counts = import_runs.import_runs_reap(
        now=dt.datetime.fromisoformat(now) if now else timezone.now()
    )
    logger.info("reap_import_runs_task: %s", counts)
    return counts
