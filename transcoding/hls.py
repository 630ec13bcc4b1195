"""Playlists we write ourselves: ffmpeg's HLS output lacks AVERAGE-BANDWIDTH,
FRAME-RATE, EXT-X-INDEPENDENT-SEGMENTS and I-frame playlists, and its
BANDWIDTH is not measured. Everything here reads the segments on disk."""
from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import m3u8


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


# --- fMP4 boxes: where each segment's leading keyframe ends ------------------------


def _boxes(data: bytes, start: int = 0, end: int | None = None):
    end = len(data) if end is None else end
    pos = start
    while pos + 8 <= end:
        size, kind = struct.unpack(">I4s", data[pos:pos + 8])
        header = 8
        if size == 1:
            size = struct.unpack(">Q", data[pos + 8:pos + 16])[0]
            header = 16
        elif size == 0:
            size = end - pos
        if size < header:
            return
        yield kind.decode("latin-1"), pos, header, size
        pos += size


def first_sample_end(segment: bytes) -> int:
    """Byte offset just past the first sample (the IDR) of the first fragment.

    An I-frame playlist entry is the bytes from the segment's start through
    that sample: the moof that describes it and the picture itself."""
    for kind, pos, header, size in _boxes(segment):
        if kind != "moof":
            continue
        moof_start = pos
        for k2, p2, h2, s2 in _boxes(segment, pos + header, pos + size):
            if k2 != "traf":
                continue
            base = moof_start
            default_size = None
            for k3, p3, h3, s3 in _boxes(segment, p2 + h2, p2 + s2):
                body = p3 + h3
                if k3 == "tfhd":
                    flags = int.from_bytes(segment[body + 1:body + 4], "big")
                    cursor = body + 8  # version/flags + track_ID
                    if flags & 0x01:
                        base = struct.unpack(">Q", segment[cursor:cursor + 8])[0]
                        cursor += 8
                    if flags & 0x02:
                        cursor += 4
                    if flags & 0x08:
                        cursor += 4
                    if flags & 0x10:
                        default_size = struct.unpack(">I", segment[cursor:cursor + 4])[0]
                elif k3 == "trun":
                    flags = int.from_bytes(segment[body + 1:body + 4], "big")
                    cursor = body + 8  # version/flags + sample_count
                    data_offset = 0
                    if flags & 0x01:
                        data_offset = struct.unpack(">i", segment[cursor:cursor + 4])[0]
                        cursor += 4
                    if flags & 0x04:
                        cursor += 4  # first_sample_flags
                    if flags & 0x100:
                        cursor += 4  # sample_duration
                    sample_size = default_size
                    if flags & 0x200:
                        sample_size = struct.unpack(">I", segment[cursor:cursor + 4])[0]
                    if sample_size is None:
                        raise ValueError("trun without sample sizes")
                    return base + data_offset + sample_size
        break
    raise ValueError("no moof/trun in segment")


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


@dataclass(frozen=True)
class VariantLine:
    uri: str
    bandwidth: int
    average_bandwidth: int
    codecs: str
    width: int
    height: int
    frame_rate: float
    iframe_uri: str = ""
    iframe_bandwidth: int = 0


START_BPS = 2_000_000


def start_variant_first(variants: list, *, start_bps: int = START_BPS) -> list:
    """Highest bandwidth first, except that the start variant, the one whose
    average is nearest ``start_bps``, leads [Apple 1.32]: players start on
    the first listed variant."""
    ordered = sorted(variants, key=lambda v: -v.bandwidth)
    if ordered:
        start = min(ordered, key=lambda v: abs(v.average_bandwidth - start_bps))
        ordered.remove(start)
        ordered.insert(0, start)
    return ordered


def master_playlist_render(*, variants: list[VariantLine], audio_uri: str | None,
                           audio_name: str = "Main") -> str:
    """The multivariant playlist stored with the package (the per-session
    playlists served to viewers are built by edge.steering)."""
    ordered = start_variant_first(variants)
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-INDEPENDENT-SEGMENTS"]
    if audio_uri:
        lines.append(
            f'#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aud",NAME="{audio_name}",LANGUAGE="und",'
            f'DEFAULT=YES,AUTOSELECT=YES,CHANNELS="2",URI="{audio_uri}"'
        )
    for v in ordered:
        attrs = [
            f"BANDWIDTH={v.bandwidth}", f"AVERAGE-BANDWIDTH={v.average_bandwidth}",
            f'CODECS="{v.codecs}"', f"RESOLUTION={v.width}x{v.height}", f"FRAME-RATE={v.frame_rate:.3f}",
        ]
        if audio_uri:
            attrs.append('AUDIO="aud"')
        lines += ["#EXT-X-STREAM-INF:" + ",".join(attrs), v.uri]
    for v in ordered:
        if v.iframe_uri:
            video_codec = v.codecs.split(",")[0]
            lines.append(
                f"#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH={v.iframe_bandwidth},CODECS=\"{video_codec}\","
                f'RESOLUTION={v.width}x{v.height},URI="{v.iframe_uri}"'
            )
    return "\n".join(lines) + "\n"


def thumbnails_vtt_render(*, count: int, every: float, duration: float, sprite: str,
                          width: int, height: int, columns: int) -> str:
    """WebVTT cues pointing at tiles of the sprite (``#xywh=``)."""
    def ts(t: float) -> str:
        h, rest = divmod(t, 3600)
        m, s = divmod(rest, 60)
        return f"{int(h):02d}:{int(m):02d}:{s:06.3f}"

    lines = ["WEBVTT", ""]
    for i in range(count):
        start, end = i * every, min(duration, (i + 1) * every)
        if start >= duration:
            break
        x, y = (i % columns) * width, (i // columns) * height
        lines += [f"{ts(start)} --> {ts(end)}", f"{sprite}#xywh={x},{y},{width},{height}", ""]
    return "\n".join(lines)
