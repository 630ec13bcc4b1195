"""The edge app's application errors."""
from __future__ import annotations


class EdgeError(Exception):
    """The one application error of the edge app; ``status`` is its HTTP answer."""

    status = 400

    def __init__(self, message: str, *, status: int | None = None):
        super().__init__(message)
        if status is not None:
            self.status = status


def edge_error_code(exc: EdgeError) -> str:
    """The ``code`` of the platform's error format for an edge error."""
    return {403: "heartbeat_rejected", 404: "not_found", 409: "replay"}.get(exc.status, "invalid")


class HeartbeatRejected(EdgeError):
    status = 403
