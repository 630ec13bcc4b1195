"""A Dramatiq middleware that keeps every worker reconciling: messages can
be lost (a broker restarted, a send failed while it was down), the database
cannot. See transcoding.services.jobs_reconcile."""
from __future__ import annotations

import logging
import threading
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections, connection
from dramatiq.middleware import Middleware

logger = logging.getLogger(__name__)


class Reconciler(Middleware):
    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def after_worker_boot(self, broker, worker) -> None:
        interval = settings.TRANSCODE_RECONCILE_SECONDS
        if interval <= 0 or self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, args=(interval,), name="reconciler", daemon=True)
        self._thread.start()

    def before_worker_shutdown(self, broker, worker) -> None:
        self._stop.set()
        self._thread = None

    def _loop(self, interval: float) -> None:
        # Imported here, not at the top: this module is imported while the broker
        # is being built, and transcoding.services declares the actors, which must
        # bind to that broker once it is set, not to dramatiq's default one.
        from transcoding.services import jobs_reconcile

        stale = timedelta(seconds=settings.TRANSCODE_STALE_SECONDS)
        while not self._stop.wait(interval):
            try:
                close_old_connections()
                jobs_reconcile(stale_after=stale)
            except Exception:  # the next round tries again; a worker must not die of it
                logger.exception("reconciler round failed")
            finally:
                connection.close()
