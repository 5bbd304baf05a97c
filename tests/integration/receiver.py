"""A webhook receiver on 127.0.0.1 (port chosen by the OS) that records what it gets.

Paths decide the answer: /ok → 200, /fail → 500, /hang → answers only after `hang_seconds`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver:
    def __init__(self, hang_seconds: float = 3.0) -> None:
        self.requests: list[dict] = []
        self.hang_seconds = hang_seconds
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                with receiver._lock:
                    receiver.requests.append(
                        {"path": self.path, "headers": dict(self.headers), "body": body}
                    )
                if self.path.startswith("/hang"):
                    time.sleep(receiver.hang_seconds)
                status = 500 if self.path.startswith("/fail") else 200
                try:
                    self.send_response(status)
                    self.end_headers()
                except OSError:  # the client gave up (timeout)
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str = "/ok") -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def received(self, path: str | None = None) -> list[dict]:
        with self._lock:
            return [r for r in self.requests if path is None or r["path"] == path]

    def wait_for(self, count: int, timeout: float = 30.0, path: str | None = None) -> list[dict]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.received(path)
            if len(got) >= count:
                return got
            time.sleep(0.1)
        return self.received(path)


def signature_valid(request: dict, secret: str) -> bool:
    """What a subscriber does: recompute HMAC-SHA256 over "<timestamp>.<body>"."""
    timestamp = request["headers"]["X-Registry-Timestamp"]
    expected = hmac.new(
        secret.encode(), timestamp.encode() + b"." + request["body"], hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(request["headers"]["X-Registry-Signature"], f"sha256={expected}")


def payload(request: dict) -> dict:
    return json.loads(request["body"])
