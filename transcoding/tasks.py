"""Dramatiq actors of the pipeline: ids in, thin, idempotent.

A chunk that keeps failing after its retries fails its codec (the whole job
for H.264) through ``on_retry_exhausted``, so nothing stays "encoding"
forever. Priorities (lower first, within a worker): merges, then H.264 and
audio chunks (what makes a title playable), then AV1/HEVC chunks, which
also have a queue of their own."""
from __future__ import annotations

import dramatiq

from . import services
from .models import Chunk

HOUR_MS = 3600 * 1000


@dramatiq.actor(queue_name="default", priority=0, max_retries=3, min_backoff=2000, time_limit=HOUR_MS)
def text_tracks_package(video_id: int, always: bool = True) -> None:
    """A video's text tracks changed: package them into its ladder."""
    services.text_tracks_package(video_id=video_id, always=always)


@dramatiq.actor(queue_name="transcode", priority=10, max_retries=3, min_backoff=2000, time_limit=4 * HOUR_MS)
def dub_package(track_id: int) -> None:
    """A dub uploaded for a video that plays: one more audio language."""
    services.dub_package(track_id=track_id)


@dramatiq.actor(queue_name="default", max_retries=3, min_backoff=2000, time_limit=HOUR_MS,
                on_retry_exhausted="transcode_step_gave_up")
def job_prepare(job_id: int) -> None:
    services.job_prepare(job_id=job_id)


@dramatiq.actor(queue_name="transcode", priority=10, max_retries=3, min_backoff=2000, max_backoff=10_000,
                time_limit=4 * HOUR_MS, on_retry_exhausted="chunk_gave_up")
def chunk_encode(chunk_id: int) -> None:
    """An H.264 chunk or the audio."""
    services.chunk_process(chunk_id=chunk_id)


@dramatiq.actor(queue_name="transcode_later", priority=20, max_retries=3, min_backoff=2000, max_backoff=10_000,
                time_limit=4 * HOUR_MS, on_retry_exhausted="chunk_gave_up")
def chunk_encode_later(chunk_id: int) -> None:
    """An AV1 or HEVC chunk: after H.264's, which make the title playable."""
    services.chunk_process(chunk_id=chunk_id)


@dramatiq.actor(queue_name="default", priority=0, max_retries=3, min_backoff=2000, time_limit=4 * HOUR_MS,
                on_retry_exhausted="transcode_step_gave_up")
def job_merge(job_id: int, codec: str = "h264") -> None:
    services.job_merge(job_id=job_id, codec=codec)


@dramatiq.actor(queue_name="default", max_retries=5)
def chunk_gave_up(message_data: dict, retry_info: dict) -> None:
    chunk_id = message_data["args"][0]
    chunk = Chunk.objects.filter(pk=chunk_id).first()
    if chunk is None:
        return
    detail = (chunk.error or "unknown error").strip().splitlines()[-1:] or ["unknown error"]
    services.ladder_fail(
        job_id=chunk.job_id, codec=chunk.codec or "h264",
        reason=f"{chunk} failed {retry_info.get('retries', '?')} times; last error: {detail[0][:500]}",
    )


@dramatiq.actor(queue_name="default", max_retries=5)
def transcode_step_gave_up(message_data: dict, retry_info: dict) -> None:
    args = message_data["args"]
    reason = (f"{message_data.get('actor_name', 'a step')} failed after {retry_info.get('retries', '?')} "
              "retries; see the worker log. Retry the job from the admin when the cause is fixed.")
    if message_data.get("actor_name") == "job_merge":
        services.ladder_fail(job_id=args[0], codec=args[1] if len(args) > 1 else "h264", reason=reason)
    else:
        services.job_fail(job_id=args[0], reason=reason)
