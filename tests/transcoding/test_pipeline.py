"""The real pipeline on real clips: what comes out must be a correct ABR
package, whatever the storage (local, or S3 in CI's second pass). These
clips are encoded to H.264 alone (the ``fast_profile``); every codec at
once: tests/transcoding/test_multicodec.py, with the same checks."""
from __future__ import annotations

import json
import subprocess
from fractions import Fraction
from itertools import pairwise
from pathlib import Path

import m3u8
import pytest
from django.core.files.storage import default_storage

from catalog.models import Video, ladder_prefix
from transcoding import ffmpeg
from transcoding.models import Chunk, Rendition, TranscodeJob
from transcoding.packaging import codecs_from_init, media_playlist_read


def download_package(video: Video, dest: Path) -> Path:
    """Copy every stored object of the video's package to a local folder."""
    prefix = ladder_prefix(video.public_id)
    stack = [""]
    while stack:
        rel = stack.pop()
        dirs, files = default_storage.listdir(f"{prefix}/{rel}".rstrip("/"))
        for name in files:
            target = dest / rel / name
            target.parent.mkdir(parents=True, exist_ok=True)
            with default_storage.open(f"{prefix}/{rel}{name}", "rb") as fh:
                target.write_bytes(fh.read())
        stack.extend(f"{rel}{d}/" for d in dirs)
    return dest


def source_frames(path: Path) -> list[ffmpeg.Frame]:
    return ffmpeg.frames(path)


def rung_frames(folder: Path) -> list[ffmpeg.Frame]:
    return ffmpeg.frames(folder / "index.m3u8", demuxers=ffmpeg.PLAYLIST_DEMUXERS)


def segment_start_times(folder: Path) -> list[float]:
    """Presentation time of the first frame of every segment (init + segment)."""
    starts = []
    figures = media_playlist_read(folder)
    init = (folder / figures.init_uri).read_bytes()
    for seg in figures.segments:
        joined = folder / f"joined-{seg.uri}.mp4"
        joined.write_bytes(init + (folder / seg.uri).read_bytes())
        frames = ffmpeg.frames(joined, demuxers=ffmpeg.PACKAGE_DEMUXERS)
        assert frames[0].key, f"{folder.name}/{seg.uri} does not start with a keyframe"
        starts.append(round(frames[0].pts, 3))
    return starts


SAMPLE_ENTRY = {"h264": "avc1.64", "av1": "av01.", "hevc": "hvc1."}


def codec_of(uri: str) -> str:
    """The codec of a variant from its folder: v720/ is H.264, av1/v720/ AV1..."""
    first = Path(uri).parts[0]
    return first if first in ("av1", "hevc") else "h264"


def planned_rungs(job: TranscodeJob) -> int:
    done = set(job.ladders.filter(status="done").values_list("codec", flat=True))
    return sum(len(spec["rungs"]) for codec, spec in job.plan["ladders"].items() if codec in done)


def assert_package_is_correct(job: TranscodeJob, source: Path, out: Path, *, expect_audio: bool = True):
    """Every merged codec's every rung: the source's frames, no gap or repeat
    at any join, segments on the 2 s grid starting at the same instants in
    every rung of every codec, CODECS from the real stream, measured
    bandwidths, I-frame playlists."""
    assert job.status == TranscodeJob.Status.DONE, job.error
    assert job.progress == 100.0
    failed = set(job.ladders.filter(status="failed").values_list("codec", flat=True))
    assert set(job.chunks.exclude(codec__in=failed).values_list("status", flat=True)) == {Chunk.Status.DONE}
    video = job.video
    video.refresh_from_db()
    assert video.status == Video.Status.READY
    download_package(video, out)

    src_frames = source_frames(source)
    fps = Fraction(job.plan["fps"])
    master = m3u8.load(str(out / "master.m3u8"))
    assert master.is_variant
    text = (out / "master.m3u8").read_text()
    assert "#EXT-X-INDEPENDENT-SEGMENTS" in text
    assert len(master.playlists) == planned_rungs(job)
    assert len(master.iframe_playlists) == planned_rungs(job)
    starts_by_rung = {}
    for variant in master.playlists:
        info = variant.stream_info
        codec = codec_of(variant.uri)
        assert info.codecs.startswith(SAMPLE_ENTRY[codec]), (variant.uri, info.codecs)
        assert ("mp4a.40.2" in info.codecs) == expect_audio
        folder = out / Path(variant.uri).parent
        media = m3u8.load(str(folder / "index.m3u8"))
        init = (folder / media.segment_map[0].uri).read_bytes()
        assert info.codecs.split(",")[0] == codecs_from_init(init), "CODECS comes from the stream itself"
        assert info.resolution and info.frame_rate == pytest.approx(float(fps), abs=0.001)
        assert info.average_bandwidth and info.bandwidth >= info.average_bandwidth
        if codec != "av1":  # SVT-AV1 1.4.1 VBR has no peak cap (transcoding/ffmpeg/encoders.py)
            assert info.bandwidth <= 2 * info.average_bandwidth, "peak at most twice the average [1.30]"
        assert media.playlist_type == "vod" and media.is_endlist and media.segment_map
        target = job.plan["segment_seconds"]
        assert all(seg.duration <= target + 0.5 for seg in media.segments)

        # Measured from the segments we downloaded, within 10% of what is declared.
        figures = media_playlist_read(folder)
        audio_peak = audio_avg = 0
        if expect_audio:
            audio = media_playlist_read(out / "audio")
            audio_peak, audio_avg = audio.peak_bps, audio.average_bps
        assert figures.peak_bps + audio_peak == pytest.approx(info.bandwidth, rel=0.10)
        assert figures.average_bps + audio_avg == pytest.approx(info.average_bandwidth, rel=0.10)

        frames = rung_frames(folder)
        assert len(frames) == len(src_frames), f"{variant.uri}: frame count differs from the source"
        steps = {round((b.pts - a.pts) * float(fps), 3) for a, b in pairwise(frames)}
        assert steps == {1.0}, f"{variant.uri}: gap or repeated frame somewhere (steps {steps})"
        duration = len(frames) / fps
        src_duration = src_frames[-1].pts - src_frames[0].pts + 1 / float(fps)
        assert abs(float(duration) - src_duration) <= 1 / float(fps) + 1e-6
        starts_by_rung[variant.uri] = segment_start_times(folder)

    # Every rung of every codec has its segments start at the same instants, on the 2 s grid.
    grids = list(starts_by_rung.values())
    assert all(g == grids[0] for g in grids), starts_by_rung
    steps = {round(b - a, 3) for a, b in pairwise(grids[0])}
    assert steps <= {float(job.plan["segment_seconds"])}

    for iframe in master.iframe_playlists:
        playlist = m3u8.load(str(out / iframe.uri))
        assert playlist.is_i_frames_only and playlist.segments
        assert iframe.iframe_stream_info.codecs.startswith(SAMPLE_ENTRY[codec_of(iframe.uri)])
    assert (out / "poster.jpg").stat().st_size > 1000
    vtt = (out / "thumbs" / "thumbnails.vtt").read_text()
    assert vtt.startswith("WEBVTT") and "sprite.jpg#xywh=" in vtt
    renditions = Rendition.objects.filter(job=job)
    assert renditions.filter(kind="video").count() == planned_rungs(job)
    assert renditions.filter(kind="audio").exists() == expect_audio
    return master


def test_motion_clip_becomes_a_correct_abr_package(run_transcode, clips, tmp_path):
    job = run_transcode(clips.motion)
    assert job.chunks.filter(kind="video").count() == 3, "6 s in 2 s chunks: two joins to check"
    master = assert_package_is_correct(job, clips.motion, tmp_path / "pkg")
    assert [p.stream_info.resolution for p in master.playlists] == [(640, 360), (416, 234)]
    # A/V: audio is delayed exactly as much as video starts late, so they stay in sync.
    video_start = ffmpeg.first_pts(tmp_path / "pkg" / "v360" / "index.m3u8")
    audio_start = ffmpeg.first_pts(tmp_path / "pkg" / "audio" / "index.m3u8", stream="a:0")
    assert abs(video_start - audio_start) < 0.03


def test_clip_without_audio_has_no_audio_group(run_transcode, clips, tmp_path):
    job = run_transcode(clips.silent)
    assert_package_is_correct(job, clips.silent, tmp_path / "pkg", expect_audio=False)
    assert "TYPE=AUDIO" not in (tmp_path / "pkg" / "master.m3u8").read_text()


def test_rotated_phone_video_is_upright_and_portrait(run_transcode, clips, tmp_path):
    job = run_transcode(clips.phone)
    assert job.source_info["rotation"] in (90, 270)
    master = assert_package_is_correct(job, clips.phone, tmp_path / "pkg")
    assert [p.stream_info.resolution for p in master.playlists] == [(360, 640), (234, 416)]


def test_odd_size_gets_even_rungs_and_no_upscaling(run_transcode, clips, tmp_path):
    job = run_transcode(clips.odd)
    master = assert_package_is_correct(job, clips.odd, tmp_path / "pkg")
    resolutions = sorted(p.stream_info.resolution for p in master.playlists)
    # 1278x718 keeps its shape: 1278*540/718 = 961.2 -> 962. 718 < 720: no 720p rung.
    assert resolutions == [(416, 234), (640, 360), (768, 432), (962, 540)]
    assert all(w % 2 == 0 and h % 2 == 0 for w, h in resolutions)


def test_sixty_fps_is_kept_with_keyframes_every_two_seconds(run_transcode, clips, tmp_path):
    job = run_transcode(clips.sixty)
    assert job.plan["fps"] == "60/1" and job.plan["gop"] == 120
    assert_package_is_correct(job, clips.sixty, tmp_path / "pkg")


def test_pipeline_reads_and_writes_s3(run_transcode, clips, tmp_path, s3_storage):
    client, bucket = s3_storage
    job = run_transcode(clips.silent)
    assert_package_is_correct(job, clips.silent, tmp_path / "pkg", expect_audio=False)
    keys = [o["Key"] for o in client.list_objects_v2(Bucket=bucket)["Contents"]]
    assert f"hls/{job.video.public_id}/master.m3u8" in keys
    assert not [k for k in keys if k.startswith("work/")], "intermediate chunks are cleaned up"
    head = client.head_object(Bucket=bucket, Key=f"hls/{job.video.public_id}/v234/index.m3u8")
    assert head["ContentType"] == "application/vnd.apple.mpegurl"


def test_transcode_command_prints_progress_and_master_location(worker, fast_profile, clips):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("transcode", str(clips.silent), "--title", "From The Shell", stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert any("%" in line and "[" in line for line in lines), "a progress bar was drawn"
    assert lines[-1].endswith("/master.m3u8")
    job = TranscodeJob.objects.get(video__title__name="From The Shell")
    assert lines[-1].endswith(job.master_key)
    assert job.status == TranscodeJob.Status.DONE


def test_ffprobe_json_of_package_is_parsable(run_transcode, clips, tmp_path):
    """The package opens in ffprobe as HLS with every variant (a player's view)."""
    job = run_transcode(clips.silent)
    download_package(job.video, tmp_path / "pkg")
    result = subprocess.run(
        ["ffprobe", "-v", "error", "-of", "json", "-show_programs", str(tmp_path / "pkg" / "master.m3u8")],
        capture_output=True, text=True, check=True,
    )
    assert len(json.loads(result.stdout)["programs"]) == len(job.plan["ladders"]["h264"]["rungs"])
