"""The default ladders are data; check they are the tables they claim to be
and that the AV1 ladder keeps the measured saving over H.264."""
from __future__ import annotations

from transcoding.ladders import (
    APPLE_H264_LADDER,
    APPLE_HEVC_LADDER,
    AV1_LADDER,
    AV1_VS_APPLE_HEVC,
    LADDERS,
    LadderRung,
)


def _by_height(ladder: tuple[LadderRung, ...]) -> dict[int, int]:
    """Lowest bitrate per height."""
    out: dict[int, int] = {}
    for r in ladder:
        out[r.height] = min(out.get(r.height, r.kbps), r.kbps)
    return out


def test_tables_are_ordered_16_by_9_and_even():
    for codec, ladder in LADDERS.items():
        assert list(ladder) == sorted(ladder, key=lambda r: (r.height, r.kbps)), codec
        for r in ladder:
            assert r.width % 2 == 0 and r.height % 2 == 0
            assert abs(r.width / r.height - 16 / 9) < 0.01


def test_apple_tables():
    assert [(r.width, r.height, r.kbps) for r in APPLE_H264_LADDER][::4] == [(416, 234, 145), (960, 540, 2000), (1920, 1080, 7800)]
    assert APPLE_HEVC_LADDER[-1] == LadderRung(3840, 2160, 16800)
    assert APPLE_HEVC_LADDER[0] == LadderRung(640, 360, 145, 30)
    assert sum(r.max_fps == 30 for r in APPLE_HEVC_LADDER) == 4   # Apple: "<= 30 fps" for the four lowest


def test_av1_ladder_is_the_hevc_table_scaled_and_saves_30_percent_over_h264():
    assert [(r.width, r.height, r.max_fps) for r in AV1_LADDER] == [(r.width, r.height, r.max_fps) for r in APPLE_HEVC_LADDER]
    for av1, hevc in zip(AV1_LADDER, APPLE_HEVC_LADDER, strict=True):
        assert abs(av1.kbps - hevc.kbps * AV1_VS_APPLE_HEVC) <= 5
    h264, av1 = _by_height(APPLE_H264_LADDER), _by_height(AV1_LADDER)
    for height in (720, 1080):
        assert av1[height] <= 0.7 * h264[height]
