"""The fault suite's own servers: a redis-server on a free port (never the shared one), which the
tests kill, pause (SIGSTOP) and make refuse; a real Celery worker on it and the test database,
which they kill; a TCP proxy in front of PostgreSQL, which they pause and cut."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest
from celery import current_app
from django.conf import settings as django_settings

from registry.redis_cache import redis_breaker
from tests.integration.processes import BASE_DIR, BIN, database_url, free_port


class OwnRedis:
    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        """Gone: connections reset, then refused (nothing listens on the port)."""
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def pause(self) -> None:
        """SIGSTOP: connections are accepted by the kernel and never answered."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)


@pytest.fixture
def own_redis(tmp_path, settings):
    """A private redis-server the test may break; the cache and the broker of this process point
    at it for the test."""
    server = OwnRedis(tmp_path)
    server.start()
    settings.CACHES = {
        "default": {
            **django_settings.CACHES["default"],
            "BACKEND": "registry.redis_cache.FailOpenRedisCache",
            "LOCATION": server.url,
        }
    }
    saved = {
        k: current_app.conf[k] for k in ("broker_url", "broker_write_url", "task_always_eager")
    }
    current_app.conf.update(broker_url=server.url, broker_write_url=server.url)
    current_app.conf.task_always_eager = False
    _reset_pools()
    redis_breaker.reset()
    yield server
    if server.process is not None:
        server.resume()
    server.kill()
    current_app.conf.update(saved)
    _reset_pools()
    redis_breaker.reset()


def _reset_pools() -> None:
    current_app._pool = None
    current_app.amqp._producer_pool = None


class Worker:
    def __init__(self, redis_url: str, log: Path, db_url: str) -> None:
        self.redis_url, self.log, self.db_url = redis_url, log, db_url
        self.process: subprocess.Popen | None = None

    def start(self, **extra_env: str) -> None:
        env = (
            os.environ
            | {
                "DJANGO_SETTINGS_MODULE": "tests.settings",
                "CELERY_TASK_ALWAYS_EAGER": "0",
                "DATABASE_URL": self.db_url,
                "REDIS_URL": self.redis_url,
                "PYTHONUNBUFFERED": "1",
            }
            | extra_env
        )
        self.log.write_bytes(b"")
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [str(BIN / "celery"), "-A", "config", "worker", "--pool=solo", "-Q", "celery",
                 "--without-heartbeat", "--without-gossip", "--without-mingle",
                 "--loglevel=INFO"],
                cwd=BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        deadline = time.monotonic() + 60
        while "ready." not in self.log.read_text(errors="replace"):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.process.kill()
                raise RuntimeError("worker did not start:\n" + self.log.read_text())
            time.sleep(0.2)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def worker_on(own_redis, tmp_path):
    """A real Celery worker on the private Redis and the test database (started by the test)."""
    worker = Worker(own_redis.url, tmp_path / "worker.log", database_url())
    yield worker
    worker.stop()


class PausableProxy:
    """A TCP proxy to PostgreSQL: `pause()` stops forwarding (a database that hangs), `cut()`
    closes every connection (a database restarted under its clients)."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.flowing = threading.Event()
        self.flowing.set()
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._stop = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        self.listener.settimeout(0.2)
        while not self._stop.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                continue
            server = socket.create_connection(self.target)
            self._pairs.append((client, server))
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                self.flowing.wait()
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def pause(self) -> None:
        self.flowing.clear()

    def resume(self) -> None:
        self.flowing.set()

    def cut(self) -> None:
        for pair in self._pairs:
            for s in pair:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                    s.close()
                except OSError:
                    pass
        self._pairs.clear()

    def close(self) -> None:
        self._stop.set()
        self.flowing.set()
        self.cut()
        self.listener.close()
