"""The embedded Dramatiq broker: no server, work runs in this process.

A fresh clone has no Redis or RabbitMQ, yet uploads must still be transcoded.
``EmbeddedBroker`` is dramatiq's in-memory ``StubBroker`` that starts its own
worker threads the first time a message is enqueued, so ``make run`` and the
test suite need no broker process. Production sets ``DRAMATIQ_BROKER_URL``
and runs ``manage.py rundramatiq`` instead; the actors are the same.
"""
from __future__ import annotations

import logging
import os
import threading

import dramatiq
from django.conf import settings
from dramatiq.brokers.stub import StubBroker

logger = logging.getLogger(__name__)


class EmbeddedBroker(StubBroker):
    def __init__(self, *args, **kwargs) -> None:
        # A failed message must not raise in whoever joins the queue: failures
        # are recorded on the job rows, where users see them.
        kwargs.setdefault("fail_fast_default", False)
        super().__init__(*args, **kwargs)
        self._worker: dramatiq.Worker | None = None
        self._worker_pid = 0
        self._worker_lock = threading.Lock()

    def enqueue(self, message, *, delay=None):
        self.ensure_worker()
        return super().enqueue(message, delay=delay)

    def ensure_worker(self) -> dramatiq.Worker:
        """Start the in-process worker once per process; later calls return it.
        A forked child (gunicorn --preload) has the parent's Worker object but
        none of its threads: it starts its own."""
        with self._worker_lock:
            if self._worker is None or self._worker_pid != os.getpid():
                threads = getattr(settings, "DRAMATIQ_EMBEDDED_THREADS", 2)
                self._worker = dramatiq.Worker(self, worker_threads=threads, worker_timeout=100)
                self._worker_pid = os.getpid()
                self._worker.start()
                logger.info("embedded dramatiq worker started with %d threads", threads)
            return self._worker

    def stop_worker(self) -> None:
        with self._worker_lock:
            if self._worker is not None:
                self._worker.stop()
                self._worker = None


def embedded_worker_start() -> None:
    """Start this process's embedded worker now rather than at the first
    message (nothing with a broker server): as it boots it cleans up after
    dead processes and resends the steps they held (transcoding.middleware)."""
    broker = dramatiq.get_broker()
    if isinstance(broker, EmbeddedBroker):
        broker.ensure_worker()
