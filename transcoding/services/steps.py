"""What every pipeline step shares: its scratch folder, its worker's name,
and the signal that the job went away under it."""
from __future__ import annotations

import os
import socket

from ..workdir import scratch  # noqa: F401  (inside this process's work folder, swept if it dies)


class JobGone(Exception):
    """The job was cancelled or failed elsewhere; stop quietly."""


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"
