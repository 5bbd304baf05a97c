"""Import runs on the real stack: a prefork `celery -A config worker` (one child, as the Procfile
runs it) on the test database and Redis. A hostile workbook is refused by the worker naming the
limit and the worker lives on; a run past its time limit, or whose worker child is killed, ends
failed with its reason; the child runs with its memory limit."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from openpyxl import Workbook

from accessions import tasks
from accessions.models import ImportRun
from accessions.services import import_runs
from accounts.services import account_create
from config.celery import app
from tests.factories import CountryFactory
from tests.integration.test_worker import _database_url, _reset_broker_connections, _wait

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

BASE_DIR = Path(__file__).resolve().parents[2]
CELERY = Path(sys.executable).with_name("celery")
SOFT_LIMIT = 4
MEMORY_MB = 900


@pytest.fixture(scope="module")
def prefork_worker(django_db_setup, django_db_blocker, tmp_path_factory):
    with django_db_blocker.unblock():
        database_url = _database_url()
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "DATABASE_URL": database_url,
        "REDIS_URL": os.environ["REDIS_URL"],
        "PYTHONUNBUFFERED": "1",
        "CELERY_TASK_SOFT_TIME_LIMIT": str(SOFT_LIMIT),
        "CELERY_TASK_TIME_LIMIT": "60",
        "REGISTRY_WORKER_MEMORY_LIMIT_MB": str(MEMORY_MB),
    }
    app.control.purge()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                str(CELERY),
                "-A",
                "config",
                "worker",
                "--pool=prefork",
                "--concurrency=1",
                "-Q",
                "celery",
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=INFO",
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while "ready." not in log.read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail("the Celery worker did not start:\n" + log.read_text(errors="replace"))
        time.sleep(0.2)
    yield process, log
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _sender_limits(soft: float | None, hard: float | None) -> None:
    """The time limits the next message of the import task carries. Celery caches a task's
    publishing options (the limits among them) at its first send in a process, so an earlier
    test's send would otherwise fix them at the configured 300/360 s for the rest of the run."""
    task = tasks.run_import_task
    task.soft_time_limit, task.time_limit = soft, hard
    task._exec_options = None


@pytest.fixture
def via_broker():
    """Tasks go to Redis; the message carries the sender's time limits, as the web's would."""
    task = tasks.run_import_task
    limits = (task.soft_time_limit, task.time_limit)
    app.conf.task_always_eager = False
    _sender_limits(SOFT_LIMIT, 60)
    _reset_broker_connections()
    yield
    app.conf.task_always_eager = True
    _sender_limits(*limits)
    _reset_broker_connections()


@pytest.fixture
def inspector(db):
    return account_create(
        username="runs-worker", email="rw@example.org", password="pw-worker-1", role="inspector"
    )


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def _start(inspector, name: str, content: bytes) -> ImportRun:
    return import_runs.import_run_start(
        kind="access",
        file_name=name,
        content=content,
        source="GACC list (test)",
        confidence="medium",
        by=inspector,
        propose=False,
    )


def _ended(run: ImportRun, timeout: float = 90, log: Path | None = None) -> ImportRun:
    ended = _wait(
        lambda: ImportRun.objects.get(pk=run.pk).state in ("done", "failed"), timeout=timeout
    )
    run.refresh_from_db()
    assert ended, (
        f"run {run.pk} still {run.state} after {timeout} s; {_diagnosis()}worker log:\n"
        + (log.read_text(errors="replace")[-4000:] if log else "(not kept)")
    )
    run.refresh_from_db()
    return run


def _diagnosis() -> str:
    """What a stuck run waits on: the database sessions that are not idle (with the locks they
    wait for) and the kernel state of every worker process."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.pid, a.state, a.wait_event_type, a.wait_event, a.backend_xid IS NOT NULL,"
            " now() - a.xact_start, left(a.query, 160),"
            " (SELECT string_agg(l.locktype || ':' || l.mode || ':' || l.granted::text, ' ')"
            "    FROM pg_locks l WHERE l.pid = a.pid)"
            " FROM pg_stat_activity a"
            " WHERE a.datname = current_database() AND a.pid <> pg_backend_pid()"
            " AND a.state <> 'idle'"
        )
        sessions = "\n".join(repr(row) for row in cursor.fetchall()) or "(none)"
    processes = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            cmdline = (status.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            if "celery" not in cmdline:
                continue
            state = next(x for x in status.read_text().splitlines() if x.startswith("State"))
            wchan = (status.parent / "wchan").read_text()
        except (OSError, StopIteration):
            continue
        processes.append(f"{status.parent.name} {state} wchan={wchan} {cmdline[:120]}")
    return f"database sessions:\n{sessions}\ncelery processes:\n" + "\n".join(processes) + "\n"


def _slow_list() -> bytes:
    """Rows enough that the dry run outlasts the soft time limit (one lookup each)."""
    return ("product,country\n" + "".join(f"nosuch-{n},KZ\n" for n in range(45_000))).encode()


def test_the_probes_workbook_is_refused_by_the_worker_which_lives_on(
    prefork_worker, via_broker, inspector
):
    process, log = prefork_worker
    book = Workbook()
    book.active.append(["product", "country"])
    book.active.append(["maize", "KZ"])
    book.active.cell(row=1_048_576, column=16_384, value="x")
    buffer = io.BytesIO()
    book.save(buffer)

    run = _ended(_start(inspector, "bomb.xlsx", buffer.getvalue()), timeout=60)

    assert run.state == "failed", log.read_text()
    assert "50,000" in run.error and "1,048,576" in run.error
    assert bytes(run.content) == b""
    assert process.poll() is None
    CountryFactory(iso2="KZ", iso3="KAZ")
    after = _ended(_start(inspector, "list.csv", b"product,country,status\n"))
    assert after.state == "done", after.error


def test_the_worker_child_runs_with_its_memory_limit(prefork_worker):
    process, _log = prefork_worker
    [child] = _children(process.pid)
    limits = Path(f"/proc/{child}/limits").read_text()
    line = next(x for x in limits.splitlines() if x.startswith("Max data size"))
    assert str(MEMORY_MB * 1024 * 1024) in line


def test_a_run_past_the_time_limit_ends_failed(prefork_worker, via_broker, inspector):
    _process, log = prefork_worker
    CountryFactory(iso2="KZ", iso3="KAZ")
    run = _ended(_start(inspector, "slow.csv", _slow_list()), log=log)
    assert run.state == "failed"
    assert f"{SOFT_LIMIT} seconds" in run.error


def test_a_run_whose_worker_child_is_killed_ends_failed(prefork_worker, via_broker, inspector):
    """SIGKILL (what the kernel's OOM killer sends) of the child reading the file: the worker's
    parent records the run failed at once, not "running" for ever."""
    process, log = prefork_worker
    _sender_limits(50, 60)
    CountryFactory(iso2="KZ", iso3="KAZ")
    run = _start(inspector, "slow.csv", _slow_list())
    assert _wait(lambda: ImportRun.objects.get(pk=run.pk).rows_done > 0, timeout=60)
    [child] = _children(process.pid)
    os.kill(child, signal.SIGKILL)
    run = _ended(run, timeout=60)
    assert run.state == "failed", log.read_text()
    assert "killed or ran out of memory" in run.error
    assert bytes(run.content) == b""
    assert process.poll() is None
