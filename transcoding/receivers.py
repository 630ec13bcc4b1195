"""What the transcoding app does when the catalog announces something."""
from __future__ import annotations

from django.conf import settings

from catalog.models import Video

from . import tasks
from .services import job_start


def video_source_stored_transcode(sender, *, video_id: int, **kwargs) -> None:
    """A new source is in storage: transcode it (TRANSCODE_ON_UPLOAD)."""
    if not settings.TRANSCODE_ON_UPLOAD:
        return
    video = Video.objects.filter(pk=video_id).first()
    if video is not None and video.status == Video.Status.UPLOADED:
        job_start(video=video)


def audio_track_uploaded_package(sender, *, track_id: int, **kwargs) -> None:
    """A dub was uploaded: encode it into the video's ladder (a worker's job)."""
    tasks.dub_package.send(track_id)


def text_tracks_changed_package(sender, *, video_id: int, **kwargs) -> None:
    """Subtitles were added, replaced or removed: package them (a worker's job)."""
    tasks.text_tracks_package.send(video_id)
