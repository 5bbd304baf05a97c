"""Celery tasks of the accessions app: thin wrappers that call one service and log a count."""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.utils import timezone

from accessions.services import expiry, imports

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
    run = imports.import_run_execute(run_id=run_id)
    if run is not None:
        logger.info("run_import_task %s: %s, %s rows", run_id, run.state, run.rows_total)
