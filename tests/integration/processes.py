"""Real processes for the integration and fault tests: gunicorn serving the test database, a
stranger that accepts connections and never answers, and a signed-in HTTP session against a live
server (the session row is shared through the database)."""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection

BASE_DIR = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def database_url(name: str | None = None, port: int | None = None) -> str:
    s = connection.settings_dict
    host = f"{s['HOST'] or '127.0.0.1'}:{port or s['PORT'] or 5432}"
    return f"postgres://{s['USER'] or 'postgres'}@{host}/{name or s['NAME']}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Stranger:
    """A host that accepts every connection, reads, and never answers (the probe's receiver)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(128)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self._held: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _addr = self.sock.accept()
            except OSError:
                continue
            self.accepted += 1
            self._held.append(conn)

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> Stranger:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(2)
        for conn in self._held:
            conn.close()
        self.sock.close()


@contextlib.contextmanager
def gunicorn(env: dict[str, str], *, workers: int = 2, log: Path):
    """`gunicorn config.wsgi` with sync workers on a free port; yields its base URL."""
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "config.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--timeout",
                "60",
            ],
            cwd=BASE_DIR,
            env=os.environ | {"DJANGO_SETTINGS_MODULE": "tests.settings"} | env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(base + "/api/v1/countries/", timeout=2).status_code < 500:
                break
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError("gunicorn did not start:\n" + log.read_text(errors="replace"))
        time.sleep(0.3)
    try:
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def signed_in_session(user, base: str) -> httpx.Client:
    """An HTTP client signed in as `user` on a live server (a database session) with the CSRF
    cookie and token a form post needs."""
    store = SessionStore()
    store["_auth_user_id"] = str(user.pk)
    store["_auth_user_backend"] = "allauth.account.auth_backends.AuthenticationBackend"
    store["_auth_user_hash"] = user.get_session_auth_hash()
    store.create()
    client = httpx.Client(base_url=base, timeout=30, follow_redirects=False)
    client.cookies.set(settings.SESSION_COOKIE_NAME, store.session_key)
    page = client.get("/accounts/subscriptions/")
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert match, page.status_code
    client.headers["X-CSRFToken"] = match.group(1)
    client.headers["Referer"] = base + "/accounts/subscriptions/"
    return client
