"""Planning: which rungs a source gets, at what frame rate, cut how.

Pure functions over plain data, so the rules are easy to test and to read.
All timing is in output frames: the keyframe interval (GOP), segments and
chunks are whole multiples of each other, so every rung's segments start at
the same instants and every chunk starts on a keyframe."""
from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

# Apple's HLS authoring table (H.264, average kb/s), one bitrate per height.
APPLE_LADDER: list[tuple[int, int]] = [
    (234, 145), (360, 365), (432, 1100), (540, 2000), (720, 3000), (1080, 6000),
]
AUDIO_CODECS = "mp4a.40.2"


@dataclass(frozen=True)
class Rung:
    """One rung of a ladder as planned and encoded (the one rung type: the
    plan stores these, the ffmpeg commands take them)."""

    name: str
    width: int
    height: int
    bitrate: int  # bits/s

    def as_dict(self) -> dict:
        return {"name": self.name, "width": self.width, "height": self.height, "bitrate": self.bitrate}


@dataclass(frozen=True)
class PlannedChunk:
    index: int
    start_frame: int
    end_frame: int


def even(value: float) -> int:
    return max(2, int(round(value / 2.0)) * 2)


def output_fps(source_fps: Fraction, max_fps: int) -> Fraction:
    """The source's rate, capped; a capped rate divides the source's evenly
    where it can (120 -> 60, 50 -> 50), so frames are dropped regularly."""
    if source_fps <= max_fps:
        return source_fps
    divisor = math.ceil(source_fps / max_fps)
    return source_fps / divisor


def rungs_for(*, width: int, height: int, ladder: list[tuple[int, int]]) -> list[Rung]:
    """Rungs at or below the source's short side (no upscaling), sized to
    keep the aspect ratio with even dimensions. A portrait video's rung
    "720" is 720 wide. A source smaller than every rung gets one rung at its
    own size, with the smallest rung's bitrate scaled to its area."""
    short = min(width, height)
    portrait = height > width
    chosen = [(h, kbps) for h, kbps in sorted(ladder) if h <= short]
    if not chosen:
        smallest_h, smallest_kbps = min(ladder)
        chosen = [(even(short) if short % 2 else short, max(64, int(smallest_kbps * (short / smallest_h) ** 2)))]
    rungs = []
    for h, kbps in chosen:
        if portrait:
            w_out, h_out = even(h), even(height * h / width)
        else:
            w_out, h_out = even(width * h / height), even(h)
        rungs.append(Rung(name=f"v{h}", width=w_out, height=h_out, bitrate=kbps * 1000))
    return rungs


def gop_frames(fps: Fraction, keyframe_seconds: int) -> int:
    return max(1, int(round(fps * keyframe_seconds)))


def chunk_plan(*, total_frames: int, gop: int, segment_seconds: int, keyframe_seconds: int,
               chunk_seconds: int, min_chunks: int = 1) -> list[PlannedChunk]:
    """Cut [0, total_frames) into chunks that are whole segments long
    (so whole GOPs). Chunks are ``chunk_seconds`` long at most, and shorter
    for short titles so that there are at least ``min_chunks`` of them and
    every worker gets a share. The last chunk takes the remainder; a
    remainder shorter than one segment joins the chunk before it."""
    gops_per_segment = max(1, round(segment_seconds / keyframe_seconds))
    segment_frames = gop * gops_per_segment
    segments_per_chunk = max(1, round(chunk_seconds / segment_seconds))
    total_segments = total_frames // segment_frames
    if min_chunks > 1 and total_segments:
        segments_per_chunk = max(1, min(segments_per_chunk, total_segments // min_chunks))
    step = segment_frames * segments_per_chunk
    starts = list(range(0, total_frames, step))
    if len(starts) > 1 and total_frames - starts[-1] < segment_frames:
        starts.pop()
    ends = starts[1:] + [total_frames]
    return [PlannedChunk(index=i, start_frame=s, end_frame=e)
            for i, (s, e) in enumerate(zip(starts, ends, strict=True))]


def output_frames(*, source_frames: int, duration: float, source_fps: Fraction, fps: Fraction) -> int:
    """How many frames the constant-rate output has: the source's count when
    the rate is kept, otherwise the duration at the new rate."""
    if fps == source_fps:
        return source_frames
    return max(1, int(round(duration * fps)))


def avc_codecs(profile: str, level: int) -> str:
    """'High', 31 -> 'avc1.64001f' (RFC 6381)."""
    profile_idc = {"baseline": 66, "constrained baseline": 66, "main": 77, "high": 100}.get(profile.lower(), 100)
    constraints = 0x40 if profile.lower() == "constrained baseline" else 0
    return f"avc1.{profile_idc:02x}{constraints:02x}{level:02x}"
