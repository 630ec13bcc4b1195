"""What ffmpeg may open, and where its binaries are.

Safety: ffmpeg only opens inputs the code built: a local file (``file``
protocol only) or a storage URL the code signed (``http(s)`` only), and only
through the container demuxers in ``SOURCE_DEMUXERS``. Playlists (hls, concat,
ffconcat), image sequences and the like are never allowed for sources, so a
crafted upload cannot make ffmpeg open other URLs or local files."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

# Demuxers a source may use: real containers, nothing that references other files.
SOURCE_DEMUXERS = ",".join(
    [
        "mov", "mp4", "m4a", "3gp", "3g2", "mj2",  # the mov demuxer's names
        "matroska", "webm", "avi", "mpegts", "mpeg", "mxf", "flv", "asf", "ogg", "wav",
    ]
)
LOCAL_PROTOCOLS = "file"
REMOTE_PROTOCOLS = "http,https,tcp,tls"
# Our own intermediates (local files the code wrote).
PACKAGE_DEMUXERS = "mpegts,mov,mp4,m4a"
PLAYLIST_DEMUXERS = "hls," + PACKAGE_DEMUXERS


def ffmpeg_bin() -> str:
    return getattr(settings, "FFMPEG_BINARY", "ffmpeg")


def ffprobe_bin() -> str:
    return getattr(settings, "FFPROBE_BINARY", "ffprobe")


@dataclass(frozen=True)
class MediaInput:
    """A local path or a signed storage URL, never a string from a user."""

    location: str
    remote: bool = False

    def options(self, demuxers: str = SOURCE_DEMUXERS) -> dict[str, str]:
        return {
            "protocol_whitelist": REMOTE_PROTOCOLS if self.remote else LOCAL_PROTOCOLS,
            "format_whitelist": demuxers,
        }

    @classmethod
    def local(cls, path: str | os.PathLike) -> MediaInput:
        return cls(location=str(Path(path).resolve()), remote=False)


def local_input_options(path: str | os.PathLike, demuxers: str = PACKAGE_DEMUXERS) -> dict[str, str]:
    """Input options for one of our own local files."""
    return MediaInput.local(path).options(demuxers)
