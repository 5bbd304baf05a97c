"""The domain error every layer raises for a broken business rule."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A broken business rule. `code` is stable and machine-readable; `message` is for people."""

    def __init__(self, code: str, message: str, extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.extra = extra or {}
