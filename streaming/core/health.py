"""Is a worker consuming from the broker? A ping crosses the broker and
comes back through the database."""
from __future__ import annotations

import os
import socket
import time

from django.db import transaction
from django.utils import timezone

from . import tasks
from .errors import ApplicationError
from .models import WorkerPing


def worker_ping_send() -> WorkerPing:
    with transaction.atomic():
        ping = WorkerPing.objects.create()
        transaction.on_commit(lambda: tasks.worker_ping.send(str(ping.pk)))
    return ping


def worker_ping_answer(*, ping_id: str) -> None:
    """Runs in the worker: stamp the ping with who answered. Idempotent."""
    WorkerPing.objects.filter(pk=ping_id, answered_at__isnull=True).update(
        answered_at=timezone.now(), worker_host=socket.gethostname(), worker_pid=os.getpid()
    )


def worker_ping_wait(*, ping: WorkerPing, timeout: float = 10.0) -> WorkerPing:
    """Poll the database until a worker answered, or raise a clear error."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ping.refresh_from_db()
        if ping.answered_at:
            return ping
        time.sleep(0.05)
    raise ApplicationError(
        f"No worker answered within {timeout:.0f} s. Is `manage.py rundramatiq` running "
        "against the same DRAMATIQ_BROKER_URL and database?",
        code="no_worker",
    )
