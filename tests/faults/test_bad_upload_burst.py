"""Fault: a burst of bad uploads (text, truncated files, playlists pointing at
a URL, an empty file) lands while a good title is being transcoded.

What staff see: the good title becomes playable with a correct package; each
bad one is marked failed with its own stored reason, its source kept in
storage for inspection. ffmpeg never opens the URLs the playlists name."""
from __future__ import annotations

import time

import pytest
from django.core.files import File

from catalog.services import title_create, video_create
from tests.fixtures.broker import wait_for
from tests.fixtures.package import assert_package_is_correct
from tests.fixtures.sources import CountingHandler, assert_failed_with, truncated, truncated_index_at_end, write
from transcoding.models import Chunk, TranscodeJob

pytestmark = [pytest.mark.fault, pytest.mark.slow]

BAD = {
    "notes.mp4": (lambda d, c, u: write(d, b"Dear diary, this is not a film.\n" * 50), "not a video file"),
    "cut.mp4": (lambda d, c, u: truncated(c.motion, d), "truncated or damaged"),
    "cut-end.mp4": (lambda d, c, u: truncated_index_at_end(c.motion, d), "truncated or damaged"),
    "list.m3u8": (lambda d, c, u: write(d, f"#EXTM3U\n#EXTINF:10,\n{u}/seg.ts\n#EXT-X-ENDLIST\n".encode()),
                  "playlist"),
    "concat.mp4": (lambda d, c, u: write(d, f"ffconcat version 1.0\nfile '{u}/x.mp4'\n".encode()), "playlist"),
    "empty.mov": (lambda d, c, u: write(d, b""), "empty (0 bytes)"),
}


def submit(path, name):
    with path.open("rb") as fh:
        return video_create(title=title_create(name=name), source=File(fh, name=path.name))


def ended(video) -> TranscodeJob | None:
    return TranscodeJob.objects.filter(video=video).exclude(status__in=TranscodeJob.ACTIVE).first()


def test_bad_upload_burst_during_a_good_transcode(worker, fast_profile, clips, tmp_path, bait_server):
    bad_files = {name: make(tmp_path / name, clips, bait_server) for name, (make, _) in BAD.items()}
    good = submit(clips.long, "Good film")
    wait_for(lambda: Chunk.objects.filter(job__video=good, status="running", progress__gt=0).exists(),
             timeout=120, interval=0.02, what="the good title mid-encode")
    burst_at = time.monotonic()
    bad_videos = {name: submit(path, f"Bad {name}") for name, path in bad_files.items()}
    rejected = {name: wait_for(lambda v=v: ended(v), timeout=120, what=f"{name} to be rejected")
                for name, v in bad_videos.items()}
    rejected_in = time.monotonic() - burst_at
    good_job = wait_for(lambda: ended(good), timeout=180, what="the good title")
    good_done_in = time.monotonic() - burst_at

    assert_package_is_correct(good_job, clips.long, tmp_path / "good")
    for name, job in rejected.items():
        assert_failed_with(job, BAD[name][1])  # also: the source is still in storage
    assert CountingHandler.hits == [], "ffmpeg never opened a URL from an upload"
    assert TranscodeJob.objects.count() == 1 + len(BAD), "one job per upload, none lost or doubled"
    print(f"\nFAULT bad-upload burst: {len(BAD)} bad uploads all rejected with their reasons within "
          f"{rejected_in:.1f} s; the good title finished {good_done_in:.1f} s after the burst, package correct")
