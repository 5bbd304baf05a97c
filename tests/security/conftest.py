"""The security suite runs with the production webhook policy (https, public addresses, port 443),
whatever tests/settings.py relaxes for the other suites."""

import socket
import threading

import pytest


@pytest.fixture(autouse=True)
def _production_webhook_policy(settings):
    settings.REGISTRY_WEBHOOK_ALLOW_HTTP = False
    settings.REGISTRY_WEBHOOK_ALLOW_PRIVATE = False
    settings.REGISTRY_WEBHOOK_PORTS = []
    settings.REGISTRY_WEBHOOK_TIMEOUT = 2.0


class Listener:
    """A local TCP listener that records every connection made to it (and answers a fixed
    response, if given): how a test proves that "a local listener receives nothing"."""

    def __init__(self, response: bytes = b"", family: int = socket.AF_INET, host="127.0.0.1"):
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.response = response
        self.received: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self):
        while not self._stop.is_set():
            try:
                conn, _addr = self.sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(1)
                try:
                    self.received.append(conn.recv(65536))
                    if self.response:
                        conn.sendall(self.response)
                except OSError:
                    self.received.append(b"")

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


@pytest.fixture
def listener():
    with Listener(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n") as lis:
        yield lis
