"""The embedded mode's stand-in for Celery beat: daemon threads in the serving process. One runs
the expiry sweep when the server starts and then every day at the beat schedule's time; another
runs the import-run reaper at start and then every five minutes (an upload read in-process by a
server that died mid-run would otherwise stay "running" for ever).

The full stack runs the sweep from Celery beat (settings.CELERY_BEAT_SCHEDULE); without a broker
(the embedded mode, `make run`) nothing would ever run it, so the dashboard would say "no alerts"
for ever. config.wsgi starts this thread by name (settings.REGISTRY_ON_SERVE) once per process.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable

from django.db import close_old_connections, connection
from django.utils import timezone

from accessions.services import expiry, import_runs

logger = logging.getLogger(__name__)

SWEEP_AT = dt.time(2, 15)  # the same time as the beat entry "sweep-expiring-daily" (UTC)
REAP_EVERY = 300.0  # seconds, as the beat entry "reap-import-runs"

_started: threading.Thread | None = None
_reaper: threading.Thread | None = None
_lock = threading.Lock()


def seconds_until(now: dt.datetime, at: dt.time) -> float:
    """Seconds from `now` to the next `at` (UTC); a whole day when `now` is exactly `at`."""
    target = now.replace(hour=at.hour, minute=at.minute, second=0, microsecond=0)
    if target <= now:
        target += dt.timedelta(days=1)
    return (target - now).total_seconds()


def run_sweep_now() -> expiry.SweepSummary:
    """One sweep as of today, on this thread's own connection (closed afterwards)."""
    close_old_connections()
    try:
        summary = expiry.expiry_sweep(today=timezone.localdate())
        logger.info("embedded expiry sweep: %s", summary.as_dict())
        return summary
    finally:
        connection.close()


def daily_loop(
    job: Callable[[], object],
    *,
    stop: threading.Event,
    clock: Callable[[], dt.datetime] = timezone.now,
    at: dt.time = SWEEP_AT,
) -> None:
    """Run `job` at once, then at `at` each day until `stop` is set. A failing run is logged and
    the loop goes on (the next day's run, or an inspector's button, catches up)."""
    while not stop.is_set():
        try:
            job()
        except Exception:  # the thread must outlive one bad run
            logger.exception("embedded expiry sweep failed")
        stop.wait(seconds_until(clock(), at))


def start_embedded_sweep() -> threading.Thread:
    """Start the daily sweep thread once per process (later calls return the same thread)."""
    global _started
    with _lock:
        if _started is None or not _started.is_alive():
            _started = threading.Thread(
                target=daily_loop,
                args=(run_sweep_now,),
                kwargs={"stop": threading.Event()},
                name="embedded-expiry-sweep",
                daemon=True,
            )
            _started.start()
        return _started


def run_reaper_now() -> dict[str, int]:
    """One pass of the import-run reaper on this thread's own connection (closed afterwards)."""
    close_old_connections()
    try:
        counts = import_runs.import_runs_reap(now=timezone.now())
        logger.info("embedded import-run reaper: %s", counts)
        return counts
    finally:
        connection.close()


def interval_loop(job: Callable[[], object], *, stop: threading.Event, every: float) -> None:
    """Run `job` at once, then every `every` seconds until `stop` is set; a failing run is
    logged and the loop goes on."""
    while not stop.is_set():
        try:
            job()
        except Exception:  # the thread must outlive one bad run
            logger.exception("embedded job failed")
        stop.wait(every)


def start_embedded_reaper() -> threading.Thread:
    """Start the import-run reaper thread once per process (later calls return the same one)."""
    global _reaper
    with _lock:
        if _reaper is None or not _reaper.is_alive():
            _reaper = threading.Thread(
                target=interval_loop,
                args=(run_reaper_now,),
                kwargs={"stop": threading.Event(), "every": REAP_EVERY},
                name="embedded-import-reaper",
                daemon=True,
            )
            _reaper.start()
        return _reaper
