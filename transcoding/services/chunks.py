"""BREAK + PROCESS + UPLOAD: one chunk decoded once and encoded to every
rung, its outputs stored under deterministic keys; the audio once per title.
Each attempt claims its chunk by compare-and-set and is fenced by its
attempt number, so a redelivered message is harmless."""
from __future__ import annotations

import time
from fractions import Fraction
from pathlib import Path

from django.utils import timezone

from streaming.core import storage

from .. import ffmpeg, ladder
from ..models import Chunk, TranscodeJob
from ..sources import source_input
from .jobs import job_fail, job_merge_if_ready, job_progress_update
from .steps import JobGone, scratch, worker_name


def chunk_key(job: TranscodeJob, chunk: Chunk, rung: str) -> str:
    if chunk.kind == Chunk.Kind.AUDIO:
        return f"{job.work_prefix}/audio.mp4"
    return f"{job.work_prefix}/chunks/c{chunk.index:05d}/{rung}.ts"


def chunk_process(*, chunk_id: int) -> None:
    chunk = Chunk.objects.select_related("job", "job__video").filter(pk=chunk_id).first()
    if chunk is None:
        return
    if chunk.status == Chunk.Status.DONE:
        # Redelivered after its work was done, e.g. because sending the merge
        # failed while the broker was down: make sure the merge is asked for.
        job_merge_if_ready(job_id=chunk.job_id, resend=True)
        return
    if chunk.job.status != TranscodeJob.Status.ENCODING:
        return
    attempt = chunk_claim(chunk=chunk)
    if attempt is None:
        return  # another delivery claimed it at the same moment; that one does the work
    mine = Chunk.objects.filter(pk=chunk_id, attempts=attempt)
    job = chunk.job
    try:
        with scratch(f"chunk{chunk_id}") as tmp:
            if chunk.kind == Chunk.Kind.AUDIO:
                _audio_encode(job=job, chunk=chunk, tmp=tmp, mine=mine)
            else:
                _video_encode(job=job, chunk=chunk, tmp=tmp, mine=mine)
    except JobGone:
        # Stopped because the job was cancelled or failed elsewhere (a retry redoes
        # it), or a newer attempt claimed the chunk (it does the work).
        mine.update(status=Chunk.Status.PENDING, progress=0)
        return
    except ffmpeg.MediaError as exc:
        if not mine.update(status=Chunk.Status.FAILED, error=exc.detail[-2000:] or exc.message):
            return  # superseded: the newer attempt decides
        if exc.retryable:
            raise
        job_fail(job_id=job.pk, reason=f"{exc.message} (while encoding {chunk})")
        return
    except Exception as exc:
        mine.update(status=Chunk.Status.FAILED, error=repr(exc)[:2000])
        raise  # dramatiq retries; when retries run out the job fails with this reason
    if not mine.update(status=Chunk.Status.DONE, progress=100, finished_at=timezone.now()):
        return
    job_progress_update(job_id=job.pk)
    job_merge_if_ready(job_id=job.pk)


def chunk_claim(*, chunk: Chunk) -> int | None:
    """Claim a chunk for a new attempt, by compare-and-set on its attempt
    count: of two deliveries reading the same row, exactly one claims it.
    The attempt number then fences every later write of this attempt, so an
    attempt superseded by a newer one (its worker presumed dead and the
    message redelivered) can no longer change the row. Returns the attempt
    number, or None when another delivery won."""
    attempt = chunk.attempts + 1
    claimed = (Chunk.objects.filter(pk=chunk.pk, attempts=chunk.attempts).exclude(status=Chunk.Status.DONE)
               .update(status=Chunk.Status.RUNNING, attempts=attempt, worker=worker_name(),
                       started_at=timezone.now(), progress=0, error=""))
    return attempt if claimed == 1 else None


def _progress_reporter(*, chunk: Chunk, total: int, mine):
    """Called by ffmpeg.run with frames done: store percent; stop if the job
    was cancelled or failed, or if a newer attempt took the chunk over."""
    last_check = [0.0]

    def report(done: int) -> None:
        percent = min(99.0, 100.0 * done / max(1, total))
        if not mine.update(progress=round(percent, 1)):
            raise JobGone()
        job_progress_update(job_id=chunk.job_id)
        now = time.monotonic()
        if now - last_check[0] > 2:
            last_check[0] = now
            status = TranscodeJob.objects.filter(pk=chunk.job_id).values_list("status", flat=True).first()
            if status != TranscodeJob.Status.ENCODING:
                raise JobGone()

    return report


def _video_encode(*, job: TranscodeJob, chunk: Chunk, tmp: Path, mine) -> None:
    plan = job.plan
    rungs = [ladder.Rung(**r) for r in plan["rungs"]]
    outputs = [tmp / f"{r.name}.ts" for r in rungs]
    args = ffmpeg.chunk_args(
        source=source_input(job.video), video_start=job.source_info.get("video_start", 0.0),
        fps=Fraction(plan["fps"]), start_frame=chunk.start_frame, end_frame=chunk.end_frame,
        rungs=rungs, outputs=outputs, gop=plan["gop"], preset=plan["preset"],
    )
    ffmpeg.run(args, on_frames=_progress_reporter(chunk=chunk, total=chunk.frames, mine=mine))
    for rung, path in zip(rungs, outputs, strict=True):
        if not path.exists() or path.stat().st_size == 0:
            raise ffmpeg.MediaError(f"The encoder wrote nothing for {rung.name}; the source may be damaged here.")
        storage.put(chunk_key(job, chunk, rung.name), path)


def _audio_encode(*, job: TranscodeJob, chunk: Chunk, tmp: Path, mine) -> None:
    out = tmp / "audio.mp4"
    frames_for_progress = int(float(job.source_info.get("duration", 1)) * 50)  # ~AAC frames/s/20
    ffmpeg.run(
        ffmpeg.audio_args(source=source_input(job.video), output=out, bitrate=job.plan["audio_bitrate"]),
        on_frames=_progress_reporter(chunk=chunk, total=frames_for_progress, mine=mine),
    )
    storage.put(chunk_key(job, chunk, "audio"), out)
