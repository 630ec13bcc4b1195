"""Job state: start, retry, cancel, fail, and the progress figures.

Each state change owns its transaction and sends messages only after commit,
so a worker never receives an id whose row it cannot see yet."""
from __future__ import annotations

import functools
import logging
from datetime import timedelta

from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from catalog.models import Video
from catalog.services import video_failed_mark, video_processing_mark
from streaming.core.errors import ApplicationError

from .. import tasks
from ..ladder import APPLE_LADDER
from ..models import Chunk, EncodingProfile, ProfileRung, TranscodeJob

logger = logging.getLogger(__name__)

# Share of the bar for each phase: encoding chunks, then the merge.
ENCODE_SHARE, MERGE_SHARE = 90.0, 10.0
# The audio track counts as this many video frames' worth of work.
AUDIO_WEIGHT_FRAMES = 0.05


def profile_default() -> EncodingProfile:
    """The profile marked default, created from Apple's table if none is."""
    profile = EncodingProfile.objects.filter(is_default=True).first()
    if profile:
        return profile
    with transaction.atomic():
        profile, created = EncodingProfile.objects.get_or_create(
            name="Apple H.264 ladder", defaults={"is_default": True}
        )
        if created:
            ProfileRung.objects.bulk_create(
                [ProfileRung(profile=profile, height=h, video_bitrate_kbps=k) for h, k in APPLE_LADDER]
            )
    return profile


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


def job_retry(*, job: TranscodeJob) -> TranscodeJob:
    """Run a job again, redoing only what is missing: chunks already done
    keep their output. Also the way out for a job stuck "encoding" or
    "merging" after a broker lost its messages (e.g. Redis restarted
    without persistence): the missing messages are sent again."""
    with transaction.atomic():
        job = TranscodeJob.objects.select_for_update().get(pk=job.pk)
        if job.status not in RETRYABLE:
            raise ApplicationError(f"Only failed, cancelled or stuck jobs can be retried; this one is {job.status}.")
        video_processing_mark(video_id=job.video_id)
        job.error = ""
        job.finished_at = None
        if job.status == TranscodeJob.Status.MERGING:
            job.save(update_fields=["error", "finished_at"])
            transaction.on_commit(lambda: tasks.job_merge.send(job.pk))
            return job
        if not job.plan:
            job.status = TranscodeJob.Status.PENDING
            job.save(update_fields=["status", "error", "finished_at"])
            transaction.on_commit(lambda: tasks.job_prepare.send(job.pk))
            return job
        missing = list(job.chunks.exclude(status=Chunk.Status.DONE).values_list("pk", flat=True))
        Chunk.objects.filter(pk__in=missing).update(status=Chunk.Status.PENDING, error="", progress=0)
        job.status = TranscodeJob.Status.ENCODING
        job.save(update_fields=["status", "error", "finished_at"])
        transaction.on_commit(lambda: chunks_send(chunk_ids=missing))
        if not missing:
            transaction.on_commit(lambda: job_merge_if_ready(job_id=job.pk))
    return job


def job_cancel(*, job: TranscodeJob) -> TranscodeJob:
    with transaction.atomic():
        job = TranscodeJob.objects.select_for_update().get(pk=job.pk)
        if job.status not in TranscodeJob.ACTIVE:
            raise ApplicationError(f"The job is {job.status}; there is nothing to cancel.")
        job.status = TranscodeJob.Status.CANCELLED
        job.error = "Cancelled by staff."
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "error", "finished_at"])
        video_failed_mark(video_id=job.video_id, reason="Transcode cancelled.")
    return job


def job_fail(*, job_id: int, reason: str) -> None:
    """Mark a job failed with a reason people can read; the source stays."""
    with transaction.atomic():
        job = TranscodeJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status in (TranscodeJob.Status.DONE, TranscodeJob.Status.CANCELLED):
            return
        if job.status == TranscodeJob.Status.FAILED and job.error:
            return  # the first reason is the useful one
        job.status = TranscodeJob.Status.FAILED
        job.error = reason
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "error", "finished_at"])
        video_failed_mark(video_id=job.video_id, reason=reason)
    logger.warning("transcode job %s failed: %s", job_id, reason)


def chunks_send(*, chunk_ids: list[int]) -> None:
    for chunk_id in chunk_ids:
        tasks.chunk_encode.send(chunk_id)


def job_merge_if_ready(*, job_id: int, resend: bool = False) -> bool:
    """Move to merging when the database says every chunk is done; only one
    caller wins, however many chunks finish at once.

    ``resend``: the caller knows the merge may have been asked for and lost
    (a done chunk's message came back because sending the merge failed while
    the broker was down); a job already merging is then asked again. The
    merge is idempotent, so a duplicate costs time, never correctness."""
    with transaction.atomic():
        job = TranscodeJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None:
            return False
        if job.status == TranscodeJob.Status.MERGING and resend:
            transaction.on_commit(lambda: tasks.job_merge.send(job_id))
            return True
        if job.status != TranscodeJob.Status.ENCODING:
            return False
        if job.chunks.exclude(status=Chunk.Status.DONE).exists():
            return False
        job.status = TranscodeJob.Status.MERGING
        job.progress = ENCODE_SHARE
        job.merge_requested_at = timezone.now()
        job.save(update_fields=["status", "progress", "merge_requested_at"])
        transaction.on_commit(lambda: tasks.job_merge.send(job_id))
    return True


def jobs_reconcile(*, stale_after: timedelta) -> list[int]:
    """The database decides: find jobs whose next step was asked of the
    broker but never began (the message was lost, e.g. the broker restarted
    or was down when it was sent) and ask again. Run periodically by every
    worker (transcoding.middleware.Reconciler); each job is nudged at most
    once per ``stale_after``, by whichever worker locks it first.

    Covered: a merge asked for but not started, and a job whose chunks are
    all done but which never moved to merging. Chunks still pending are not
    re-sent automatically: in a long queue, pending is normal; staff use
    Retry after a broker lost its queue, and Retry sends what is missing."""
    now = timezone.now()
    cutoff = now - stale_after
    nudged = []
    merging = TranscodeJob.objects.filter(status=TranscodeJob.Status.MERGING, merge_started_at__isnull=True,
                                          merge_requested_at__lt=cutoff)
    encoding_done = (TranscodeJob.objects.filter(status=TranscodeJob.Status.ENCODING, started_at__lt=cutoff)
                     .exclude(chunks__status__in=[Chunk.Status.PENDING, Chunk.Status.RUNNING, Chunk.Status.FAILED]))
    for job_id in list(merging.values_list("pk", flat=True)) + list(encoding_done.values_list("pk", flat=True)):
        with transaction.atomic():
            job = TranscodeJob.objects.select_for_update(skip_locked=True).filter(pk=job_id).first()
            if job is None:
                continue
            if job.status == TranscodeJob.Status.MERGING and job.merge_started_at is None \
                    and job.merge_requested_at and job.merge_requested_at < cutoff:
                job.merge_requested_at = now
                job.save(update_fields=["merge_requested_at"])
                transaction.on_commit(functools.partial(tasks.job_merge.send, job_id))
                nudged.append(job_id)
        if job is not None and job.status == TranscodeJob.Status.ENCODING and job_merge_if_ready(job_id=job_id):
            nudged.append(job_id)
    if nudged:
        logger.warning("reconciler asked again for the next step of jobs %s", nudged)
    return nudged


def job_progress_update(*, job_id: int) -> float:
    """Overall percent from the chunks' own percents, weighted by frames."""
    rows = Chunk.objects.filter(job_id=job_id)
    video = rows.filter(kind=Chunk.Kind.VIDEO).aggregate(
        total=Sum(F("end_frame") - F("start_frame")),
        done=Sum((F("end_frame") - F("start_frame")) * F("progress")),
    )
    total = float(video["total"] or 0)
    done = float(video["done"] or 0) / 100.0
    audio = rows.filter(kind=Chunk.Kind.AUDIO).first()
    if audio is not None:
        weight = max(1.0, total * AUDIO_WEIGHT_FRAMES)
        total += weight
        done += weight * audio.progress / 100.0
    percent = round(ENCODE_SHARE * done / total, 1) if total else 0.0
    TranscodeJob.objects.filter(pk=job_id, status=TranscodeJob.Status.ENCODING).update(progress=percent)
    return percent
