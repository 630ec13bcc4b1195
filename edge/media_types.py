"""Content types of what the ladder holds, shared by the Django origin, the
aiohttp edge and the generated nginx config so all three answer alike."""
from __future__ import annotations

import posixpath

MEDIA_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".mpd": "application/dash+xml",
    ".m4s": "video/iso.segment",
    ".mp4": "video/mp4",
    ".m4a": "audio/mp4",
    ".ts": "video/mp2t",
    ".aac": "audio/aac",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".vtt": "text/vtt",
    ".json": "application/json",
}
# Manifests (HLS playlists, DASH MPDs): small text, compressed, cached briefly.
MANIFEST_SUFFIXES = (".m3u8", ".mpd")


def media_type_for(key: str) -> str:
    return MEDIA_TYPES.get(posixpath.splitext(key)[1].lower(), "application/octet-stream")


def is_playlist(key: str) -> bool:
    """A manifest: an HLS playlist or a DASH MPD."""
    return key.lower().endswith(MANIFEST_SUFFIXES)
