"""Dramatiq actors of the pipeline: ids in, thin, idempotent.

A chunk that keeps failing after its retries fails the whole job through
``on_retry_exhausted``, so no job stays "encoding" forever."""
from __future__ import annotations

import dramatiq

from . import services
from .models import Chunk

HOUR_MS = 3600 * 1000


@dramatiq.actor(queue_name="default", max_retries=3, min_backoff=2000, time_limit=HOUR_MS,
                on_retry_exhausted="transcode_step_gave_up")
def job_prepare(job_id: int) -> None:
    services.job_prepare(job_id=job_id)


@dramatiq.actor(queue_name="transcode", max_retries=3, min_backoff=2000, max_backoff=10_000, time_limit=4 * HOUR_MS,
                on_retry_exhausted="chunk_gave_up")
def chunk_encode(chunk_id: int) -> None:
    services.chunk_process(chunk_id=chunk_id)


@dramatiq.actor(queue_name="default", max_retries=3, min_backoff=2000, time_limit=4 * HOUR_MS,
                on_retry_exhausted="transcode_step_gave_up")
def job_merge(job_id: int) -> None:
    services.job_merge(job_id=job_id)


@dramatiq.actor(queue_name="default", max_retries=5)
def chunk_gave_up(message_data: dict, retry_info: dict) -> None:
    chunk_id = message_data["args"][0]
    chunk = Chunk.objects.filter(pk=chunk_id).first()
    if chunk is None:
        return
    detail = (chunk.error or "unknown error").strip().splitlines()[-1:] or ["unknown error"]
    services.job_fail(
        job_id=chunk.job_id,
        reason=f"{chunk} failed {retry_info.get('retries', '?')} times; last error: {detail[0][:500]}",
    )


@dramatiq.actor(queue_name="default", max_retries=5)
def transcode_step_gave_up(message_data: dict, retry_info: dict) -> None:
    job_id = message_data["args"][0]
    services.job_fail(
        job_id=job_id,
        reason=f"{message_data.get('actor_name', 'a step')} failed after {retry_info.get('retries', '?')} "
        "retries; see the worker log. Retry the job from the admin when the cause is fixed.",
    )
