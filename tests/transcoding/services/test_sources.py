"""Sources the pipeline used to mangle or half-publish (issue 12, point 7),
through the real pipeline on generated clips: a variable-frame-rate clip
whose frames carry their number (read back from the pixels, no OCR), an
interlaced clip measured by PSNR against the progressive clip it was made
from, a one-frame clip, and a source over the pixels x frames cap.

Run with ``-s`` to see the figures (docs/faults.md quotes them)."""
from __future__ import annotations

import math
import re
import subprocess
from collections import Counter
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import m3u8
import pytest

from catalog.models import Video
from tests.fixtures.package import assert_package_is_correct, download_package
from tests.fixtures.sources import assert_failed_with
from transcoding import ffmpeg
from transcoding.ffmpeg import commands, probing, quality
from transcoding.services import prepare

# 2 s at 24 fps, 2 s at 60 fps, 2 s at 24 fps: a phone's slow and fast
# stretches; the fast one crosses the chunk join at 2 s and sits in the middle.
VFR_TIMES = "if(lt(N,48),N/24,if(lt(N,168),2+(N-48)/60,4+(N-168)/24))"
VFR_FRAMES = 216
SIZE = (640, 360)


def numbers(path: Path, demuxers: str) -> list[int]:
    """The frame number drawn in each decoded frame, in presentation order."""
    width, height = SIZE
    raw = subprocess.run(commands.gray_frames_args(input_path=path, width=width, height=height, demuxers=demuxers),
                         capture_output=True, check=True, timeout=120).stdout
    size = width * height
    row = height // 4  # the middle of the blocks
    out = []
    for k in range(len(raw) // size):
        picture = raw[k * size:(k + 1) * size]
        value = 0
        for bit in range(commands.NUMBER_BITS):
            x = int((bit + 0.5) * width / commands.NUMBER_BITS)
            if picture[row * width + x] > 128:
                value |= 1 << bit
        out.append(value)
    return out


@dataclass
class Motion:
    shown: int          # output frames
    dropped: int        # source frames never shown
    doubled: int        # source frames shown more often than the output rate implies
    backwards: int      # output frames showing an earlier source frame than the one before
    fast_shown_twice: int  # frames of the 60 fps stretch shown more than once
    fast_dropped: int   # frames of the 60 fps stretch never shown
    slow_cadence: dict  # times each 24 fps frame is shown (the last one aside): {times: frames}


def motion(source: Path, output_numbers: list[int], fps: Fraction) -> Motion:
    """Compare the output's frame numbers with the source's timing: each
    source frame should be shown ceil/floor(its duration x fps) times, never
    zero, in order."""
    src_pts = [f.pts for f in ffmpeg.frames(source)]
    src_numbers = numbers(source, "mov,mp4")
    assert src_numbers == list(range(len(src_pts))), "the clip's frames carry their numbers"
    durations = [b - a for a, b in zip(src_pts, src_pts[1:], strict=False)] + [1 / 24]
    counts = Counter(output_numbers)
    allowed = [math.ceil(d * float(fps) - 1e-6) for d in durations]
    fast = range(48, 168)
    return Motion(
        shown=len(output_numbers),
        dropped=sum(1 for n in range(len(src_pts)) if counts[n] == 0),
        doubled=sum(1 for n in range(len(src_pts)) if counts[n] > max(1, allowed[n])),
        backwards=sum(1 for a, b in zip(output_numbers, output_numbers[1:], strict=False) if b < a),
        fast_shown_twice=sum(1 for n in fast if counts[n] > 1),
        fast_dropped=sum(1 for n in fast if counts[n] == 0),
        slow_cadence=dict(sorted(Counter(counts[n] for n in range(len(src_pts) - 1) if n not in fast).items())),
    )


@pytest.fixture(scope="module")
def vfr_clip(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("vfr") / "vfr.mp4"
    ffmpeg.run(commands.numbered_clip_args(output=path, size="x".join(map(str, SIZE)), count=VFR_FRAMES,
                                           times=VFR_TIMES))
    return path


def test_probe_sees_a_variable_rate_and_its_fastest_stretch(vfr_clip):
    info = ffmpeg.probe(ffmpeg.MediaInput.local(vfr_clip))
    assert info.vfr and info.frames == VFR_FRAMES
    assert Fraction(info.frame_rate) == pytest.approx(36.2, abs=0.1)  # the average the pipeline used to encode at
    assert info.max_frame_rate == "60/1" and info.motion_fps == 60


def rung_motion(job, source: Path, out: Path) -> dict[str, Motion]:
    master = m3u8.load(str(out / "master.m3u8"))
    fps = Fraction(job.plan["fps"])
    return {variant.uri: motion(source, numbers(out / variant.uri, ffmpeg.PLAYLIST_DEMUXERS), fps)
            for variant in master.playlists}


def test_a_variable_rate_source_keeps_every_frame_in_order(run_transcode, vfr_clip, tmp_path):
    job = run_transcode(vfr_clip)
    assert job.plan["fps"] == "60/1" and job.plan["gop"] == 120, job.plan
    assert job.source_info["vfr"] is True
    # Its 6 s at 60 fps (the muxer gives the last frame 1/60 to 1/24 s);
    # keyframes on the 2 s grid and frame-exact joins, as for any source.
    frames = job.plan["frames"]
    assert 358 <= frames <= 360, job.plan
    assert_package_is_correct(job, vfr_clip, tmp_path / "pkg", expect_audio=False, frames=frames)
    for uri, m in rung_motion(job, vfr_clip, tmp_path / "pkg").items():
        print(f"VFR after  {uri}: {m}")
        assert m.shown == frames
        assert m.dropped == 0 and m.doubled == 0 and m.backwards == 0, (uri, m)
        assert m.fast_shown_twice == 0, "the 60 fps stretch is shown frame for frame"
        assert set(m.slow_cadence) <= {2, 3}, "24 fps in 60: the 2:3 cadence the rate implies"


def test_the_old_plan_at_the_average_rate_dropped_and_doubled(run_transcode, vfr_clip, tmp_path, monkeypatch):
    """The same clip planned as before the fix (the average rate, as if the
    probe saw no variable rate): the figures docs/faults.md quotes as 'before'."""
    monkeypatch.setattr(probing, "_variable_rate", lambda stream, scan, average: (False, average))
    job = run_transcode(vfr_clip)
    assert job.status == "done", job.error
    download_package(job.video, tmp_path / "pkg")
    for uri, m in rung_motion(job, vfr_clip, tmp_path / "pkg").items():
        print(f"VFR before {uri} at {job.plan['fps']} fps: {m}")
        assert m.dropped > 30 and m.fast_dropped == m.dropped, (uri, m)
        assert set(m.slow_cadence) == {1, 2}, "24 fps frames shown once or twice at ~36 fps: judder"


# --- interlaced -------------------------------------------------------------------------

INTERLACED_SECONDS = 4
MOTION_GRAPH = f"testsrc2=size={SIZE[0]}x{SIZE[1]}:rate=50,scroll=horizontal=0.004"


@pytest.fixture(scope="module")
def interlaced(tmp_path_factory) -> dict[str, Path]:
    """A progressive 50p reference (lossless), the same as 25i (top field
    first, interlaced H.264), and the 25p reference of the frames the top fields came from."""
    folder = tmp_path_factory.mktemp("interlaced")
    ref50, ref25, source = folder / "ref50.mkv", folder / "ref25.mkv", folder / "interlaced.mp4"
    ffmpeg.run(quality.reference_from_graph_args(graph=MOTION_GRAPH, seconds=INTERLACED_SECONDS, output=ref50))
    ffmpeg.run(quality.reference_from_graph_args(graph=f"{MOTION_GRAPH},select='not(mod(n\\,2))'",
                                                 seconds=INTERLACED_SECONDS, output=ref25))
    ffmpeg.run(commands.interlaced_clip_args(reference=ref50, output=source, first="tff"))
    return {"ref50": ref50, "ref25": ref25, "source": source}


def psnr(distorted: Path, reference: Path, fps: int) -> float:
    proc = subprocess.run(quality.psnr_ssim_args(distorted=distorted, reference=reference, fps=fps),
                          capture_output=True, text=True, timeout=300)
    found = re.search(r"PSNR y:[\d.]+ u:[\d.]+ v:[\d.]+ average:([\d.]+)", proc.stderr)
    assert found, proc.stderr[-2000:]
    return float(found.group(1))


def test_probe_reads_the_field_order(interlaced):
    info = ffmpeg.probe(ffmpeg.MediaInput.local(interlaced["source"]))
    assert info.field_order == "tt" and info.parity == "tff"
    assert info.fps == 25 and info.motion_fps == 50 and not info.vfr


def test_an_interlaced_source_is_deinterlaced_a_frame_per_field(run_transcode, interlaced, tmp_path, monkeypatch):
    job = run_transcode(interlaced["source"])
    assert job.plan["deinterlace"] == "tff" and job.plan["fps"] == "50/1", job.plan
    out = tmp_path / "pkg"
    assert_package_is_correct(job, interlaced["source"], out, expect_audio=False, frames=50 * INTERLACED_SECONDS)
    after = psnr(out / "v360" / "index.m3u8", interlaced["ref50"], 50)

    # The same source planned as before the fix: no deinterlacing, 25 frames a second.
    monkeypatch.setattr(probing.SourceInfo, "parity", property(lambda self: ""))
    old = run_transcode(interlaced["source"], name="Old")
    assert old.plan["fps"] == "25/1" and not old.plan["deinterlace"]
    download_package(old.video, tmp_path / "old")
    before = psnr(tmp_path / "old" / "v360" / "index.m3u8", interlaced["ref25"], 25)
    print(f"INTERLACED v360 PSNR-Y average: before {before:.2f} dB (25p, combed, vs the 25 top-field frames), "
          f"after {after:.2f} dB (bwdif send_field, 50p, vs the 50p original)")
    assert after > before + 3, (before, after)


# --- too short, too big ---------------------------------------------------------------


def test_a_one_frame_source_publishes_a_poster_and_nothing_dangling(run_transcode, tmp_path):
    one = tmp_path / "one.mp4"
    ffmpeg.run(commands.numbered_clip_args(output=one, count=1))
    job = run_transcode(one)
    out = tmp_path / "pkg"
    assert_package_is_correct(job, one, out, expect_audio=False, frames=1, sprite=False)
    assert (out / "thumbs" / "thumbnails.vtt").read_text().strip() == "WEBVTT"
    # Every URI in every playlist published names a file that is there.
    for playlist in out.rglob("*.m3u8"):
        for line in playlist.read_text().splitlines():
            uris = re.findall(r'URI="([^"]+)"', line) if line.startswith("#") else [line.strip()]
            for uri in filter(None, uris):
                assert (playlist.parent / uri).is_file(), f"{playlist.relative_to(out)} names a missing {uri}"
    assert numbers(out / "poster.jpg", "image2,mjpeg,jpeg_pipe") == [0], "the poster is the clip's frame"


def test_a_title_of_one_keyframe_interval_gets_a_poster(run_transcode, clips, tmp_path):
    """2 s at 1080p is one GOP: seeking to 0.5 s in it finds no keyframe and
    ffmpeg wrote no poster (exit code 0), which the title used to publish
    without; the first frame is the fallback."""
    job = run_transcode(clips.hd)
    assert job.status == "done", job.error
    download_package(job.video, tmp_path / "pkg")
    assert (tmp_path / "pkg" / "poster.jpg").stat().st_size > 1000

def test_a_source_over_the_pixel_frames_cap_is_refused_with_a_reason(run_transcode, clips, settings):
    settings.TRANSCODE_MAX_PIXEL_FRAMES = 640 * 360 * 100  # the 6 s motion clip has 180 frames
    job = run_transcode(clips.motion)
    assert_failed_with(job, "too large to transcode: 640×360 pixels × 180 frames")
    assert "limit" in Video.objects.get(pk=job.video_id).error
    assert not job.chunks.exists()


def test_the_cap_counts_the_frames_made_and_allows_four_hours_of_4k60(settings):
    settings.TRANSCODE_MAX_PIXEL_FRAMES = 3840 * 2160 * 60 * 3600 * 4
    assert prepare.source_cost_refusal(width=3840, height=2160, frames=60 * 3600 * 4) == ""
    reason = prepare.source_cost_refusal(width=8192, height=8192, frames=30 * 3600 * 12)
    assert "86.97 trillion" in reason and "7.17" in reason and "4.0 hours of 4K at 60 fps" in reason
    settings.TRANSCODE_MAX_PIXEL_FRAMES = 0
    assert prepare.source_cost_refusal(width=8192, height=8192, frames=10**9) == ""
