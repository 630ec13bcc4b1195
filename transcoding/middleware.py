"""A Dramatiq middleware that keeps every worker reconciling: messages can
be lost (a broker restarted, a send failed while it was down, a process
holding the embedded broker's queue died), the database cannot.

As a worker boots, and then every TRANSCODE_RECONCILE_SECONDS, it
- cleans up after dead processes of this machine: kills their ffmpeg groups
  and removes their scratch (transcoding.workdir.dead_sweep);
- takes over active jobs whose embedded-broker owner died and sends their
  next step again (transcoding.services.recovery);
- re-asks for steps asked for but never begun (jobs_reconcile);
- renews the jobs it owns, so other hosts see it alive;
- (at boot, then hourly) abandons source uploads idle for
  API_UPLOAD_EXPIRY_SECONDS, so their .part files do not stay for ever.
With the embedded broker it also records, as a pipeline message is queued,
that this process now holds that job's next step."""
from __future__ import annotations

import functools
import logging
import os
import threading
import time
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections, connection
from dramatiq.middleware import Middleware

from streaming.core.broker import EmbeddedBroker
from streaming.core.processes import process_name

from . import workdir

logger = logging.getLogger(__name__)

UPLOADS_EXPIRE_EVERY = 3600.0
# Pipeline actors: their first argument names a job (or a chunk of one).
PIPELINE_ACTORS = ("job_prepare", "chunk_encode", "job_merge")


class Reconciler(Middleware):
    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._pid = 0
        self.rounds = 0

    def before_enqueue(self, broker, message, delay) -> None:
        if not isinstance(broker, EmbeddedBroker) or message.actor_name not in PIPELINE_ACTORS:
            return
        # Imported here: see _loop.
        from transcoding.services.recovery import job_owner_record

        try:
            job_owner_record(actor_name=message.actor_name, object_id=int(message.args[0]),
                             owner=str(process_name()))
        except Exception:  # the message matters more than its bookkeeping
            logger.exception("could not record the owner of %s", message)

    def after_worker_boot(self, broker, worker) -> None:
        if self._thread is not None and self._pid == os.getpid():
            return  # (a forked child has the object but not the thread)
        self._pid = os.getpid()
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="reconciler", daemon=True)
        self._thread.start()

    def before_worker_shutdown(self, broker, worker) -> None:
        self._stop.set()
        self._thread = None

    def _loop(self) -> None:
        # Imported here, not at the top: this module is imported while the broker
        # is being built, and transcoding.services declares the actors, which must
        # bind to that broker once it is set, not to dramatiq's default one.
        from catalog.services import source_uploads_expire
        from transcoding.services import jobs_reconcile
        from transcoding.services.recovery import jobs_owner_renew, jobs_recover, queue_owner

        interval = settings.TRANSCODE_RECONCILE_SECONDS
        stale = timedelta(seconds=settings.TRANSCODE_STALE_SECONDS)
        first = True
        uploads_checked = -UPLOADS_EXPIRE_EVERY
        # The first round runs at once (recovery at start); later ones every
        # interval. Without an interval, only the first.
        while first or (interval > 0 and not self._stop.wait(interval)):
            close_old_connections()
            owner = queue_owner()
            steps: list[Callable[[], object]] = [workdir.dead_sweep, functools.partial(jobs_recover, owner=owner)]
            if not first:
                steps += [functools.partial(jobs_reconcile, stale_after=stale),
                          functools.partial(jobs_owner_renew, owner=owner)]
            if time.monotonic() - uploads_checked >= UPLOADS_EXPIRE_EVERY:
                uploads_checked = time.monotonic()
                steps.append(source_uploads_expire)
            for step in steps:
                try:
                    step()
                except Exception:  # the next round tries again; a worker must not die of it
                    logger.exception("reconciler step failed")
            connection.close()
            first = False
            self.rounds += 1
