"""Where ffmpeg reads a video's source from: the file itself on local
storage, else a short-lived signed URL the code asked the storage for."""
from __future__ import annotations

from django.core.files.storage import default_storage

from catalog.models import Video
from streaming.core.storage import local_path

from .ffmpeg import MediaInput


def source_input(video: Video) -> MediaInput:
    path = local_path(video.source_storage_name)
    if path is not None:
        return MediaInput.local(path)
    return MediaInput(location=default_storage.url(video.source_storage_name), remote=True)
