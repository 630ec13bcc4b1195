"""The planning rules, on plain numbers."""
from fractions import Fraction
from itertools import pairwise

from transcoding.ladder import DEFAULT_RUNGS, chunk_plan, output_fps, rungs_for

APPLE_LADDER = DEFAULT_RUNGS["h264"]


def test_no_rung_above_the_source():
    assert [r.name for r in rungs_for(width=1280, height=720, ladder=APPLE_LADDER)] == [
        "v234", "v360", "v432", "v540", "v720"]


def test_small_source_gets_one_rung_at_its_own_size():
    (rung,) = rungs_for(width=320, height=180, ladder=APPLE_LADDER)
    assert (rung.width, rung.height) == (320, 180) and rung.bitrate < 145_000


def test_fps_is_capped_by_an_even_divisor():
    assert output_fps(Fraction(120), 60) == 60
    assert output_fps(Fraction(30000, 1001), 60) == Fraction(30000, 1001)
    assert output_fps(Fraction(100), 60) == 50


def test_chunks_are_whole_segments_and_cover_every_frame():
    plan = chunk_plan(total_frames=30 * 125, gop=60, segment_seconds=6, keyframe_seconds=2, chunk_seconds=36)
    assert plan[0].start_frame == 0 and plan[-1].end_frame == 30 * 125
    assert all(a.end_frame == b.start_frame for a, b in pairwise(plan))
    assert all((c.start_frame % 180) == 0 for c in plan)
    assert [c.end_frame - c.start_frame for c in plan[:-1]] == [1080] * (len(plan) - 1)


def test_short_titles_are_cut_finer_so_every_worker_gets_work():
    plan = chunk_plan(total_frames=30 * 60, gop=60, segment_seconds=6, keyframe_seconds=2,
                      chunk_seconds=36, min_chunks=4)
    assert [c.end_frame - c.start_frame for c in plan] == [360] * 5


def test_a_tail_shorter_than_a_segment_joins_the_last_chunk():
    plan = chunk_plan(total_frames=30 * 37, gop=60, segment_seconds=6, keyframe_seconds=2, chunk_seconds=36)
    assert len(plan) == 1 and plan[0].end_frame == 1110


def test_other_codecs_rungs_live_in_their_own_folders_and_reach_2160p_without_upscaling():
    assert [r.name for r in rungs_for(width=3840, height=2160, ladder=DEFAULT_RUNGS["av1"], codec="av1")][-3:] == [
        "av1/v1080", "av1/v1440", "av1/v2160"]
    assert [r.name for r in rungs_for(width=2560, height=1440, ladder=DEFAULT_RUNGS["hevc"], codec="hevc")][-2:] == [
        "hevc/v1080", "hevc/v1440"]
    assert max(r.height for r in rungs_for(width=1920, height=1080, ladder=DEFAULT_RUNGS["hevc"], codec="hevc")) == 1080
