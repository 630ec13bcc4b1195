"""What the probe says of a source's audio and subtitle streams (ffprobe's
answer for a Blu-ray remux: ten audio streams, PGS and SubRip subtitles),
and what the pipeline makes of it: the first TRANSCODE_MAX_AUDIO_TRACKS
audio streams kept, the rest listed as skipped; text subtitles used,
bitmap ones listed as not supported, none dropped silently."""
from __future__ import annotations

import pytest

from catalog.models import AudioTrack, TextTrack
from tests.factories import video_make
from transcoding.ffmpeg.probing import _source_info
from transcoding.services.tracks import audio_tracks_plan, subtitles_extract

LANGS = ["eng", "ger", "fre", "spa", "ita", "jpn", "por", "rus", "pol", "tur"]


def _ffprobe() -> dict:
    video = {"index": 0, "codec_type": "video", "codec_name": "h264", "width": 1920, "height": 1080,
             "avg_frame_rate": "24000/1001", "duration": "60.0", "nb_frames": "1438"}
    audio = [{"index": 1 + i, "codec_type": "audio", "codec_name": "ac3", "channels": 6,
              "disposition": {"default": int(i == 0), "visual_impaired": int(i == 9)},
              "tags": {"language": lang, "title": "Audio Description" if i == 9 else f"{lang} 5.1"}}
             for i, lang in enumerate(LANGS)]
    subs = [
        {"index": 11, "codec_type": "subtitle", "codec_name": "hdmv_pgs_subtitle", "tags": {"language": "eng"}},
        {"index": 12, "codec_type": "subtitle", "codec_name": "subrip",
         "disposition": {"forced": 1}, "tags": {"language": "ger", "title": "Forced"}},
        {"index": 13, "codec_type": "subtitle", "codec_name": "dvd_subtitle", "tags": {"language": "fre"}},
        {"index": 14, "codec_type": "subtitle", "codec_name": "ass",
         "disposition": {"hearing_impaired": 1}, "tags": {"language": "eng", "title": "SDH"}},
    ]
    return {"streams": [video, *audio, *subs], "format": {"format_name": "matroska,webm", "duration": "60.0"}}


def test_probe_lists_every_audio_and_subtitle_stream():
    info = _source_info(_ffprobe())
    assert [s["language"] for s in info.audio_streams] == LANGS
    assert info.audio_streams[0]["default"] and info.audio_streams[9]["described"]
    assert [(s["codec"], s["text"], s["forced"], s["hearing_impaired"]) for s in info.subtitle_streams] == [
        ("hdmv_pgs_subtitle", False, False, False), ("subrip", True, True, False),
        ("dvd_subtitle", False, False, False), ("ass", True, False, True)]


@pytest.mark.django_db
def test_pipeline_keeps_the_first_eight_and_reports_bitmap_subtitles(settings):
    settings.TRANSCODE_MAX_AUDIO_TRACKS = 8
    video = video_make(duration=60)
    info = _source_info(_ffprobe())
    plan = audio_tracks_plan(video=video, info=info)
    assert [p["language"] for p in plan] == ["en", "de", "fr", "es", "it", "ja", "pt", "ru"]
    assert [p["name"] for p in plan][:3] == ["audio", "audio2", "audio3"] and plan[0]["default"]
    skipped = AudioTrack.objects.filter(video=video, status=AudioTrack.Status.SKIPPED)
    assert [t.language for t in skipped] == ["pl", "tr"] and "first 8" in skipped[0].error
    # Only the bitmap streams here (the text ones need the real file: tests/transcoding/services/test_pipeline_tracks.py).
    subtitles_extract(video=video, streams=[s for s in info.subtitle_streams if not s["text"]])
    unsupported = TextTrack.objects.filter(video=video, status=TextTrack.Status.UNSUPPORTED).order_by("stream_index")
    assert [(t.stream_index, t.language, t.codec_name) for t in unsupported] == [
        (11, "en", "hdmv_pgs_subtitle"), (13, "fr", "dvd_subtitle")]
    assert "PGS (Blu-ray)" in unsupported[0].error and "SRT or WebVTT" in unsupported[0].error
