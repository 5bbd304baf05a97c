"""The embedded mode (no PostgreSQL, no Redis) migrates, seeds and serves `/`, as `make run` does;
and the production settings pass `check --deploy`."""

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _env(**extra):
    # A clean process environment: no test-only variables (the browser tests allow async-unsafe
    # calls in this process; production must not).
    dropped = {"DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update(DJANGO_SETTINGS_MODULE="registry.settings", **extra)
    return env


def _manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_sqlite_mode_migrates_seeds_and_serves_the_home_page(tmp_path):
    env = _env(DATABASE_URL=f"sqlite:///{tmp_path / 'registry.sqlite3'}")
    for command in (["migrate", "--noinput"], ["load_seeds"], ["load_demo"]):
        done = _manage(*command, env=env)
        assert done.returncode == 0, done.stderr
    assert "nothing changed" in _manage("load_seeds", env=env).stdout

    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
                    body = response.read().decode()
                    status = response.status
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.3)
    finally:
        server.terminate()
        server.wait(timeout=20)
    assert status == 200
    assert "96" in body  # the reported figure, beside the registry's own count
    assert "Kazakhstan" in body


PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "a-long-random-production-secret-0123456789-abcdefghijklmnopqrstuvwxyz",
    "DJANGO_ALLOWED_HOSTS": "registry.example.org",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/registry",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}


def test_production_settings_pass_the_deploy_check():
    done = _manage("check", "--deploy", "--fail-level", "WARNING", env=_env(**PRODUCTION))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = _env(**{k: v for k, v in PRODUCTION.items() if k != "DJANGO_SECRET_KEY"})
    done = _manage("check", env=env)
    assert done.returncode != 0
    assert "DJANGO_SECRET_KEY" in done.stderr


SETTINGS_VARIABLES = sorted(
    set(re.findall(r'env\.\w+\(\s*"([A-Z_]+)"', (ROOT / "registry" / "settings.py").read_text()))
)


def test_settings_read_the_environment():
    assert {"DATABASE_URL", "REDIS_URL", "DJANGO_SECRET_KEY"} <= set(SETTINGS_VARIABLES)


@pytest.mark.parametrize("variable", SETTINGS_VARIABLES)
def test_every_environment_variable_is_documented(variable):
    assert re.search(rf"^{variable}=", (ROOT / ".env.example").read_text(), re.MULTILINE)
