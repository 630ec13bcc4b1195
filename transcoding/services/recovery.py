"""Recovery after a process died holding a job's messages in its memory.

The embedded broker (dramatiq's StubBroker with in-process worker threads,
the default) keeps messages in the memory of the process that sent them, so
that process owns the job's next step: ``TranscodeJob.owner`` is written
whenever it sends one (transcoding.middleware.Reconciler.before_enqueue).
When it dies, its messages die with it. Every worker, as it starts and at
each reconciler round, looks for active jobs whose owner is dead and takes
each over by compare-and-set on the owner column, so one process wins; then
the database decides what is missing, as a staff Retry would: chunks not
done are sent again, a merge (started or not) is asked again, a job not yet
planned is prepared again. Claims are fenced by attempt numbers
(chunk_claim, merge_claim), so a step sent twice is never applied twice.

Dead means: on this host, the owner's pid is gone or now belongs to another
program (its kernel start time differs; streaming.core.processes); on
another host, the owner stopped renewing its jobs (``owner_seen_at``) for
TRANSCODE_STALE_SECONDS. A live owner's jobs are never touched, so two
embedded processes on one database (a runserver and a ``manage.py
transcode``) leave each other's work alone.

With a broker server the broker holds the messages and hands a dead
worker's to another after its heartbeat timeout: jobs get no owner, and this
module leaves them to the broker."""
from __future__ import annotations

import logging
from datetime import timedelta

import dramatiq
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from streaming.core.broker import EmbeddedBroker
from streaming.core.processes import ProcessName, process_alive, process_name

from .. import tasks
from ..models import Chunk, TranscodeJob
from .jobs import job_missing_send
from .state import job_progress_update

logger = logging.getLogger(__name__)

# Actors whose messages carry a job id, and the one that carries a chunk id.
JOB_ACTORS = ("job_prepare", "job_merge")
CHUNK_ACTORS = ("chunk_encode",)


def queue_owner() -> str:
    """Who holds messages sent from here: this process with the embedded
    broker, nobody in particular ("") with a broker server."""
    return str(process_name()) if isinstance(dramatiq.get_broker(), EmbeddedBroker) else ""


def job_owner_record(*, actor_name: str, object_id: int, owner: str) -> None:
    """A message of the pipeline is being put in ``owner``'s queue."""
    if actor_name in CHUNK_ACTORS:
        job_id = Chunk.objects.filter(pk=object_id).values_list("job_id", flat=True).first()
    elif actor_name in JOB_ACTORS:
        job_id = object_id
    else:
        return
    if job_id is not None:
        TranscodeJob.objects.filter(pk=job_id).update(owner=owner, owner_seen_at=timezone.now())


def jobs_owner_renew(*, owner: str) -> int:
    """The owner is alive: say so for its active jobs (read by other hosts)."""
    mine = TranscodeJob.objects.filter(owner=owner, status__in=TranscodeJob.ACTIVE)
    if not owner or not mine.exists():  # no write (and no write lock) for nothing
        return 0
    return mine.update(owner_seen_at=timezone.now())


def owner_is_dead(owner: str, *, seen_at, now=None) -> bool:
    name = ProcessName.parse(owner)
    if name is None:
        return True  # not a name we write: nobody can hold messages under it
    alive = process_alive(name)
    if alive is not None:
        return not alive
    now = now or timezone.now()
    return seen_at is None or seen_at < now - timedelta(seconds=settings.TRANSCODE_STALE_SECONDS)


def jobs_recover(*, owner: str) -> list[int]:
    """Take over every active job whose owner died, and send its next step
    again. Returns the ids taken over."""
    now = timezone.now()
    rows = (TranscodeJob.objects.filter(status__in=TranscodeJob.ACTIVE).exclude(owner="").exclude(owner=owner)
            .values_list("pk", "owner", "owner_seen_at"))
    taken = [pk for pk, dead, seen_at in rows
             if owner_is_dead(dead, seen_at=seen_at, now=now) and job_take_over(job_id=pk, dead=dead, owner=owner)]
    if taken:
        logger.warning("took over jobs %s from dead workers and sent their next steps again", taken)
    return taken


def job_take_over(*, job_id: int, dead: str, owner: str) -> bool:
    """Compare-and-set the owner from ``dead`` to ``owner``; the winner sends
    what the database says is missing."""
    with transaction.atomic():
        now = timezone.now()
        won = TranscodeJob.objects.filter(pk=job_id, owner=dead, status__in=TranscodeJob.ACTIVE).update(
            owner=owner, owner_seen_at=now)
        if not won:
            return False  # another process took it over first, or it ended
        job = TranscodeJob.objects.select_for_update().get(pk=job_id)
        if job.status in (TranscodeJob.Status.PENDING, TranscodeJob.Status.PROBING):
            transaction.on_commit(lambda: tasks.job_prepare.send(job_id))
        else:
            # Per ladder, as a staff Retry would: chunks not done go again; a merge,
            # started or not, is asked again (its next claim fences the dead one).
            job_missing_send(job=job)
    job_progress_update(job_id=job_id)
    logger.info("job %s taken over from %s by %s (%s)", job_id, dead, owner or "the broker", job.status)
    return True
