"""The one application error type. Services raise it with a message meant
for the person at the other end; views, admin and the API show it as is."""
from __future__ import annotations


class ApplicationError(Exception):
    def __init__(self, message: str, *, code: str = "invalid", extra: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.extra = extra or {}
