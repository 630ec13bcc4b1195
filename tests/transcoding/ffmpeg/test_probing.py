"""How the probe reads a source's timing from its packets' timestamps
(``_scan_figures``, ``_variable_rate``), on made-up timestamp lists: the
cases real files are too slow or too rare to build in a test."""
from __future__ import annotations

from array import array
from fractions import Fraction

import pytest

from transcoding.ffmpeg import MediaError, ffprobe_bin
from transcoding.ffmpeg.probing import _scan_figures, _variable_rate, packet_scan


def judge(stamps: list[int], *, time_base: str, r_frame_rate: str = "0/0", average: Fraction = Fraction(30)):
    scan = _scan_figures(len(stamps), array("q", stamps))
    return _variable_rate({"time_base": time_base, "r_frame_rate": r_frame_rate}, scan, average)


def steady(rate_ms: float, count: int, start: float = 0.0) -> list[int]:
    """Millisecond timestamps of ``count`` frames at ``1000/rate_ms`` fps, as Matroska rounds them."""
    return [round(start + i * rate_ms) for i in range(count)]


def test_constant_rate_with_millisecond_jitter_is_not_variable():
    assert judge(steady(1000 / 30, 300), time_base="1/1000", r_frame_rate="30/1") == (False, Fraction(30))
    assert judge(steady(1001 / 30, 300), time_base="1/1000")[0] is False  # 29.97


def test_b_frame_order_does_not_matter():
    stamps = steady(1000 / 30, 90)
    reordered = [stamps[i + d] for i in range(0, 87, 3) for d in (0, 2, 1)]
    assert judge(reordered, time_base="1/1000") == judge(stamps[:87], time_base="1/1000")


def test_one_early_frame_is_a_glitch_not_a_rate():
    stamps = steady(1000 / 30, 300)
    stamps[150] = stamps[149] + 2  # stamped 2 ms after the one before
    assert judge(stamps, time_base="1/1000")[0] is False


def test_a_60_fps_burst_in_millisecond_timestamps_is_encoded_at_60():
    slow = steady(1000 / 24, 48)
    fast = steady(1000 / 60, 120, start=2000)
    assert judge(slow + fast + steady(1000 / 24, 48, start=4000), time_base="1/1000",
                 r_frame_rate="60/1") == (True, Fraction(60))
    # Without a usable r_frame_rate: the first whole rate at or above the burst.
    assert judge(slow + fast, time_base="1/1000", r_frame_rate="0/0") == (True, Fraction(60))


def test_an_ntsc_burst_keeps_the_container_s_exact_rate():
    stamps = [i * 1001 for i in range(0, 100, 2)] + [100 * 1001 + i * 1001 for i in range(100)]  # 29.97 then 59.94
    assert judge(stamps, time_base="1/60000", r_frame_rate="60000/1001") == (True, Fraction(60000, 1001))


@pytest.mark.parametrize("r_frame_rate", ["120/1", "90000/1"])
def test_a_phone_s_far_higher_base_rate_is_not_used(r_frame_rate):
    """A clip between 15 and 30 fps whose container states 120 or its time base."""
    stamps = steady(1000 / 15, 30) + steady(1000 / 30, 60, start=2000)
    assert judge(stamps, time_base="1/1000", r_frame_rate=r_frame_rate) == (True, Fraction(30))


def test_too_few_frames_to_judge():
    assert judge([0, 40, 50], time_base="1/1000")[0] is False
    assert judge([0], time_base="1/1000")[0] is False
    assert judge([], time_base="1/1000")[0] is False


def test_the_scan_reports_ffprobe_s_error_and_is_killed_when_too_slow(tmp_path):
    with pytest.raises(MediaError):
        packet_scan([ffprobe_bin(), "-v", "error", "-show_entries", "packet=pts,dts", "-of", "csv=p=0",
                     str(tmp_path / "missing.mp4")], timeout=30)
    with pytest.raises(MediaError, match="took too long"):
        packet_scan(["sleep", "5"], timeout=0.2)
