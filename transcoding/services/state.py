"""Job and per-codec ladder state: when a codec may merge, a codec failing
alone, the job failing or finishing, the progress figures (per codec and
overall), and sending chunk messages.

The rules, all decided by the database under the job's row lock:

- A codec's ladder merges when every one of its chunks is done (the H.264
  ladder also waits for the audio) and, for AV1 and HEVC, once the H.264
  ladder is merged: that merge measures the media time every codec and the
  audio are aligned to, and packages the audio they share.
- The title is playable when the H.264 ladder is merged (merge.py marks it).
- An AV1 or HEVC ladder that fails fails alone, with its reason; H.264
  failing fails the job (nothing would play).
- The job is done when every ladder is done or failed, H.264 done."""
from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from catalog.services import video_failed_mark

from .. import tasks
from ..models import Chunk, Codec, CodecLadder, TranscodeJob

logger = logging.getLogger(__name__)

# Share of a ladder's bar for each phase: encoding its chunks, then its merge.
ENCODE_SHARE, MERGE_SHARE = 90.0, 10.0
# The audio track counts as this many video frames' worth of the H.264 ladder's work.
AUDIO_WEIGHT_FRAMES = 0.05
# Rough encode cost of a codec's ladder relative to H.264's, for the job's
# overall bar only (published trial, 10 s of 720p: x264 veryfast 1.4 s,
# SVT-AV1 preset 8 7.7 s, preset 10 3.2 s, x265 veryfast 4.4 s).
COST_WEIGHT: dict[str, float] = {Codec.H264: 1.0, Codec.AV1: 4.0, Codec.HEVC: 4.0}


# How long the AV1/HEVC chunks' messages wait before they are queued (see chunks_send).
LATER_CODECS_DELAY_MS = 500


def chunks_send(*, chunks: list[Chunk]) -> None:
    """One message per chunk x codec. H.264 and the audio (what makes the
    title playable) go to the "transcode" queue, at a higher priority than
    the AV1/HEVC chunks on "transcode_later": a worker holding both kinds
    takes H.264 first, and a fleet can give the later codecs machines of
    their own (rundramatiq --queues transcode_later).

    The priority orders only the messages a worker already holds: each
    queue has its own consumer thread, and an idle worker thread takes
    whichever message reaches it first, so an AV1 chunk could take the
    thread an H.264 chunk was about to. The later codecs' messages are
    therefore queued LATER_CODECS_DELAY_MS after H.264's."""
    audio = [c.pk for c in chunks if c.kind == Chunk.Kind.AUDIO]  # one long encode: start it early
    first = audio + [c.pk for c in chunks if c.kind == Chunk.Kind.VIDEO and c.codec == Codec.H264]
    later = [c.pk for c in chunks if c.pk not in first]
    for chunk_id in first:
        tasks.chunk_encode.send(chunk_id)
    for chunk_id in later:
        tasks.chunk_encode_later.send_with_options(args=(chunk_id,), delay=LATER_CODECS_DELAY_MS if first else 0)


def job_fail(*, job_id: int, reason: str) -> None:
    """Mark a job failed with a reason people can read; the source stays.
    Its unfinished ladders fail with it (Retry redoes them)."""
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
        ladders_stop(job_id=job_id, reason=f"Stopped: the job failed ({reason[:300]})")
        video_failed_mark(video_id=job.video_id, reason=reason)
    logger.warning("transcode job %s failed: %s", job_id, reason)


def ladders_stop(*, job_id: int, reason: str) -> None:
    """Unfinished ladders of a job that stops (failed, cancelled) fail with ``reason``."""
    CodecLadder.objects.filter(job_id=job_id).exclude(status__in=CodecLadder.TERMINAL).update(
        status=CodecLadder.Status.FAILED, error=reason[:4000], finished_at=timezone.now())


def ladder_chunks(job_id: int, codec: str):
    """The chunks a codec's merge needs: its video chunks (and the audio for H.264)."""
    chunks = Chunk.objects.filter(job_id=job_id, kind=Chunk.Kind.VIDEO, codec=codec)
    if codec == Codec.H264:
        chunks = chunks | Chunk.objects.filter(job_id=job_id, kind=Chunk.Kind.AUDIO)
    return chunks


def ladder_merge_if_ready(*, job_id: int, codec: str, resend: bool = False) -> bool:
    """Move a codec's ladder to merging when the database says it may; only
    one caller wins, however many chunks finish at once.

    ``resend``: the caller knows the merge may have been asked for and lost
    (a done chunk's message came back because sending the merge failed while
    the broker was down); a ladder already merging is then asked again. The
    merge is idempotent, so a duplicate costs time, never correctness."""
    with transaction.atomic():
        job = TranscodeJob.objects.select_for_update().filter(pk=job_id).first()
        ladder = CodecLadder.objects.filter(job_id=job_id, codec=codec).first()
        if job is None or ladder is None or job.status != TranscodeJob.Status.ENCODING:
            return False
        if ladder.status == CodecLadder.Status.MERGING and resend:
            transaction.on_commit(lambda: tasks.job_merge.send(job_id, codec))
            return True
        if ladder.status != CodecLadder.Status.ENCODING:
            return False
        if ladder_chunks(job_id, codec).exclude(status=Chunk.Status.DONE).exists():
            return False
        if codec != Codec.H264 and not CodecLadder.objects.filter(
                job_id=job_id, codec=Codec.H264, status=CodecLadder.Status.DONE).exists():
            return False  # the H.264 merge asks again when it is done
        ladder.status = CodecLadder.Status.MERGING
        ladder.progress = ENCODE_SHARE
        ladder.merge_requested_at = timezone.now()
        ladder.save(update_fields=["status", "progress", "merge_requested_at"])
        transaction.on_commit(lambda: tasks.job_merge.send(job_id, codec))
    job_progress_update(job_id=job_id)
    return True


def ladders_merge_waiting(*, job_id: int) -> None:
    """After the H.264 merge: ask for the merges of codecs that finished
    their chunks first."""
    for codec in CodecLadder.objects.filter(job_id=job_id, status=CodecLadder.Status.ENCODING).exclude(
            codec=Codec.H264).values_list("codec", flat=True):
        ladder_merge_if_ready(job_id=job_id, codec=codec)


def ladder_fail(*, job_id: int, codec: str, reason: str) -> None:
    """One codec failed for good (an encoder refused the source, is missing,
    or gave up after retries): that codec alone, unless it is H.264, whose
    failure fails the job (nothing would play)."""
    with transaction.atomic():
        TranscodeJob.objects.select_for_update().filter(pk=job_id).first()
        updated = CodecLadder.objects.filter(job_id=job_id, codec=codec).exclude(
            status__in=CodecLadder.TERMINAL).update(status=CodecLadder.Status.FAILED, error=reason[:4000],
                                                    finished_at=timezone.now())
    if codec == Codec.H264:
        job_fail(job_id=job_id, reason=reason)
        return
    if updated:
        logger.warning("%s ladder of job %s failed: %s", codec, job_id, reason)
    job_progress_update(job_id=job_id)
    job_finish_if_complete(job_id=job_id)


def job_finish_if_complete(*, job_id: int) -> bool:
    """Mark the job done once every ladder is done or failed and H.264 is done."""
    with transaction.atomic():
        job = TranscodeJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.status != TranscodeJob.Status.ENCODING:
            return False
        ladders = list(CodecLadder.objects.filter(job_id=job_id))
        if not ladders or any(ladder.status not in CodecLadder.TERMINAL for ladder in ladders):
            return False
        if not any(ladder.codec == Codec.H264 and ladder.status == CodecLadder.Status.DONE for ladder in ladders):
            return False
        job.status = TranscodeJob.Status.DONE
        job.progress = 100.0
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "progress", "finished_at"])
    return True


def ladder_progress(job_id: int, codec: str) -> float:
    """A ladder's percent from its chunks' own percents, weighted by frames
    (the audio counts towards H.264's)."""
    rows = Chunk.objects.filter(job_id=job_id)
    video = rows.filter(kind=Chunk.Kind.VIDEO, codec=codec).aggregate(
        total=Sum(F("end_frame") - F("start_frame")),
        done=Sum((F("end_frame") - F("start_frame")) * F("progress")),
    )
    total = float(video["total"] or 0)
    done = float(video["done"] or 0) / 100.0
    audio = rows.filter(kind=Chunk.Kind.AUDIO).first() if codec == Codec.H264 else None
    if audio is not None:
        weight = max(1.0, total * AUDIO_WEIGHT_FRAMES)
        total += weight
        done += weight * audio.progress / 100.0
    return round(ENCODE_SHARE * done / total, 1) if total else 0.0


def job_progress_update(*, job_id: int) -> float:
    """Each encoding ladder's percent, and the job's: the ladders' weighted
    by their rough cost (a failed ladder counts as finished: nothing is
    left to wait for)."""
    ladders = list(CodecLadder.objects.filter(job_id=job_id))
    for ladder in ladders:
        if ladder.status == CodecLadder.Status.ENCODING:
            ladder.progress = ladder_progress(job_id, ladder.codec)
            CodecLadder.objects.filter(pk=ladder.pk, status=CodecLadder.Status.ENCODING).update(
                progress=ladder.progress)
    weights = {ladder.codec: COST_WEIGHT.get(ladder.codec, 1.0) for ladder in ladders}
    total = sum(weights.values())
    percent = round(sum(
        weights[ladder.codec] * (100.0 if ladder.status in CodecLadder.TERMINAL else ladder.progress)
        for ladder in ladders) / total, 1) if total else 0.0
    TranscodeJob.objects.filter(pk=job_id, status=TranscodeJob.Status.ENCODING).update(progress=min(percent, 99.9))
    return percent
