"""BREAK + PROCESS + UPLOAD: one chunk of one codec, decoded once and
encoded to every rung of that codec, its outputs stored under
deterministic keys; each audio track (language) once per title. Each attempt claims its chunk
by compare-and-set and is fenced by its attempt number, so a redelivered
message is harmless.

One message per chunk x codec (not one decode feeding every codec's
encoders): H.264's messages go first, so its ladder is merged and the
title playable while AV1 and HEVC still encode (a chunk feeding all codecs
at once would finish its H.264 rungs only when its slowest AV1 rung does);
a codec that fails, or is missing on a worker, fails only its own
messages; Retry redoes only its chunks. The price is one more decode and
scale of the source per extra codec, small next to an AV1 or HEVC encode.
Merges go before chunks (actor priorities), and an AV1/HEVC chunk steps
aside while H.264's merge waits for a thread."""
from __future__ import annotations

import json
import time
from fractions import Fraction
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.utils import timezone

from streaming.core import storage
from streaming.core.storage import local_path

from .. import ffmpeg, ladder, tasks
from ..models import Chunk, Codec, CodecLadder, TranscodeJob
from ..sources import source_input
from .state import job_progress_update, ladder_fail, ladder_merge_if_ready
from .steps import JobGone, scratch, worker_name

EXTENSIONS = {"mpegts": "ts", "obu": "obu"}
# How long an AV1/HEVC chunk steps aside while H.264's merge waits for a thread.
STEP_ASIDE_MS = 500


def chunk_key(job: TranscodeJob, chunk: Chunk, rung: str = "") -> str:
    """``work/<video>/job-N/<codec>/c00003/v720.ts`` (``.obu`` for AV1), or the audio."""
    if chunk.kind == Chunk.Kind.AUDIO:
        return audio_work_key(job, chunk.index)
    leaf = rung.rsplit("/", 1)[-1]
    return f"{codec_work_prefix(job, chunk.codec)}/c{chunk.index:05d}/{leaf}.{intermediate_ext(chunk.codec)}"


def audio_work_key(job: TranscodeJob, index: int) -> str:
    """The encoded audio track ``index`` (0: ``audio.mp4``, as before languages)."""
    return f"{job.work_prefix}/audio.mp4" if index == 0 else f"{job.work_prefix}/audio{index + 1}.mp4"


def codec_work_prefix(job: TranscodeJob, codec: str) -> str:
    return f"{job.work_prefix}/{codec}"


def intermediate_ext(codec: str) -> str:
    return EXTENSIONS[ffmpeg.CODECS[codec].intermediate]


def chunk_process(*, chunk_id: int) -> None:
    chunk = Chunk.objects.select_related("job", "job__video").filter(pk=chunk_id).first()
    if chunk is None:
        return
    codec = chunk.codec or Codec.H264  # the audio belongs to the H.264 ladder's merge
    if chunk.status == Chunk.Status.DONE:
        # Redelivered after its work was done, e.g. because sending the merge
        # failed while the broker was down: make sure the merge is asked for.
        ladder_merge_if_ready(job_id=chunk.job_id, codec=codec, resend=True)
        return
    if chunk.job.status != TranscodeJob.Status.ENCODING or not _ladder_encoding(chunk.job_id, codec):
        return
    if codec != Codec.H264 and _h264_merge_waiting(chunk.job_id):
        # Step aside for the merge that makes the title playable: this thread
        # would otherwise take this (long) chunk before the merge's message
        # reaches the worker's queue, and the title would wait for it.
        tasks.chunk_encode_later.send_with_options(args=(chunk_id,), delay=STEP_ASIDE_MS)
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
        # Stopped because the job or this codec was cancelled or failed
        # elsewhere (a retry redoes it), or a newer attempt claimed the chunk.
        mine.update(status=Chunk.Status.PENDING, progress=0)
        return
    except ffmpeg.MediaError as exc:
        if not mine.update(status=Chunk.Status.FAILED, error=exc.detail[-2000:] or exc.message):
            return  # superseded: the newer attempt decides
        if exc.retryable:
            raise
        ladder_fail(job_id=job.pk, codec=codec, reason=_reason(chunk, exc.message))
        return
    except Exception as exc:
        mine.update(status=Chunk.Status.FAILED, error=repr(exc)[:2000])
        raise  # dramatiq retries; when retries run out the codec fails with this reason
    if not mine.update(status=Chunk.Status.DONE, progress=100, finished_at=timezone.now()):
        return
    job_progress_update(job_id=job.pk)
    ladder_merge_if_ready(job_id=job.pk, codec=codec)


def _reason(chunk: Chunk, message: str) -> str:
    if chunk.kind == Chunk.Kind.AUDIO:
        return f"{message} (while encoding {chunk})"
    facts = ffmpeg.CODECS[chunk.codec]
    return f"{Codec(chunk.codec).label} ({facts.encoder}): {message} (while encoding {chunk} on {worker_name()})"


def _h264_merge_waiting(job_id: int) -> bool:
    """H.264's merge was asked for and no worker has started it yet."""
    return CodecLadder.objects.filter(job_id=job_id, codec=Codec.H264, status=CodecLadder.Status.MERGING,
                                      merge_started_at__isnull=True).exists()


def _ladder_encoding(job_id: int, codec: str) -> bool:
    return CodecLadder.objects.filter(job_id=job_id, codec=codec, status=CodecLadder.Status.ENCODING).exists()


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
    or the chunk's codec was cancelled or failed, or if a newer attempt took
    the chunk over."""
    last_check = [0.0]
    codec = chunk.codec or Codec.H264

    def report(done: int) -> None:
        percent = min(99.0, 100.0 * done / max(1, total))
        if not mine.update(progress=round(percent, 1)):
            raise JobGone()
        job_progress_update(job_id=chunk.job_id)
        now = time.monotonic()
        if now - last_check[0] > 2:
            last_check[0] = now
            status = TranscodeJob.objects.filter(pk=chunk.job_id).values_list("status", flat=True).first()
            if status != TranscodeJob.Status.ENCODING or not _ladder_encoding(chunk.job_id, codec):
                raise JobGone()

    return report


def _video_encode(*, job: TranscodeJob, chunk: Chunk, tmp: Path, mine) -> None:
    plan = job.plan
    spec = plan["ladders"][chunk.codec]
    rungs = [ladder.Rung(**r) for r in spec["rungs"]]
    outputs = [tmp / f"{r.height}.{intermediate_ext(chunk.codec)}" for r in rungs]
    args = ffmpeg.chunk_args(
        source=source_input(job.video), video_start=job.source_info.get("video_start", 0.0),
        fps=Fraction(plan["fps"]), start_frame=chunk.start_frame, end_frame=chunk.end_frame,
        rungs=rungs, outputs=outputs, gop=plan["gop"], preset=spec["preset"], codec=chunk.codec,
        deinterlace=plan.get("deinterlace", ""),
    )
    ffmpeg.run(args, on_frames=_progress_reporter(chunk=chunk, total=chunk.frames, mine=mine))
    for rung, path in zip(rungs, outputs, strict=True):
        if not path.exists() or path.stat().st_size == 0:
            raise ffmpeg.MediaError(f"The encoder wrote nothing for {rung.name}; the source may be damaged here.")
        storage.put(chunk_key(job, chunk, rung.name), path)


def audio_track_spec(job: TranscodeJob, index: int) -> dict:
    """The plan's audio track ``index``; a plan from before languages had one:
    the source's first audio stream."""
    tracks = job.plan.get("audio_tracks")
    if tracks is None:
        return {"track": None, "name": "audio", "stream": None, "file": None, "language": "und", "label": "Main",
                "characteristics": "", "default": True}
    return tracks[index]


def _audio_encode(*, job: TranscodeJob, chunk: Chunk, tmp: Path, mine) -> None:
    """One audio track, once: measured (loudnorm's first pass), then encoded
    to AAC at the loudness target with one linear gain. A dub is laid on the
    film's timeline: its first sample at the first frame, padded with
    silence or cut to the video's length."""
    spec = audio_track_spec(job, chunk.index)
    out = tmp / "audio.mp4"
    frames_for_progress = int(float(job.source_info.get("duration", 1)) * 50)  # ~AAC frames/s/20
    loudness = audio_track_encode(job=job, spec=spec, output=out,
                                  on_frames=_progress_reporter(chunk=chunk, total=frames_for_progress, mine=mine))
    storage.put(chunk_key(job, chunk), out)
    storage.put_bytes(f"{chunk_key(job, chunk)}.loudness.json", json.dumps(loudness).encode())


def audio_track_encode(*, job: TranscodeJob, spec: dict, output: Path, on_frames=None) -> dict:
    """Encode one audio track of the plan (``spec``) to ``output``; returns
    the loudness figures (the source's, measured, and the target)."""
    if spec.get("file"):
        source = _stored_input(spec["file"], output.parent)
        duration: float | None = float(Fraction(job.plan["frames"]) / Fraction(job.plan["fps"]))
    else:
        source, duration = source_input(job.video), None
    target = {"target": settings.AUDIO_LOUDNESS_TARGET, "true_peak": settings.AUDIO_TRUE_PEAK,
              "lra": settings.AUDIO_LOUDNESS_RANGE}
    report = ffmpeg.run(ffmpeg.loudness_measure_args(source=source, stream=spec["stream"], duration=duration,
                                                     **target), verbosity="info")
    measured = ffmpeg.loudness_report(report)
    ffmpeg.run(
        ffmpeg.audio_args(source=source, output=output, bitrate=job.plan["audio_bitrate"], stream=spec["stream"],
                          duration=duration,
                          loudness=ffmpeg.loudness_filter_options(measured=measured, **target)),
        on_frames=on_frames,
    )
    figures = {k: _number(measured.get(k)) for k in ("input_i", "input_tp", "input_lra")}
    return {**figures, "normalization_type": measured.get("normalization_type", ""), **target}


def _number(raw) -> float | None:
    """loudnorm prints its figures as strings ("-21.79"; "-inf" for silence)."""
    try:
        value = float(raw)
    except (TypeError, ValueError):
        return None
    return value if value == value and abs(value) != float("inf") else None


def _stored_input(name: str, tmp: Path) -> ffmpeg.MediaInput:
    path = local_path(name)
    if path is not None:
        return ffmpeg.MediaInput.local(path)
    return ffmpeg.MediaInput(location=default_storage.url(name), remote=True)
