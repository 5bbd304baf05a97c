"""The embedded mode (no PostgreSQL, no Redis) migrates, seeds and serves `/`, as `make run` does;
and the production settings pass `check --deploy`."""

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _env(**extra):
    # A clean process environment: no test-only variables (the browser tests allow async-unsafe
    # calls in this process; production must not).
    dropped = {"DATABASE_URL", "REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", **extra)
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


# What `make run` sets for the serving process (see the Makefile's EMBEDDED_ENV).
EMBEDDED = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECURE_SSL_REDIRECT": "0",
    "DJANGO_SESSION_COOKIE_SECURE": "0",
    "DJANGO_CSRF_COOKIE_SECURE": "0",
    "DJANGO_SECURE_HSTS_SECONDS": "0",
    "DJANGO_SECRET_KEY": "embedded-test-secret-" + "y" * 40,
}


def _get(url: str, **headers) -> tuple[int, dict, str]:
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (a local URL)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def test_sqlite_mode_migrates_seeds_and_serves_like_production(tmp_path):
    """As `make run`: DEBUG off, static files collected and served by WhiteNoise, translated
    error pages, the API's validators on SQLite, and the expiry sweep run at start."""
    env = _env(
        DATABASE_URL=f"sqlite:///{tmp_path / 'registry.sqlite3'}",
        REGISTRY_ON_SERVE="accessions.scheduler.start_embedded_sweep",
        **EMBEDDED,
    )
    for command in (["migrate", "--noinput"], ["load_seeds"], ["load_demo"]):
        done = _manage(*command, env=env)
        assert done.returncode == 0, done.stderr
    assert "nothing changed" in _manage("load_seeds", env=env).stdout
    done = _manage("collectstatic", "--noinput", "-v", "0", env=env)
    assert done.returncode == 0, done.stderr

    port = _free_port()
    log = tmp_path / "server.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, _headers, body = _get(f"{base}/")
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.3)
        not_found = _get(f"{base}/products/no-such-product/", **{"Accept-Language": "ru"})
        css = _get(f"{base}/static/css/site.css")
        api = _get(f"{base}/api/v1/access/?country=KZ")
        again = _get(f"{base}/api/v1/access/?country=KZ", **{"If-None-Match": api[1]["ETag"]})
        export = _get(f"{base}/api/v1/access/?country=KZ&format=csv")
        # The same answers as PostgreSQL from the series (issue 21): a date inside the 2022
        # suspension, after the 2024 restoration, a pair with no record.
        answers = {
            (product, country, on): _get(
                f"{base}/api/v1/eligibility/?product={product}&country={country}&date={on}"
            )
            for product, country, on in [
                ("beef", "KZ", "2023-06-01"),
                ("beef", "KZ", "2024-06-01"),
                ("fresh-grapes", "TM", "2024-06-01"),
            ]
        }
        deadline = time.monotonic() + 60
        while "embedded expiry sweep" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.3)
    finally:
        server.terminate()
        server.wait(timeout=20)
    assert status == 200
    assert "96" in body  # the reported figure, beside the registry's own count
    assert "Kazakhstan" in body
    # DEBUG is off: the site's own 404 page, translated, not Django's technical page.
    assert not_found[0] == 404
    assert "URLconf" not in not_found[2]
    assert "Не найдено" in not_found[2]
    assert css[0] == 200 and "--ink" in css[2]  # WhiteNoise serves the collected files
    assert api[0] == 200 and api[1]["ETag"] and api[1]["Last-Modified"]
    assert again[0] == 304
    # The CSV export on SQLite: the Python path (PostgreSQL formats the lines itself).
    assert export[0] == 200 and export[2].startswith("\ufeffid,product,country,")
    assert ",KZ," in export[2] and export[2].count("\r\n") > 1
    verdicts = {key: json.loads(answer[2])["verdict"] for key, answer in answers.items()}
    assert verdicts == {
        ("beef", "KZ", "2023-06-01"): "not_eligible",
        ("beef", "KZ", "2024-06-01"): "eligible_with_conditions",
        ("fresh-grapes", "TM", "2024-06-01"): "not_recorded",
    }
    assert "embedded expiry sweep" in log.read_text()  # the sweep ran when the server started


def test_make_run_takes_a_port():
    done = subprocess.run(
        ["make", "-n", "run", "PORT=8001"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "runserver --noreload 127.0.0.1:8001" in done.stdout
    assert "DJANGO_DEBUG=0" in done.stdout


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
    set(re.findall(r'env\.\w+\(\s*"([A-Z_]+)"', (ROOT / "config" / "settings.py").read_text()))
)


def test_settings_read_the_environment():
    assert {"DATABASE_URL", "REDIS_URL", "DJANGO_SECRET_KEY"} <= set(SETTINGS_VARIABLES)


@pytest.mark.parametrize("variable", SETTINGS_VARIABLES)
def test_every_environment_variable_is_documented(variable):
    assert re.search(rf"^{variable}=", (ROOT / ".env.example").read_text(), re.MULTILINE)
