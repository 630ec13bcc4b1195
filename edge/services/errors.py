"""The edge app's application errors."""
from __future__ import annotations


class EdgeError(Exception):
    """The one application error of the edge app; ``status`` is its HTTP answer."""

    status = 400

    def __init__(self, message: str, *, status: int | None = None):
        super().__init__(message)
        if status is not None:
            self.status = status


class HeartbeatRejected(EdgeError):
    status = 403
