"""Media playlists as ffmpeg wrote them, read back with what we measure from
the segments on disk (durations, sizes, peak and average bit rates), and the
I-frame playlists we add beside them."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import m3u8

from .fmp4 import first_sample_end


@dataclass(frozen=True)
class Segment:
    uri: str
    duration: float
    size: int


@dataclass(frozen=True)
class MediaPlaylistFigures:
    segments: list[Segment]
    init_uri: str
    init_size: int
    target_duration: int

    @property
    def duration(self) -> float:
        return sum(s.duration for s in self.segments)

    @property
    def peak_bps(self) -> int:
        """BANDWIDTH: the highest bit rate of any one segment [HLS 9.13]."""
        return max((int(s.size * 8 / s.duration) for s in self.segments if s.duration > 0), default=0)

    @property
    def average_bps(self) -> int:
        """AVERAGE-BANDWIDTH: all segment bytes over the playlist's duration [9.14]."""
        total = sum(s.size for s in self.segments)
        return int(total * 8 / self.duration) if self.duration else 0


def media_playlist_read(folder: Path) -> MediaPlaylistFigures:
    playlist = m3u8.load(str(folder / "index.m3u8"))
    segments = [
        Segment(uri=seg.uri, duration=float(seg.duration), size=(folder / seg.uri).stat().st_size)
        for seg in playlist.segments
    ]
    init_uri = playlist.segment_map[0].uri if playlist.segment_map else ""
    return MediaPlaylistFigures(
        segments=segments,
        init_uri=init_uri,
        init_size=(folder / init_uri).stat().st_size if init_uri else 0,
        target_duration=int(playlist.target_duration or 0),
    )


def iframe_playlist_write(folder: Path, figures: MediaPlaylistFigures) -> tuple[str, int]:
    """Write iframes.m3u8 next to index.m3u8; returns (file name, peak bits/s)."""
    lines = [
        "#EXTM3U", "#EXT-X-VERSION:7",
        f"#EXT-X-TARGETDURATION:{max(1, round(max(s.duration for s in figures.segments)))}",
        "#EXT-X-MEDIA-SEQUENCE:0", "#EXT-X-PLAYLIST-TYPE:VOD", "#EXT-X-I-FRAMES-ONLY",
        f'#EXT-X-MAP:URI="{figures.init_uri}"',
    ]
    peak = 0
    for seg in figures.segments:
        length = first_sample_end((folder / seg.uri).read_bytes())
        peak = max(peak, int(length * 8 / seg.duration)) if seg.duration else peak
        lines += [f"#EXTINF:{seg.duration:.6f},", f"#EXT-X-BYTERANGE:{length}@0", seg.uri]
    lines.append("#EXT-X-ENDLIST")
    (folder / "iframes.m3u8").write_text("\n".join(lines) + "\n")
    return "iframes.m3u8", peak
