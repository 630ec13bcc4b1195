"""Default bitrate ladders per codec, as data (average video kb/s per rung).

H.264 and HEVC are Apple's tables, "HTTP Live Streaming (HLS) authoring
specification for Apple devices", rule 1.25 ("one possible set of bit rate
variants"), https://developer.apple.com/documentation/http-live-streaming/
hls-authoring-specification-for-apple-devices (16:9, SDR, 8-bit; the HEVC
column is "HEVC/H.265 30 fps", Apple's HDR column is not used here).
Rungs Apple marks "<= 30 fps" are capped at 30 fps (``max_fps``); the others
keep the source's rate.

AV1 has no Apple table. Its figures are the HEVC table's rungs with the
bitrates scaled by a measured factor (bench/codec_quality.py, see
AV1_VS_APPLE_HEVC): about 32-34% fewer bits than H.264 at 720p/1080p.
"""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["LadderRung", "APPLE_H264_LADDER", "APPLE_HEVC_LADDER", "AV1_LADDER", "LADDERS", "AV1_VS_APPLE_HEVC"]


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
