"""Jobs: start, retry, cancel, and the reconciler that asks again for steps
whose messages were lost. (Job and per-codec ladder state: state.py.)

Each state change owns its transaction and sends messages only after commit,
so a worker never receives an id whose row it cannot see yet."""
from __future__ import annotations

import functools
import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from catalog.models import Video
from catalog.services import video_failed_mark, video_processing_mark
from streaming.core.errors import ApplicationError

from .. import tasks
from ..models import Chunk, Codec, CodecLadder, EncodingProfile, TranscodeJob
from .profiles import profile_default
from .state import (
    chunks_send,
    job_finish_if_complete,
    ladder_chunks,
    ladder_merge_if_ready,
    ladders_stop,
)

logger = logging.getLogger(__name__)


def job_start(*, video: Video, profile: EncodingProfile | None = None) -> TranscodeJob:
    """Queue a new transcode of ``video``'s source."""
    profile = profile or profile_default()
    with transaction.atomic():
        video = Video.objects.select_for_update().get(pk=video.pk)
        if TranscodeJob.objects.filter(video=video, status__in=TranscodeJob.ACTIVE).exists():
            raise ApplicationError("This video is already being transcoded.", code="job_active")
        job = TranscodeJob.objects.create(video=video, profile=profile)
        video_processing_mark(video_id=video.pk)
        transaction.on_commit(lambda: tasks.job_prepare.send(job.pk))
    return job


RETRYABLE = (TranscodeJob.Status.FAILED, TranscodeJob.Status.CANCELLED,
             TranscodeJob.Status.ENCODING, TranscodeJob.Status.MERGING)


def job_retryable(job: TranscodeJob) -> bool:
    """Failed, cancelled or stuck; or done with a codec that failed."""
    if job.status in RETRYABLE:
        return True
    return job.status == TranscodeJob.Status.DONE and job.ladders.filter(status=CodecLadder.Status.FAILED).exists()


def job_retry(*, job: TranscodeJob) -> TranscodeJob:
    """Run a job again, redoing only what is missing: chunks already done
    keep their output, ladders already merged stay as they are (a title
    playable in H.264 stays playable while its AV1 ladder is redone). Also
    the way out for a job stuck after a broker lost its messages (e.g. Redis
    restarted without persistence): the missing messages are sent again."""
    with transaction.atomic():
        job = TranscodeJob.objects.select_for_update().get(pk=job.pk)
        if not job_retryable(job):
            raise ApplicationError(f"Only failed, cancelled or stuck jobs, or jobs with a failed codec, can be "
                                   f"retried; this one is {job.status}.")
        job.error = ""
        job.finished_at = None
        if not job.plan:
            job.status = TranscodeJob.Status.PENDING
            job.save(update_fields=["status", "error", "finished_at"])
            video_processing_mark(video_id=job.video_id)
            transaction.on_commit(lambda: tasks.job_prepare.send(job.pk))
            return job
        h264_done = job.ladders.filter(codec=Codec.H264, status=CodecLadder.Status.DONE).exists()
        if not h264_done:
            video_processing_mark(video_id=job.video_id)
        job.status = TranscodeJob.Status.ENCODING
        job.save(update_fields=["status", "error", "finished_at"])
        job_missing_send(job=job)
    return job


def job_missing_send(*, job: TranscodeJob) -> None:
    """Inside the caller's transaction on ``job``: send again what the
    database says is missing, ladder by ladder (chunks not done; a merge
    asked for, or owed because every chunk is done), once it commits. Staff
    Retry and the take-over of a dead worker's job both come here."""
    missing: list[Chunk] = []
    merges: list[str] = []
    for ladder in job.ladders.exclude(status=CodecLadder.Status.DONE):
        if ladder.status == CodecLadder.Status.MERGING:
            merges.append(ladder.codec)
            continue
        chunks = list(ladder_chunks(job.pk, ladder.codec).exclude(status=Chunk.Status.DONE))
        Chunk.objects.filter(pk__in=[c.pk for c in chunks]).update(status=Chunk.Status.PENDING, error="",
                                                                    progress=0)
        missing += chunks
        ladder.status, ladder.error, ladder.finished_at = CodecLadder.Status.ENCODING, "", None
        ladder.save(update_fields=["status", "error", "finished_at"])
        if not chunks:
            merges.append(ladder.codec)  # everything encoded: only the merge was missing
    transaction.on_commit(lambda: chunks_send(chunks=missing))
    for codec in merges:
        transaction.on_commit(functools.partial(_merge_again, job.pk, codec))
    transaction.on_commit(lambda: job_finish_if_complete(job_id=job.pk))


def _merge_again(job_id: int, codec: str) -> None:
    if not ladder_merge_if_ready(job_id=job_id, codec=codec, resend=True):
        ladder_merge_if_ready(job_id=job_id, codec=codec)


def job_cancel(*, job: TranscodeJob) -> TranscodeJob:
    with transaction.atomic():
        job = TranscodeJob.objects.select_for_update().get(pk=job.pk)
        if job.status not in TranscodeJob.ACTIVE:
            raise ApplicationError(f"The job is {job.status}; there is nothing to cancel.")
        job.status = TranscodeJob.Status.CANCELLED
        job.error = "Cancelled by staff."
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "error", "finished_at"])
        ladders_stop(job_id=job.pk, reason="Cancelled with the job.")
        if not job.ladders.filter(codec=Codec.H264, status=CodecLadder.Status.DONE).exists():
            video_failed_mark(video_id=job.video_id, reason="Transcode cancelled.")
    return job


def jobs_reconcile(*, stale_after: timedelta) -> list[int]:
    """The database decides: find ladders whose next step was asked of the
    broker but never began (the message was lost, e.g. the broker restarted
    or was down when it was sent) and ask again. Run periodically by every
    worker (transcoding.middleware.Reconciler); each ladder is nudged at most
    once per ``stale_after``, by whichever worker locks its job first.

    Covered: a merge asked for but not started, and a ladder whose chunks
    are all done but which never moved to merging. Chunks still pending are
    not re-sent automatically: in a long queue, pending is normal; staff use
    Retry after a broker lost its queue, and Retry sends what is missing."""
    now = timezone.now()
    cutoff = now - stale_after
    nudged: list[int] = []
    merging = CodecLadder.objects.filter(status=CodecLadder.Status.MERGING, merge_started_at__isnull=True,
                                         merge_requested_at__lt=cutoff, job__status=TranscodeJob.Status.ENCODING)
    for ladder_id, job_id, codec in merging.values_list("pk", "job_id", "codec"):
        with transaction.atomic():
            job = TranscodeJob.objects.select_for_update(skip_locked=True).filter(pk=job_id).first()
            if job is None:
                continue
            claimed = CodecLadder.objects.filter(pk=ladder_id, status=CodecLadder.Status.MERGING,
                                                 merge_started_at__isnull=True,
                                                 merge_requested_at__lt=cutoff).update(merge_requested_at=now)
            if claimed:
                transaction.on_commit(functools.partial(tasks.job_merge.send, job_id, codec))
                nudged.append(job_id)
    encoding = (CodecLadder.objects.filter(status=CodecLadder.Status.ENCODING, job__status=TranscodeJob.Status.ENCODING,
                                           job__started_at__lt=cutoff)
                .values_list("job_id", "codec"))
    for job_id, codec in encoding:
        if not ladder_chunks(job_id, codec).exclude(status=Chunk.Status.DONE).exists() and \
                ladder_merge_if_ready(job_id=job_id, codec=codec):
            nudged.append(job_id)
    for job_id in TranscodeJob.objects.filter(status=TranscodeJob.Status.ENCODING, started_at__lt=cutoff).exclude(
            ladders__status__in=[CodecLadder.Status.ENCODING, CodecLadder.Status.MERGING]).values_list("pk", flat=True):
        if job_finish_if_complete(job_id=job_id):
            nudged.append(job_id)
    if nudged:
        logger.warning("reconciler asked again for the next step of jobs %s", sorted(set(nudged)))
    return sorted(set(nudged))
