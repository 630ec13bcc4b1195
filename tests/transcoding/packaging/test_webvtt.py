"""Segmented WebVTT for HLS: what each segment holds, what the playlist
says, where hls.js will put each cue, and whether ffmpeg agrees."""
from __future__ import annotations

import math
import subprocess
from pathlib import Path

import pytest

from catalog.subtitles import Cue, subtitle_file_read
from transcoding.packaging.webvtt import (
    segment_spans,
    timestamp_map_line,
    webvtt_playlist_render,
    webvtt_segments_render,
)

CUES = [
    Cue(500, 2000, ("Opening",)),
    Cue(5500, 6500, ("Across the first boundary",), "across", "line:0"),
    Cue(6000, 7000, ("Starts on the boundary",)),
    Cue(10000, 12000, ("Ends on the boundary",)),
    Cue(11000, 19000, ("Spans three segments",)),
    Cue(30000, 31000, ("After the end",)),
]
HEADER = "WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:90000,LOCAL:00:00:00.000\n"


def render(cues=CUES, **kwargs) -> dict[str, str]:
    args = {"segment_seconds": 6, "duration": 20.5, "offset_seconds": 1.0} | kwargs
    return dict(webvtt_segments_render(cues, **args))


def cue_times(segment: str) -> list[tuple[str, str]]:
    return [tuple(line.split(" ")[0:3:2]) for line in segment.split("\n") if "-->" in line]


def ms(stamp: str) -> int:
    hours, minutes, seconds = stamp.split(":")
    return round((int(hours) * 3600 + int(minutes) * 60 + float(seconds)) * 1000)


def ffmpeg(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["ffmpeg", "-nostdin", "-hide_banner", "-v", "error", "-y", *args],
                          capture_output=True, text=True, timeout=60)


def test_every_segment_starts_with_the_header_and_the_map():
    segments = render()
    assert list(segments) == ["seg_00000.vtt", "seg_00001.vtt", "seg_00002.vtt", "seg_00003.vtt"]
    assert all(text.startswith(HEADER) for text in segments.values())


def test_cues_go_to_every_segment_they_overlap_with_their_film_times():
    segments = render()
    assert cue_times(segments["seg_00000.vtt"]) == [("00:00:00.500", "00:00:02.000"), ("00:00:05.500", "00:00:06.500")]
    assert cue_times(segments["seg_00001.vtt"]) == [
        ("00:00:05.500", "00:00:06.500"), ("00:00:06.000", "00:00:07.000"),
        ("00:00:10.000", "00:00:12.000"), ("00:00:11.000", "00:00:19.000"),
    ]
    assert cue_times(segments["seg_00002.vtt"]) == [("00:00:11.000", "00:00:19.000")]
    assert cue_times(segments["seg_00003.vtt"]) == [("00:00:11.000", "00:00:19.000")]
    assert "across\n00:00:05.500 --> 00:00:06.500 line:0\nAcross the first boundary\n" in segments["seg_00001.vtt"]
    assert not any("After the end" in text for text in segments.values())


def test_a_segment_without_cues_is_still_written():
    segments = render([Cue(500, 1000, ("Only",))], duration=13)
    assert segments["seg_00001.vtt"] == HEADER + "\n"
    assert segments["seg_00002.vtt"] == HEADER + "\n"


def test_the_map_carries_the_offset_in_90khz_ticks():
    assert timestamp_map_line(0) == "X-TIMESTAMP-MAP=MPEGTS:0,LOCAL:00:00:00.000"
    assert timestamp_map_line(0.066016) == "X-TIMESTAMP-MAP=MPEGTS:5941,LOCAL:00:00:00.000"
    assert timestamp_map_line(1.0) == "X-TIMESTAMP-MAP=MPEGTS:90000,LOCAL:00:00:00.000"


@pytest.mark.parametrize("kwargs, words", [
    ({"offset_seconds": -1.0}, "offset"),
    ({"offset_seconds": 27 * 3600.0}, "offset"),
    ({"offset_seconds": math.nan}, "offset"),
    ({"segment_seconds": 0}, "segment duration"),
    ({"duration": -3}, "video duration"),
])
def test_impossible_arguments_are_refused(kwargs, words):
    with pytest.raises(ValueError, match=words):
        render(**kwargs)


def test_playlist():
    assert webvtt_playlist_render(segment_seconds=6, duration=20.5) == (
        "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:6\n#EXT-X-MEDIA-SEQUENCE:0\n"
        "#EXT-X-PLAYLIST-TYPE:VOD\n"
        "#EXTINF:6.000,\nseg_00000.vtt\n#EXTINF:6.000,\nseg_00001.vtt\n"
        "#EXTINF:6.000,\nseg_00002.vtt\n#EXTINF:2.500,\nseg_00003.vtt\n"
        "#EXT-X-ENDLIST\n"
    )


def test_playlist_target_duration_rounds_up_and_lists_every_segment():
    playlist = webvtt_playlist_render(segment_seconds=6.5, duration=13.01)
    assert "#EXT-X-TARGETDURATION:7\n" in playlist
    names = [line for line in playlist.split("\n") if line.endswith(".vtt")]
    assert names == [name for name, _ in webvtt_segments_render(
        CUES, segment_seconds=6.5, duration=13.01, offset_seconds=1)]
    assert sum(s.seconds for s in segment_spans(segment_seconds=6.5, duration=13.01)) == pytest.approx(13.01)


# --- where hls.js 1.7.4 puts a cue ----------------------------------------------------


def hlsjs_cue_times(segment: str, init_base_time: int, timescale: int) -> list[tuple[float, float]]:
    """src/utils/webvtt-parser.ts 64-113 (vendored hls.js 1.7.4) for the
    first discontinuity, in Python: cue start and end in media-element time."""
    header, _, body = segment.partition("\n\n")
    mpegts, local = 0, 0.0
    for line in header.split("\n"):
        if line.startswith("X-TIMESTAMP-MAP="):
            for part in line[16:].split(","):
                if part.startswith("MPEGTS:"):
                    mpegts = int(part[7:])
                elif part.startswith("LOCAL:"):
                    h, m, s = part[6:].split(":")
                    local = int(h) * 3600 + int(m) * 60 + float(s)
    init_90khz = init_base_time * 90000 / timescale
    map_offset = (mpegts - init_90khz) / 90000
    cue_offset = map_offset if map_offset else 0.0
    out = []
    for start, end in cue_times(body):
        shown = ms(start) / 1000 + cue_offset - local
        out.append((max(shown, 0.0), max(shown + (ms(end) - ms(start)) / 1000, 0.0)))
    return out


@pytest.mark.parametrize("case, init_base_time, timescale, offset", [
    ("MPEG-TS video, first PTS 1 s", 90000, 90000, 1.0),
    ("fMP4 as the pipeline packages it now: tfdt 0, first frame at 1024/15360 s", 0, 15360, 1024 / 15360),
    ("fMP4 keeping the 1 s offset: tfdt after a 2-frame B-frame delay", 14336, 15360, 1.0),
])
def test_hlsjs_shows_film_time_t_with_the_video_frame_at_t_plus_offset(case, init_base_time, timescale, offset):
    film_cues = [Cue(500, 2000, ("a",)), Cue(5500, 6500, ("b",)), Cue(61000, 62000, ("c",))]
    segments = webvtt_segments_render(film_cues, segment_seconds=6, duration=70, offset_seconds=offset)
    init_seconds = init_base_time / timescale
    seen: dict[float, set[tuple[float, float]]] = {}
    for _, text in segments:
        for start, end in hlsjs_cue_times(text, init_base_time, timescale):
            seen.setdefault(start, set()).add((round(start, 6), round(end, 6)))
    # hls.js sets SourceBuffer.timestampOffset = -initPTS, so the frame at
    # media time t + offset plays at t + offset - initPTS.
    expected = [(c.start_ms / 1000 + offset - init_seconds, c.end_ms / 1000 + offset - init_seconds)
                for c in film_cues]
    assert sorted(seen) == pytest.approx([s for s, _ in expected], abs=1 / 90000)
    assert all(len(v) == 1 for v in seen.values()), "a repeated cue must get the same times in every segment"


# --- ffmpeg -------------------------------------------------------------------------


def write(folder: Path, cues, **kwargs) -> dict[str, str]:
    segments = render(cues, **kwargs)
    for name, text in segments.items():
        (folder / name).write_text(text, encoding="utf-8")
    playlist = webvtt_playlist_render(segment_seconds=6, duration=kwargs.get("duration", 20.5))
    (folder / "index.m3u8").write_text(playlist, encoding="utf-8")
    return segments


def test_ffmpeg_reads_every_segment_at_film_time(tmp_path: Path):
    segments = write(tmp_path, CUES)
    for name, text in segments.items():
        decoded = ffmpeg("-i", str(tmp_path / name), "-map", "0", "-c:s", "ass", "-f", "null", "-")
        assert (decoded.returncode, decoded.stderr) == (0, ""), name
        if not cue_times(text):
            continue
        srt = tmp_path / (name + ".srt")
        assert ffmpeg("-i", str(tmp_path / name), str(srt)).returncode == 0
        back = subtitle_file_read(srt.read_bytes(), filename=srt.name)
        assert [(c.start_ms, c.end_ms) for c in back.cues] == [(ms(a), ms(b)) for a, b in cue_times(text)]


def test_ffmpeg_reads_the_subtitle_playlist_as_the_original_cues(tmp_path: Path):
    write(tmp_path, CUES)
    out = tmp_path / "all.srt"
    result = ffmpeg("-i", str(tmp_path / "index.m3u8"), "-map", "0", str(out))
    assert result.returncode == 0, result.stderr
    back = subtitle_file_read(out.read_bytes(), filename="all.srt")
    assert [(c.start_ms, c.end_ms, c.lines) for c in back.cues] == [
        (c.start_ms, c.end_ms, c.lines) for c in CUES if c.start_ms < 20500
    ]
