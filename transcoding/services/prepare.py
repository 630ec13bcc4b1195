"""PROBE + PLAN: read the source, refuse what cannot be encoded (with a
stored reason), plan one ladder per codec on one chunk grid (one keyframe
grid for every codec), and send the chunks: H.264's first."""
from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from catalog.services import video_probe_record
from streaming.core import storage

from .. import ffmpeg, ladder
from ..models import Chunk, CodecLadder, TranscodeJob
from ..selectors import profile_ladders
from ..sources import source_input
from .state import chunks_send, job_fail
from .tracks import audio_tracks_plan, subtitles_extract

logger = logging.getLogger(__name__)


def job_prepare(*, job_id: int) -> None:
    with transaction.atomic():
        job = TranscodeJob.objects.select_for_update().select_related("video", "profile").filter(pk=job_id).first()
        if job is None or job.status not in (TranscodeJob.Status.PENDING, TranscodeJob.Status.PROBING):
            return
        job.status = TranscodeJob.Status.PROBING
        job.started_at = job.started_at or timezone.now()
        job.save(update_fields=["status", "started_at"])
    video = job.video
    try:
        source = source_input(video)
        first, size = (None, None)
        if source.remote:
            try:
                first, size = storage.head(video.source_storage_name)
            except FileNotFoundError:
                raise ffmpeg.MediaError("The source file is missing from storage.") from None
        info = ffmpeg.probe(source, head=first, size=size)
    except ffmpeg.MediaError as exc:
        if exc.retryable:
            raise
        job_fail(job_id=job_id, reason=exc.message)
        return
    profile = job.profile
    # The source's motion, kept: a variable-rate source at its fastest
    # stretch, an interlaced one at its field rate (both capped by the profile).
    fps = ladder.output_fps(info.motion_fps, profile.max_fps)
    gop = ladder.gop_frames(fps, profile.keyframe_seconds)
    total = ladder.output_frames(source_frames=info.frames, duration=info.duration, source_fps=info.fps, fps=fps,
                                 constant=not info.vfr)
    too_big = source_cost_refusal(width=info.coded_width, height=info.coded_height,
                                  frames=max(info.frames, total))
    if too_big:
        job_fail(job_id=job_id, reason=too_big)
        return
    ladders = {
        codec: {"preset": spec["preset"],
                "rungs": [r.as_dict() for r in ladder.rungs_for(width=info.width, height=info.height,
                                                                ladder=spec["rungs"], codec=codec)]}
        for codec, spec in profile_ladders(profile=profile).items()
    }
    chunks = ladder.chunk_plan(
        total_frames=total, gop=gop, segment_seconds=profile.segment_seconds,
        keyframe_seconds=profile.keyframe_seconds, chunk_seconds=profile.chunk_seconds,
        min_chunks=settings.TRANSCODE_MIN_CHUNKS,
    )
    plan = {
        "fps": f"{fps.numerator}/{fps.denominator}",
        "gop": gop,
        "frames": total,
        "segment_seconds": profile.segment_seconds,
        "audio_bitrate": profile.audio_bitrate_kbps * 1000,
        "ladders": ladders,
        "deinterlace": info.parity,  # "tff"/"bff": bwdif, one frame per field
    }
    with transaction.atomic():
        job = TranscodeJob.objects.select_for_update().get(pk=job_id)
        if job.status != TranscodeJob.Status.PROBING:
            return
        job.source_info = info.as_dict()
        job.plan = plan
        job.status = TranscodeJob.Status.ENCODING
        job.save(update_fields=["source_info", "plan", "status"])
        video_probe_record(video_id=video.pk, width=info.width, height=info.height,
                           duration=round(float(total / fps), 3))
        audio_tracks = audio_tracks_plan(video=video, info=info)
        plan["audio_tracks"] = audio_tracks
        job.plan = plan
        job.save(update_fields=["plan"])
        for codec in ladders:  # H.264 first: its chunks are sent (and encoded) first
            CodecLadder.objects.get_or_create(job=job, codec=codec)
            for c in chunks:
                Chunk.objects.get_or_create(
                    job=job, kind=Chunk.Kind.VIDEO, codec=codec, index=c.index,
                    defaults={"start_frame": c.start_frame, "end_frame": c.end_frame},
                )
        for index, _ in enumerate(audio_tracks):  # one encode per audio track
            Chunk.objects.get_or_create(job=job, kind=Chunk.Kind.AUDIO, codec="", index=index)
        pending = list(job.chunks.exclude(status=Chunk.Status.DONE).order_by("pk"))
        transaction.on_commit(lambda: chunks_send(chunks=pending))
    if info.subtitle_streams:
        subtitles_extract(video=video, streams=info.subtitle_streams)
    logger.info("job %s: %d frames at %s fps%s%s, %s, %d chunks per codec", job_id, total, plan["fps"],
                f" (variable rate, {info.frame_rate} on average)" if info.vfr else "",
                f" (deinterlaced, {info.field_order})" if info.parity else "",
                ", ".join(f"{codec} {len(spec['rungs'])} rungs" for codec, spec in ladders.items()), len(chunks))


def source_cost_refusal(*, width: int, height: int, frames: int) -> str:
    """Why a source is refused for what it would cost, or "": decoding and
    scaling are paid per source pixel for every frame the pipeline makes
    (``TRANSCODE_MAX_PIXEL_FRAMES``)."""
    limit = int(settings.TRANSCODE_MAX_PIXEL_FRAMES)
    cost = width * height * frames
    if limit <= 0 or cost <= limit:
        return ""
    hours = limit / (3840 * 2160 * 60 * 3600)
    return (f"The video is too large to transcode: {width}×{height} pixels × {frames:,} frames is "
            f"{_count(cost)} pixels, over this site's limit of {_count(limit)}"
            + (f" (about {hours:.1f} hours of 4K at 60 fps)" if hours >= 0.1 else "")
            + ". Upload a shorter or smaller version.")


def _count(n: int) -> str:
    for size, word in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million")):
        if n >= size:
            return f"{n / size:.2f} {word}"
    return f"{n:,}"
