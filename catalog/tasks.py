"""Dramatiq actors of the catalog: ids in, thin, idempotent."""
from __future__ import annotations

import dramatiq

from .services import artwork
from .services import videos as services


@dramatiq.actor(queue_name="default", max_retries=3, min_backoff=1000)
def video_source_fingerprint(video_id: int) -> None:
    services.video_fingerprint_record(video_id=video_id)


@dramatiq.actor(queue_name="default", max_retries=3, min_backoff=1000)
def title_artwork_from_video(video_id: int) -> None:
    artwork.artwork_from_video(video_id=video_id)
