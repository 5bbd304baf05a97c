"""Import runs never stay stuck: a run that cannot be queued, whose file is refused, whose worker
dies or passes its time limit ends `failed` with its reason; the reaper fails what no task works
on and removes stored files; the worker's children cannot grow past their memory limit."""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from celery.exceptions import TimeLimitExceeded, WorkerLostError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accessions import scheduler, tasks
from accessions.models import ImportRun
from accessions.services import import_runs
from accounts.services import account_create
from config.celery import app

pytestmark = pytest.mark.django_db
BASE_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture
def inspector(db):
    return account_create(
        username="runs-inspector", email="ri@example.org", password="pw-runs-1", role="inspector"
    )


def _run(inspector, content: bytes, **fields) -> ImportRun:
    return ImportRun.objects.create(
        kind="access",
        file_name=fields.pop("file_name", "list.csv"),
        content=content,
        source="GACC list (test)",
        confidence="medium",
        author=inspector,
        **fields,
    )


def test_a_utf16_file_ends_failed_with_its_reason_not_a_database_error(inspector):
    """A NUL byte reached PostgreSQL in the report (DataError \\u0000) and the run stayed
    running."""
    content = "product,country,status\nmaize,KZ,in_force\n".encode("utf-16-le")
    run = import_runs.import_run_execute(run_id=_run(inspector, content).pk)
    assert run is not None
    run.refresh_from_db()
    assert run.state == "failed"
    assert "NUL" in run.error and "UTF-8" in run.error
    assert bytes(run.content) == b"" and run.finished_at is not None


def test_a_bounded_xlsx_ends_failed_naming_the_limit(inspector):
    import io

    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["product", "country"])
    book.active.cell(row=1_048_576, column=16_384, value="x")
    buffer = io.BytesIO()
    book.save(buffer)
    run = import_runs.import_run_execute(
        run_id=_run(inspector, buffer.getvalue(), file_name="bomb.xlsx").pk
    )
    assert run is not None and run.state == "failed"
    assert "50,000" in run.error


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def broker_refusing():
    """Tasks go to a broker that refuses connections (nothing listens on the port)."""
    real = app.conf.broker_url
    app.conf.task_always_eager = False
    app.conf.broker_url = f"redis://127.0.0.1:{_closed_port()}/0"
    app._pool = None
    app.amqp._producer_pool = None
    yield
    app.conf.task_always_eager = True
    app.conf.broker_url = real
    app._pool = None
    app.amqp._producer_pool = None


def test_an_upload_the_queue_refuses_ends_failed_and_the_page_says_so(
    inspector, broker_refusing, django_capture_on_commit_callbacks
):
    """Upload while Redis refused: a 500 and the run stayed queued for ever."""
    client = Client()
    client.force_login(inspector)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("import-list"),
            {
                "file": SimpleUploadedFile("list.csv", b"product,country\nmaize,KZ\n"),
                "kind": "access",
                "source": "GACC list (test)",
                "confidence": "medium",
                "action": "dry_run",
            },
        )
    assert response.status_code == 302
    run = ImportRun.objects.get()
    assert run.state == "failed" and "could not be queued" in run.error
    assert bytes(run.content) == b""
    page = client.get(response["Location"]).content.decode()
    assert "could not be queued" in page


def test_the_reaper_fails_runs_no_task_works_on_and_only_those(inspector, settings):
    now = timezone.now()
    lost = _run(inspector, b"a")
    waiting = _run(inspector, b"b")
    dead = _run(inspector, b"c", state="running")
    working = _run(inspector, b"d", state="running", claimed_at=now)
    done = _run(inspector, b"e", state="done")
    old = now - dt.timedelta(seconds=settings.REGISTRY_IMPORT_QUEUE_TIMEOUT + 1)
    ImportRun.objects.filter(pk=lost.pk).update(created_at=old)
    ImportRun.objects.filter(pk=dead.pk).update(
        claimed_at=now - dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 61)
    )

    counts = import_runs.import_runs_reap(now=now)

    assert counts == {"queued": 1, "running": 1, "expired": 0, "files": 1}
    states = dict(ImportRun.objects.values_list("pk", "state"))
    assert states == {
        lost.pk: "failed",
        waiting.pk: "queued",
        dead.pk: "failed",
        working.pk: "running",
        done.pk: "done",
    }
    for run in ImportRun.objects.filter(pk__in=[lost.pk, dead.pk, done.pk]):
        assert bytes(run.content) == b"", run
    assert "lost from the queue" in ImportRun.objects.get(pk=lost.pk).error
    assert "stopped before it ended" in ImportRun.objects.get(pk=dead.pk).error
    assert bytes(ImportRun.objects.get(pk=waiting.pk).content) == b"b"
    # A second pass finds nothing.
    assert import_runs.import_runs_reap(now=now) == {
        "queued": 0,
        "running": 0,
        "expired": 0,
        "files": 0,
    }


def test_the_reaper_removes_files_kept_past_retention(inspector, settings):
    settings.REGISTRY_IMPORT_QUEUE_TIMEOUT = 10 * 24 * 3600
    run = _run(inspector, b"kept")
    now = timezone.now() + dt.timedelta(days=settings.REGISTRY_IMPORT_RETENTION_DAYS, seconds=1)
    assert import_runs.import_runs_reap(now=now)["expired"] == 1
    run.refresh_from_db()
    assert run.state == "failed" and bytes(run.content) == b""


def test_the_reaper_command_and_task(inspector, capsys):
    run = _run(inspector, b"x")
    ImportRun.objects.filter(pk=run.pk).update(created_at=timezone.now() - dt.timedelta(days=1))
    call_command("reap_import_runs")
    assert "failed 1 queued" in capsys.readouterr().out
    assert tasks.reap_import_runs_task.delay().get() == {
        "queued": 0,
        "running": 0,
        "expired": 0,
        "files": 0,
    }


@pytest.mark.parametrize(
    ("exception", "words"),
    [
        (WorkerLostError("Worker exited prematurely: signal 9 (SIGKILL)."), "was killed"),
        (TimeLimitExceeded(360), "360 seconds"),
        (RuntimeError("boom"), "An error stopped"),
    ],
)
def test_a_task_failure_the_task_could_not_record_fails_the_run(inspector, exception, words):
    """The worker's parent sends task_failure when the child dies or passes the hard limit."""
    run = _run(inspector, b"x", state="running", claimed_at=timezone.now())
    from celery.signals import task_failure

    task_failure.send(
        sender=tasks.run_import_task, task_id="t", exception=exception, args=[run.pk], kwargs={}
    )
    run.refresh_from_db()
    assert run.state == "failed" and words in run.error
    assert bytes(run.content) == b""


def test_an_ended_run_is_never_rewritten(inspector):
    run = _run(inspector, b"", state="done")
    assert import_runs.import_run_fail(run_id=run.pk, reason="late") is False
    run.refresh_from_db()
    assert run.state == "done" and run.error == ""


def test_the_embedded_reaper_thread_runs_at_start(inspector, monkeypatch):
    calls = []
    monkeypatch.setattr(scheduler, "REAP_EVERY", 3600.0)
    monkeypatch.setattr(scheduler, "run_reaper_now", lambda: calls.append(1))
    monkeypatch.setattr(scheduler, "_reaper", None)
    thread = scheduler.start_embedded_reaper()
    assert thread.name == "embedded-import-reaper" and thread.daemon
    assert scheduler.start_embedded_reaper() is thread
    deadline = timezone.now() + dt.timedelta(seconds=10)
    while not calls and timezone.now() < deadline:
        thread.join(0.05)
    assert calls == [1]


def test_the_embedded_mode_starts_the_reaper_and_the_full_stack_schedules_it():
    """Without Redis the serving process starts the reaper thread; with it, beat runs it."""
    script = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings'; "
        "from django.conf import settings; "
        "print(settings.REGISTRY_ON_SERVE, 'reap-import-runs' in settings.CELERY_BEAT_SCHEDULE)"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=BASE_DIR, env=env, capture_output=True, text=True
    )
    assert "accessions.scheduler.start_embedded_reaper" in out.stdout, out.stderr
    assert out.stdout.strip().endswith("True")


def test_a_worker_child_cannot_grow_past_its_memory_limit():
    """config.celery bounds each worker child's heap: an allocation past it is a MemoryError in
    the task that asked, not the machine's memory."""
    script = textwrap.dedent(
        """
        import os
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
        from config.celery import memory_limit_apply
        memory_limit_apply(300)
        try:
            block = bytearray(600 * 1024 * 1024)
        except MemoryError:
            print("refused")
        else:
            print("allocated", len(block))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=BASE_DIR, capture_output=True, text=True, timeout=60
    )
    assert out.stdout.strip() == "refused", out.stderr


def test_the_worker_settings_bound_memory(settings):
    assert settings.CELERY_WORKER_MAX_MEMORY_PER_CHILD > 0
    assert settings.REGISTRY_WORKER_MEMORY_LIMIT_MB > 0
    assert "reap-import-runs" in settings.CELERY_BEAT_SCHEDULE
