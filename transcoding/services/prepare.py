"""PROBE + PLAN: read the source, refuse what cannot be encoded (with a
stored reason), plan the ladder and the chunk grid, and send the chunks."""
from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from catalog.services import video_probe_record
from streaming.core import storage

from .. import ffmpeg, ladder
from ..models import Chunk, TranscodeJob
from ..sources import source_input
from .jobs import chunks_send, job_fail

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
    ladder_rows = [(r.height, r.video_bitrate_kbps) for r in profile.rungs.all()] or ladder.APPLE_LADDER
    fps = ladder.output_fps(info.fps, profile.max_fps)
    gop = ladder.gop_frames(fps, profile.keyframe_seconds)
    total = ladder.output_frames(source_frames=info.frames, duration=info.duration, source_fps=info.fps, fps=fps)
    rungs = ladder.rungs_for(width=info.width, height=info.height, ladder=ladder_rows)
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
        "preset": profile.x264_preset,
        "audio_bitrate": profile.audio_bitrate_kbps * 1000,
        "rungs": [r.__dict__ for r in rungs],
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
        for c in chunks:
            Chunk.objects.get_or_create(
                job=job, kind=Chunk.Kind.VIDEO, index=c.index,
                defaults={"start_frame": c.start_frame, "end_frame": c.end_frame},
            )
        if info.has_audio:
            Chunk.objects.get_or_create(job=job, kind=Chunk.Kind.AUDIO, index=0)
        pending = list(job.chunks.exclude(status=Chunk.Status.DONE).values_list("pk", flat=True))
        transaction.on_commit(lambda: chunks_send(chunk_ids=pending))
    logger.info("job %s: %d frames at %s fps, %d rungs, %d chunks", job_id, total, plan["fps"], len(rungs), len(chunks))
