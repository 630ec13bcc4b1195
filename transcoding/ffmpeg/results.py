"""Reading what we wrote: frames, stream parameters, first timestamps.
Used by the packager (codec strings, alignment) and by the tests."""
from __future__ import annotations

import os
from dataclasses import dataclass

from .errors import MediaError
from .inputs import PACKAGE_DEMUXERS, PLAYLIST_DEMUXERS, ffprobe_bin
from .probing import ffprobe_json


@dataclass(frozen=True)
class Frame:
    pts: float
    key: bool
    pict_type: str


def frames(path: str | os.PathLike, *, stream: str = "v:0", demuxers: str | None = None) -> list[Frame]:
    """Every decoded frame's presentation time, in presentation order."""
    args = [ffprobe_bin(), "-v", "error", "-of", "json", "-select_streams", stream,
            "-show_entries", "frame=pts_time,key_frame,pict_type"]
    if demuxers:
        args += ["-format_whitelist", demuxers]
    data = ffprobe_json([*args, "-protocol_whitelist", "file", str(path)], timeout=600)
    out = [
        Frame(pts=float(f["pts_time"]), key=bool(int(f.get("key_frame", 0))), pict_type=f.get("pict_type", "?"))
        for f in data.get("frames", []) if f.get("pts_time") not in (None, "N/A")
    ]
    return sorted(out, key=lambda f: f.pts)


def stream_info(path: str | os.PathLike, *, demuxers: str = PACKAGE_DEMUXERS) -> dict:
    """The first video or audio stream of a file we wrote (codec, profile, level...)."""
    args = [ffprobe_bin(), "-v", "error", "-of", "json", "-show_streams", "-show_format",
            "-format_whitelist", demuxers, "-protocol_whitelist", "file", str(path)]
    return ffprobe_json(args, timeout=120)


def first_pts(path: str | os.PathLike, *, stream: str = "v:0", demuxers: str = PLAYLIST_DEMUXERS) -> float:
    """The earliest presentation time among a stream's first packets (our own files only)."""
    args = [ffprobe_bin(), "-v", "error", "-of", "json", "-select_streams", stream,
            "-show_entries", "packet=pts_time", "-read_intervals", "%+#8",
            "-format_whitelist", demuxers, "-protocol_whitelist", "file", str(path)]
    data = ffprobe_json(args, timeout=60)
    values = [float(p["pts_time"]) for p in data.get("packets", []) if p.get("pts_time") not in (None, "N/A")]
    if not values:
        raise MediaError("The encoded stream has no frames.")
    return min(values)
