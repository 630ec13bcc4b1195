"""Ladders: the default rungs per codec (data) and the planning rules
(which rungs a source gets, at what frame rate, cut how). The one place
ladders live: profiles are seeded from ``DEFAULT_RUNGS``, jobs are planned
with ``rungs_for``/``chunk_plan``.

Planning is pure functions over plain data, so the rules are easy to test
and to read. All timing is in output frames: the keyframe interval (GOP),
segments and chunks are whole multiples of each other, so every rung of
every codec starts its segments at the same instants and every chunk
starts on a keyframe."""
from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

AUDIO_CODECS = "mp4a.40.2"
# Codecs in the order players should prefer them where they decode them:
# AV1 saves the most bits, HEVC next, H.264 plays everywhere.
CODEC_PREFERENCE = ("av1", "hevc", "h264")
CODEC_LABELS = {"h264": "H.264", "hevc": "HEVC", "av1": "AV1"}

# --- Published tables and measurements ----------------------------------------------
#
# The published tables (average video kb/s per rung) the defaults come from.
#
# H.264 and HEVC are Apple's tables, "HTTP Live Streaming (HLS) authoring
# specification for Apple devices", rule 1.25 ("one possible set of bit rate
# variants"), https://developer.apple.com/documentation/http-live-streaming/
# hls-authoring-specification-for-apple-devices (16:9, SDR, 8-bit; the HEVC
# column is "HEVC/H.265 30 fps", Apple's HDR column is not used here).
# Rungs Apple marks "<= 30 fps" are capped at 30 fps (``max_fps``); the others
# keep the source's rate.
#
# AV1 has no Apple table. Its figures are the HEVC table's rungs with the
# bitrates scaled by a measured factor (bench/codec_quality.py, see
# AV1_VS_APPLE_HEVC): about 32-34% fewer bits than H.264 at 720p/1080p.


@dataclass(frozen=True)
class LadderRung:
    width: int
    height: int
    kbps: int                   # average video bitrate
    max_fps: int | None = None  # None: same as source

    @property
    def bitrate(self) -> int:
        return self.kbps * 1000


# Apple rule 1.25, H.264/AVC column.
APPLE_H264_LADDER: tuple[LadderRung, ...] = (
    LadderRung(416, 234, 145, 30),
    LadderRung(640, 360, 365, 30),
    LadderRung(768, 432, 730, 30),
    LadderRung(768, 432, 1100, 30),
    LadderRung(960, 540, 2000),
    LadderRung(1280, 720, 3000),
    LadderRung(1280, 720, 4500),
    LadderRung(1920, 1080, 6000),
    LadderRung(1920, 1080, 7800),
)

# Apple rule 1.25, "HEVC/H.265 30 fps" column (SDR); reaches 2160p.
APPLE_HEVC_LADDER: tuple[LadderRung, ...] = (
    LadderRung(640, 360, 145, 30),
    LadderRung(768, 432, 300, 30),
    LadderRung(960, 540, 600, 30),
    LadderRung(960, 540, 900, 30),
    LadderRung(960, 540, 1600),
    LadderRung(1280, 720, 2400),
    LadderRung(1280, 720, 3400),
    LadderRung(1920, 1080, 4500),
    LadderRung(1920, 1080, 5800),
    LadderRung(2560, 1440, 8100),
    LadderRung(3840, 2160, 11600),
    LadderRung(3840, 2160, 16800),
)

# AV1 = Apple's HEVC table scaled by AV1_VS_APPLE_HEVC, from a measurement
# (bench/codec_quality.py --source pan --seconds 3, raw figures in
# bench/results/codec_quality-pan.json): the AV1 bitrate whose PSNR-Y equals
# H.264's at Apple's H.264 rung, production options, presets x264 veryfast,
# SVT-AV1 8 (x265 fast for the HEVC column):
#
#   rung   codec  written kb/s  PSNR-Y  SSIM-Y  bits/H.264 (at equal PSNR-Y)
#   720p   h264       2633      41.33   0.9749  1
#          hevc       1858      41.14   0.9729  0.706 (0.735)
#          av1        1811      41.41   0.9743  0.688 (0.677)
#   1080p  h264       5609      43.28   0.9715  1
#          hevc       5817      43.35   0.9703  1.037 (1.018); x265 medium: 0.931 (0.918)
#          av1        3593      43.17   0.9692  0.641 (0.660)
#
# AV1 needed 0.677 (720p) and 0.660 (1080p) of H.264's bits; Apple's HEVC
# column is 0.80 (2400/3000) and 0.75 (4500/6000) of its H.264 column at the
# same rungs, so AV1 = 0.846 and 0.880 of Apple's HEVC figures: 0.86. x265
# itself did not reach Apple's HEVC saving on this clip (psy-rd costs PSNR),
# so the AV1 figures are tied to the measured H.264 ratio, not to x265.
# Below 720p the factor is an extrapolation (not measured).
AV1_VS_APPLE_HEVC = 0.86


def _scaled(ladder: tuple[LadderRung, ...], factor: float) -> tuple[LadderRung, ...]:
    """Same rungs, bitrates times ``factor`` rounded to 10 kb/s."""
    return tuple(LadderRung(r.width, r.height, max(10, int(round(r.kbps * factor / 10.0)) * 10), r.max_fps)
                 for r in ladder)


AV1_LADDER: tuple[LadderRung, ...] = _scaled(APPLE_HEVC_LADDER, AV1_VS_APPLE_HEVC)

LADDERS: dict[str, tuple[LadderRung, ...]] = {
    "h264": APPLE_H264_LADDER,
    "hevc": APPLE_HEVC_LADDER,
    "av1": AV1_LADDER,
}

# --- What a new encoding profile gets --------------------------------------------------
#
# One rung per height and codec: a rung lives in the folder ``v<height>``
# (``<codec>/v<height>`` beside H.264) and edges refuse a plan's rungs by
# that height, so two rungs of one height and codec cannot coexist. Staff
# edit these per profile in the admin; rungs above the source are skipped.
#
# H.264: Apple's column, one rung per height (the ladder the pipeline has
#   shipped and been measured with).
# AV1 (SVT-AV1 preset 8): H.264's rungs at 0.67 of the bits, the measured
#   equal-PSNR-Y ratio (0.677 at 720p, 0.660 at 1080p; an extrapolation
#   below 720p), plus 1440p and 2160p from Apple's HEVC column scaled by
#   AV1_VS_APPLE_HEVC (the same factor reproduces the measured ratio at
#   720p and 1080p), so a 4K source gets 4K in AV1.
# HEVC (x265 medium): at 1080p x265 needed 1.04x H.264's bits at preset fast
#   and 0.92x at medium, so Apple's 0.75x rung (4500) would look worse than
#   H.264; the default is Apple's second 1080p rung, 5800 (0.97x), at preset
#   medium. 720p (measured 0.71x at fast) and 540p keep Apple's 2400 and
#   1600 (0.80x); 360p and 432p, where Apple's HEVC rows are <= 30 fps
#   cellular rungs far below the H.264 ones, get 0.80x the H.264 rung (Apple's
#   own ratio at 540p and 720p); 1440p and 2160p are Apple's. No 234p rung:
#   Apple's HEVC column starts at 360p.
AV1_VS_H264 = 0.67
HEVC_VS_H264_LOW = 0.80


def _kbps(value: float) -> int:
    return max(10, int(round(value / 10.0)) * 10)


H264_DEFAULT: tuple[tuple[int, int], ...] = ((234, 145), (360, 365), (432, 1100), (540, 2000), (720, 3000),
                                             (1080, 6000))
DEFAULT_RUNGS: dict[str, tuple[tuple[int, int], ...]] = {
    "h264": H264_DEFAULT,
    "av1": tuple((h, _kbps(k * AV1_VS_H264)) for h, k in H264_DEFAULT)
    + ((1440, _kbps(8100 * AV1_VS_APPLE_HEVC)), (2160, _kbps(11600 * AV1_VS_APPLE_HEVC))),
    "hevc": tuple((h, _kbps(k * HEVC_VS_H264_LOW)) for h, k in H264_DEFAULT if h in (360, 432))
    + ((540, 1600), (720, 2400), (1080, 5800), (1440, 8100), (2160, 11600)),
}
# Presets (transcoding.ffmpeg.encoders.CODECS): x264 veryfast (today's
# pipeline); SVT-AV1 8, the preset the AV1 bitrates were measured at; x265
# medium, see above.
# Which codecs a new default profile encodes, and why (README, "Codecs"):
# H.264 always (every device, and what makes a title playable); AV1 on: about
# a third fewer bits for every session that decodes it, bought once per
# title at roughly 5x H.264's encode CPU; HEVC off: at the preset where it
# saves bits it costs the most, and the devices that need it (Safari, Apple
# TVs) play H.264 too. Turn it on per profile, e.g. for 4K titles.
DEFAULT_CODECS = {"h264": True, "av1": True, "hevc": False}


def rung_folder(codec: str, height: int) -> str:
    """``v720`` for H.264 (the layout every ladder had before other codecs),
    ``av1/v720``, ``hevc/v720``: the rung's folder under the video's ladder,
    its Rendition name, and its HLS STABLE-VARIANT-ID."""
    return f"v{height}" if codec == "h264" else f"{codec}/v{height}"


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


def rungs_for(*, width: int, height: int, ladder: list[tuple[int, int]] | tuple[tuple[int, int], ...],
              codec: str = "h264") -> list[Rung]:
    """Rungs at or below the source's short side (no upscaling), sized to
    keep the aspect ratio with even dimensions. A portrait video's rung
    "720" is 720 wide. A source smaller than every rung gets one rung at its
    own size, with the smallest rung's bitrate scaled to its area. Names are
    the rungs' folders (``rung_folder``)."""
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
        rungs.append(Rung(name=rung_folder(codec, h), width=w_out, height=h_out, bitrate=kbps * 1000))
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


def output_frames(*, source_frames: int, duration: float, source_fps: Fraction, fps: Fraction,
                  constant: bool = True) -> int:
    """How many frames the constant-rate output has: the source's count when
    a constant rate is kept, otherwise the duration at the new rate (a
    variable-rate source's frames do not come at ``source_fps``)."""
    if constant and fps == source_fps:
        return source_frames
    return max(1, int(round(duration * fps)))

