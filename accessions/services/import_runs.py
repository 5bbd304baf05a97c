"""Import runs: the import page's uploads, worked through by a Celery task with progress.

Nothing stays stuck. A run ends `done` or `failed`, and a failed run says why: its file was refused
(a limit, an encoding, a formula with no value), it has bad rows (every one in the report), it
could not be queued, its task ran out of time or memory, or its worker died. What the task itself
cannot record (a worker killed, a hard time limit) the worker's parent records through
`import_run_fail` (accessions.tasks), and the periodic reaper (`import_runs_reap`, from Celery
beat and from the embedded mode's scheduler) fails whatever is left: a queued run no worker picked
up within REGISTRY_IMPORT_QUEUE_TIMEOUT, a running run older than the task's hard time limit (no
task can still be working on it). The stored file is removed when the run ends, and the reaper
removes any file kept longer than REGISTRY_IMPORT_RETENTION_DAYS.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from celery import current_app
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accessions.models import ImportRun, ImportRunState
from accessions.services.imports import import_apply, import_dry_run, import_read
from accounts import roles
from registry.errors import DomainError
from registry.queue import task_enqueue

logger = logging.getLogger(__name__)

RUN_TASK = "accessions.tasks.run_import_task"
ENDED = (ImportRunState.DONE, ImportRunState.FAILED)


def import_run_start(
    *,
    kind: str,
    file_name: str,
    content: bytes,
    source: str,
    confidence: str,
    by: Any,
    propose: bool,
    comment: str = "",
) -> ImportRun:
    """Keep the upload and hand it to a worker after commit (in-process in the embedded mode).
    When the queue refuses it, the run is failed at once with that reason (never left queued)."""
    if not roles.may_propose(by):
        raise DomainError("not_allowed", _("Only inspectors import lists."))
    limit = settings.REGISTRY_IMPORT_MAX_BYTES
    if len(content) > limit:
        raise DomainError(
            "too_large",
            _("The file is larger than the limit of %(limit)s.")
            % {"limit": f"{limit / (1024 * 1024):g} MB"},
            {"limit": "too_large"},
        )
    with transaction.atomic():
        run = ImportRun.objects.create(
            kind=kind,
            file_name=file_name[:300],
            content=content,
            source=source,
            confidence=confidence,
            comment=comment,
            propose=propose,
            author=by,
        )
    if current_app.conf.task_always_eager:  # embedded mode: read it now, in-process
        import_run_enqueue(run=run)
        run.refresh_from_db()
    else:
        transaction.on_commit(lambda: import_run_enqueue(run=run))
    return run


def import_run_enqueue(*, run: ImportRun) -> bool:
    """Send the run to a worker (or read it now in the embedded mode) within the short Redis budget
    of registry.queue; False, with the run failed and its reason recorded, when the queue cannot
    take it (never "queued" for ever)."""
    if current_app.conf.task_always_eager:
        import_run_execute(run_id=run.pk)
        return True
    if task_enqueue(RUN_TASK, args=(run.pk,)):
        return True
    import_run_fail(
        run_id=run.pk,
        reason=_(
            "The file could not be queued for reading (the job queue did not answer). "
            "Nothing was imported; upload it again in a few minutes."
        ),
    )
    return False


def import_run_fail(*, run_id: int, reason: str, states: tuple[str, ...] = ()) -> bool:
    """End a run that has not ended as failed, with its reason, and drop its file; True when this
    call ended it (a conditional UPDATE: an ended run is never rewritten)."""
    states = states or (ImportRunState.QUEUED, ImportRunState.RUNNING)
    runs = ImportRun.objects.filter(pk=run_id, state__in=states)
    values = {
        "state": ImportRunState.FAILED,
        "error": _clean(reason),
        "content": b"",
        "finished_at": timezone.now(),
    }
    try:
        return bool(runs.update(**values))
    except DatabaseError:  # a connection left busy by whatever stopped the task: once more
        _drop_connection()
        return bool(runs.update(**values))


def _clean(text: str) -> str:
    """Text PostgreSQL accepts (it refuses NUL in text and JSON)."""
    return text.replace("\x00", "\N{REPLACEMENT CHARACTER}")


def _cleaned(value: Any) -> Any:
    if isinstance(value, str):
        return _clean(value)
    if isinstance(value, dict):
        return {_clean(str(k)): _cleaned(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_cleaned(v) for v in value]
    return value


def import_run_execute(*, run_id: int) -> ImportRun | None:
    """Work through a queued run (claimed with a conditional UPDATE, so a second delivery of the
    task does nothing), writing its progress as it goes; a file with bad rows ends `failed` with
    every bad row in the report and nothing proposed. Whatever goes wrong while reading ends the
    run failed with its reason."""
    claimed = ImportRun.objects.filter(pk=run_id, state=ImportRunState.QUEUED).update(
        state=ImportRunState.RUNNING, claimed_at=timezone.now()
    )
    if not claimed:
        return None
    run = ImportRun.objects.select_related("author").get(pk=run_id)
    try:
        _work(run)
    except DomainError as exc:
        run.state, run.error = ImportRunState.FAILED, exc.message
        run.report = {"errors": exc.extra.get("errors", [])}
    except SoftTimeLimitExceeded:
        _drop_connection()  # the limit may strike mid-query, leaving the connection busy
        run.state = ImportRunState.FAILED
        run.error = _("Reading the file took longer than the limit of %(limit)s seconds.") % {
            "limit": settings.CELERY_TASK_SOFT_TIME_LIMIT
        }
    except MemoryError:
        _drop_connection()
        run.report = {}
        run.state = ImportRunState.FAILED
        run.error = _("Reading the file needed more memory than a worker may use.")
    except DatabaseError as exc:
        logger.exception("import run %s: database error", run_id)
        run.state, run.error = ImportRunState.FAILED, _("The registry could not store the result.")
        run.report = {"errors": [{"row": 0, "reason": _clean(str(exc))[:500]}]}
    run.content = b""
    run.finished_at = timezone.now()
    run.error = _clean(run.error)
    run.report = _cleaned(run.report)
    run.save(update_fields=["state", "report", "error", "batch", "content", "finished_at"])
    run.refresh_from_db(fields=["rows_done", "rows_total"])
    return run


def _drop_connection() -> None:
    """Close this thread's database connection (the next query opens a fresh one)."""
    try:
        connection.close()
    except DatabaseError:
        logger.warning("closing a broken database connection failed", exc_info=True)


def _work(run: ImportRun) -> None:
    content = bytes(run.content)
    step = 1

    def progress(done: int, total: int) -> None:
        nonlocal step
        if done == 1:
            step = max(1, total // 50)
        if done == total or done % step == 0:
            ImportRun.objects.filter(pk=run.pk).update(rows_done=done, rows_total=total)

    if run.propose:
        report, batch = import_apply(
            kind=run.kind,
            file_name=run.file_name,
            content=content,
            source=run.source,
            confidence=run.confidence,
            by=run.author,
            comment=run.comment,
            progress=progress,
        )
        run.batch = batch
    else:
        rows = import_read(file_name=run.file_name, content=content)
        del content
        report = import_dry_run(
            kind=run.kind,
            rows=rows,
            source=run.source,
            confidence=run.confidence,
            progress=progress,
        )
    run.report = report.as_dict()
    run.state = ImportRunState.FAILED if report.errors else ImportRunState.DONE


def import_runs_reap(*, now: dt.datetime) -> dict[str, int]:
    """Fail the runs no task is working on and remove stored files past retention; safe to run
    twice at once (each run is ended by a conditional UPDATE)."""
    queue_limit = now - dt.timedelta(seconds=settings.REGISTRY_IMPORT_QUEUE_TIMEOUT)
    # A task is killed at its hard time limit, so a run claimed longer ago has no live task.
    run_limit = now - dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)
    retention = now - dt.timedelta(days=settings.REGISTRY_IMPORT_RETENTION_DAYS)
    counts = {"queued": 0, "running": 0, "expired": 0, "files": 0}
    for pk in ImportRun.objects.filter(
        state=ImportRunState.QUEUED, created_at__lt=queue_limit
    ).values_list("pk", flat=True):
        counts["queued"] += import_run_fail(
            run_id=pk,
            reason=_(
                "No worker read the file within %(minutes)s minutes of the upload (it was lost "
                "from the queue). Nothing was imported; upload it again."
            )
            % {"minutes": settings.REGISTRY_IMPORT_QUEUE_TIMEOUT // 60},
            states=(ImportRunState.QUEUED,),
        )
    for pk in ImportRun.objects.filter(
        state=ImportRunState.RUNNING, claimed_at__lt=run_limit
    ).values_list("pk", flat=True):
        counts["running"] += import_run_fail(
            run_id=pk,
            reason=_(
                "The worker reading the file stopped before it ended (it was stopped, ran out "
                "of memory or passed its time limit). Nothing was imported."
            ),
            states=(ImportRunState.RUNNING,),
        )
    for pk in ImportRun.objects.filter(
        state__in=(ImportRunState.QUEUED, ImportRunState.RUNNING), created_at__lt=retention
    ).values_list("pk", flat=True):
        counts["expired"] += import_run_fail(
            run_id=pk,
            reason=_("The file was kept for %(days)s days without being read; it is removed.")
            % {"days": settings.REGISTRY_IMPORT_RETENTION_DAYS},
        )
    counts["files"] = (
        ImportRun.objects.filter(state__in=ENDED).exclude(content=b"").update(content=b"")
    )
    return counts
