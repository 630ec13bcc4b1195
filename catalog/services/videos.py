"""Writes of Video rows: storing a source, its fingerprint, and its state.

The catalog owns a video's state (uploaded, processing, ready, failed):
transcoding moves it only through the ``video_*_mark`` functions here."""
from __future__ import annotations

import hashlib
import logging

from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction

from streaming.core.errors import ApplicationError

from .. import tasks
from ..models import Episode, Title, Video
from ..signals import video_source_stored

logger = logging.getLogger(__name__)

READ_CHUNK = 1024 * 1024


def _episode_check(*, title: Title, episode: Episode | None) -> None:
    if episode is not None and episode.season.title_id != title.pk:
        raise ApplicationError("That episode belongs to another title.", code="episode_mismatch",
                               extra={"field": "episode"})


def video_create(*, title: Title, source: File, episode: Episode | None = None, public_id=None) -> Video:
    """Store an uploaded source and hand it to the workers.

    The file is streamed to storage in chunks (Django spools large uploads to
    a temporary file; S3 storage sends it as a multipart upload), so its size
    is bounded by the disk, not by memory. ``public_id``: the id an upload
    already promised (its storage key names it).
    """
    _episode_check(title=title, episode=episode)
    name = getattr(source, "name", None)
    if not name:
        raise ApplicationError("Choose a source video file to upload.", code="required")
    if source.size == 0:
        # Kept anyway (nothing uploaded is thrown away), but marked failed at once.
        logger.info("empty source uploaded for %s", title)
    video = Video(title=title, episode=episode, source_name=name[:255])
    if public_id is not None:
        video.public_id = public_id
    with transaction.atomic():
        # Storage first, row second: a row never points at a file that isn't there.
        video.source.save(name, source, save=False)
        video.save()
        transaction.on_commit(lambda: video_source_saved(video_id=video.pk))
    return video


def video_create_from_storage(*, title: Title, name: str, source_name: str, public_id,
                              episode: Episode | None = None) -> Video:
    """A Video for a source already in storage under ``name`` (an upload that
    went straight to the bucket, never through Django); then the same steps as
    ``video_create``."""
    _episode_check(title=title, episode=episode)
    if not default_storage.exists(name):
        raise ApplicationError("The uploaded source is not in storage.", code="not_found")
    with transaction.atomic():
        video = Video(title=title, episode=episode, source_name=source_name[:255], public_id=public_id)
        video.source.name = name
        video.save()
        transaction.on_commit(lambda: video_source_saved(video_id=video.pk))
    return video


def video_source_saved(*, video_id: int) -> None:
    """Everything that follows a new source starts here, after commit:
    whatever listens to ``video_source_stored`` (the transcoding app starts
    a job), then the fingerprint (ours). Listeners first: a worker measures
    an empty file and marks it failed in milliseconds, and a listener that
    ran after it would find the video failed and start no job."""
    video_source_stored.send(sender=Video, video_id=video_id)
    tasks.video_source_fingerprint.send(video_id)


def video_update(*, video: Video, title: Title, episode: Episode | None) -> Video:
    """Move a video to another title or episode (staff editing in the admin)."""
    _episode_check(title=title, episode=episode)
    video.title, video.episode = title, episode
    video.save(update_fields=["title", "episode", "updated_at"])
    return video


def video_delete(*, video: Video) -> None:
    """Remove a video's row; its source and ladder stay in storage."""
    video.delete()


def video_fingerprint_record(*, video_id: int) -> Video | None:
    """Measure the stored source (size, SHA-256) by streaming it from storage.

    Idempotent: running it twice writes the same figures. Returns None when the
    video is gone (deleted while the message waited)."""
    video = Video.objects.filter(pk=video_id).first()
    if video is None:
        return None
    digest = hashlib.sha256()
    size = 0
    try:
        with video.source.open("rb") as fh:
            while chunk := fh.read(READ_CHUNK):
                digest.update(chunk)
                size += len(chunk)
    except FileNotFoundError:
        video_failed_mark(video_id=video_id, reason="The source file is missing from storage.")
        return None
    Video.objects.filter(pk=video_id).update(source_size=size, source_sha256=digest.hexdigest())
    if size == 0:
        video_failed_mark(video_id=video_id, reason="The uploaded file is empty (0 bytes).")
    video.refresh_from_db()
    return video


# --- state, moved by the transcoding app ---------------------------------------------


def video_processing_mark(*, video_id: int) -> None:
    """A transcode began: not playable until it is ready again."""
    Video.objects.filter(pk=video_id).update(status=Video.Status.PROCESSING, error="")


def video_probe_record(*, video_id: int, width: int, height: int, duration: float) -> None:
    """What the probe found, as the ladder will show it (rotation applied)."""
    Video.objects.filter(pk=video_id).update(width=width, height=height, duration=duration)


def video_ready_mark(*, video_id: int) -> None:
    """Playable: the ladder every client can decode is merged. Its poster
    frame then becomes the title's artwork where the title has none."""
    Video.objects.filter(pk=video_id).update(status=Video.Status.READY, error="")
    transaction.on_commit(lambda: tasks.title_artwork_from_video.send(video_id))


def video_failed_mark(*, video_id: int, reason: str) -> None:
    """Not playable, with the reason staff see. The source stays in storage."""
    Video.objects.filter(pk=video_id).update(status=Video.Status.FAILED, error=reason)
