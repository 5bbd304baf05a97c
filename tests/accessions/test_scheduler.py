"""The embedded mode's daily sweep thread (accessions.scheduler): run at once, then at the beat
schedule's time each day; one thread per process; a failing run does not end the loop."""

import datetime as dt
import threading

from accessions import scheduler


def test_seconds_until_the_next_run():
    at = dt.time(2, 15)
    now = dt.datetime(2026, 3, 1, 1, 15, tzinfo=dt.UTC)
    assert scheduler.seconds_until(now, at) == 3600
    later = dt.datetime(2026, 3, 1, 2, 15, tzinfo=dt.UTC)
    assert scheduler.seconds_until(later, at) == 24 * 3600  # exactly at: tomorrow


def test_daily_loop_runs_at_once_then_waits_for_the_next_day():
    runs, waits = [], []
    stop = threading.Event()

    class Stop:
        """Records how long the loop waits; stops it after the second run."""

        def is_set(self):
            return stop.is_set()

        def wait(self, seconds):
            waits.append(seconds)
            if len(runs) >= 2:
                stop.set()

    def job():
        runs.append(1)
        if len(runs) == 1:
            raise RuntimeError("a bad run")  # logged; the loop goes on

    clock = lambda: dt.datetime(2026, 3, 1, 0, 15, tzinfo=dt.UTC)  # noqa: E731
    scheduler.daily_loop(job, stop=Stop(), clock=clock)  # type: ignore[arg-type]
    assert len(runs) == 2
    assert waits == [2 * 3600, 2 * 3600]


def test_the_thread_starts_once_per_process(monkeypatch):
    started = threading.Event()
    release = threading.Event()

    def fake_loop(job, *, stop):
        started.set()
        release.wait(10)

    monkeypatch.setattr(scheduler, "daily_loop", fake_loop)
    monkeypatch.setattr(scheduler, "_started", None)
    first = scheduler.start_embedded_sweep()
    assert started.wait(10)
    assert scheduler.start_embedded_sweep() is first
    assert first.daemon
    release.set()
    first.join(10)
