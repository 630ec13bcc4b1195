"""Dramatiq actors of the foundation: ids in, thin, idempotent."""
import dramatiq

from . import health


@dramatiq.actor(queue_name="default", max_retries=0, time_limit=10_000)
def worker_ping(ping_id: str) -> None:
    health.worker_ping_answer(ping_id=ping_id)
