"""What every pipeline step shares: its scratch folder, its worker's name,
and the signal that the job went away under it."""
from __future__ import annotations

import os
import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings


class JobGone(Exception):
    """The job was cancelled or failed elsewhere; stop quietly."""


@contextmanager
def scratch(label: str) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix=f"transcode-{label}-", dir=settings.TRANSCODE_WORK_DIR) as d:
        yield Path(d)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"
