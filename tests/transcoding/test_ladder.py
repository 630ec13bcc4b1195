"""The planning rules, on plain numbers."""
from fractions import Fraction
from itertools import pairwise

from transcoding.ladder import APPLE_LADDER, avc_codecs, chunk_plan, output_fps, rungs_for


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


def test_codecs_string():
    assert avc_codecs("High", 31) == "avc1.64001f"
    assert avc_codecs("Constrained Baseline", 30) == "avc1.42401e"
