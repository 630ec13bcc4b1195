"""The real pipeline (services/prepare.py, chunks.py, merge.py) on real clips: what comes out must be a correct ABR
package, whatever the storage (local, or S3 in CI's second pass). Bad input
gets a stored, readable reason, the source stays and other jobs go on. A step
is claimed by compare-and-set: two deliveries of one message (a redelivery and
the reconciler's resend) never both do the work, and a superseded attempt can
no longer write."""
from __future__ import annotations

import json
import subprocess
import threading

import pytest
from django.db import connection

from catalog.models import Video
from tests.factories import job_make, video_make
from tests.fixtures.broker import wait_for
from tests.fixtures.package import assert_package_is_correct, download_package
from tests.fixtures.sources import (
    CountingHandler,
    absurd,
    assert_failed_with,
    audio_only,
    truncated,
    truncated_index_at_end,
    write,
)
from tests.fixtures.transcode import lose_first_merge, merge_lost_wait, transcode_submit
from transcoding import ffmpeg
from transcoding.models import Chunk, TranscodeJob
from transcoding.services import chunks
from transcoding.services import merge as merge_step


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


def test_ffprobe_json_of_package_is_parsable(run_transcode, clips, tmp_path):
    """The package opens in ffprobe as HLS with every variant (a player's view)."""
    job = run_transcode(clips.silent)
    download_package(job.video, tmp_path / "pkg")
    result = subprocess.run(
        ["ffprobe", "-v", "error", "-of", "json", "-show_programs", str(tmp_path / "pkg" / "master.m3u8")],
        capture_output=True, text=True, check=True,
    )
    assert len(json.loads(result.stdout)["programs"]) == len(job.plan["rungs"])


# --- bad input ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, make, reason",
    [
        ("empty.mp4", lambda d, c, u: write(d, b""), "empty (0 bytes)"),
        ("notes.mp4", lambda d, c, u: write(d, b"Dear diary, this is not a film.\n" * 50),
         "not a video file"),
        ("cut.mp4", lambda d, c, u: truncated(c.motion, d), "truncated or damaged"),
        ("cut-end.mp4", lambda d, c, u: truncated_index_at_end(c.motion, d), "truncated or damaged"),
        ("song.mp4", lambda d, c, u: audio_only(d), "no video stream"),
        ("strip.mp4", lambda d, c, u: absurd(d), "aspect ratio"),
        ("list.mp4", lambda d, c, u: write(d, f"#EXTM3U\n#EXTINF:10,\n{u}/seg.ts\n".encode()), "playlist"),
        ("list2.m3u8", lambda d, c, u: write(
            d, f"#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\n{u}/a.ts\n#EXT-X-ENDLIST\n".encode()), "playlist"),
        ("concat.mp4", lambda d, c, u: write(d, f"ffconcat version 1.0\nfile '{u}/x.mp4'\n".encode()), "playlist"),
        ("hidden.mkv", lambda d, c, u: write(d, b"\x00\x00" + f"#EXTM3U\n{u}/x.ts\n".encode()), "not a video file"),
    ],
)
def test_bad_input_fails_with_a_stored_reason(run_transcode, clips, tmp_path, bait_server, name, make, reason):
    path = make(tmp_path / name, clips, bait_server)
    job = run_transcode(path)
    assert_failed_with(job, reason)
    assert CountingHandler.hits == [], "ffmpeg must never open a URL the code did not build"


def test_a_bad_upload_does_not_stop_a_good_one(run_transcode, clips, tmp_path):
    bad = write(tmp_path / "bad.mp4", b"garbage" * 1000)
    good_job = run_transcode(clips.silent, name="Good")
    bad_job = run_transcode(bad, name="Bad")
    assert good_job.status == TranscodeJob.Status.DONE
    assert bad_job.status == TranscodeJob.Status.FAILED


# --- claims and lost messages -------------------------------------------------------


def test_a_merge_sent_while_the_broker_is_down_is_asked_for_again(run_transcode, clips, monkeypatch):
    from redis.exceptions import ConnectionError as BrokerDown

    lost = lose_first_merge(monkeypatch, error=BrokerDown("Error 111 connecting to the broker"))
    job = run_transcode(clips.silent)
    assert lost, "the first merge send failed"
    assert job.status == TranscodeJob.Status.DONE, job.error
    assert Video.objects.get(pk=job.video_id).status == Video.Status.READY


@pytest.fixture
def encoding_chunk(db):
    job = job_make(video=video_make(status=Video.Status.PROCESSING), status=TranscodeJob.Status.ENCODING)
    return job.chunks.get(kind=Chunk.Kind.VIDEO, index=0)


def test_of_two_deliveries_reading_one_chunk_exactly_one_claims_it(encoding_chunk):
    first, second = Chunk.objects.get(pk=encoding_chunk.pk), Chunk.objects.get(pk=encoding_chunk.pk)
    assert chunks.chunk_claim(chunk=first) == 1
    assert chunks.chunk_claim(chunk=second) is None, "it read the row before the first claim"
    row = Chunk.objects.get(pk=encoding_chunk.pk)
    assert (row.status, row.attempts) == (Chunk.Status.RUNNING, 1)


def test_a_redelivery_supersedes_a_dead_attempt_which_can_no_longer_write(encoding_chunk):
    assert chunks.chunk_claim(chunk=Chunk.objects.get(pk=encoding_chunk.pk)) == 1
    # The worker died mid-chunk; the broker redelivers the message to another worker.
    assert chunks.chunk_claim(chunk=Chunk.objects.get(pk=encoding_chunk.pk)) == 2
    stale = Chunk.objects.filter(pk=encoding_chunk.pk, attempts=1)
    assert stale.update(status=Chunk.Status.DONE) == 0, "the old attempt's writes are fenced off"
    assert Chunk.objects.get(pk=encoding_chunk.pk).status == Chunk.Status.RUNNING


def test_a_done_chunk_is_never_claimed_again(encoding_chunk):
    Chunk.objects.filter(pk=encoding_chunk.pk).update(status=Chunk.Status.DONE)
    assert chunks.chunk_claim(chunk=Chunk.objects.get(pk=encoding_chunk.pk)) is None


def test_two_merges_racing_one_finishes_and_the_package_is_whole(worker, fast_profile, clips, monkeypatch, tmp_path):
    lost = lose_first_merge(monkeypatch)
    transcode_submit(clips.motion)
    job = merge_lost_wait(worker, lost=lost, title_name="motion")  # all chunks done, the merge message lost

    # The first merge is held inside its packaging until the second one (a
    # redelivered message, or the reconciler's) has claimed the job too.
    inside = []
    both_inside = threading.Event()
    real_merge = merge_step._merge

    def merge_together(*, job, tmp):
        inside.append(threading.current_thread().name)
        if len(inside) == 2:
            both_inside.set()
        assert both_inside.wait(60)
        return real_merge(job=job, tmp=tmp)

    monkeypatch.setattr(merge_step, "_merge", merge_together)
    finished: dict[str, bool] = {}

    def merge(name: str) -> None:
        try:
            finished[name] = merge_step.job_merge(job_id=job.pk)
        finally:
            connection.close()

    first = threading.Thread(target=merge, args=("first",), name="first")
    first.start()
    wait_for(lambda: inside, what="the first merge to start packaging")
    second = threading.Thread(target=merge, args=("second",), name="second")
    second.start()
    first.join(120)
    second.join(120)
    assert finished == {"first": False, "second": True}, "only the latest claim finishes the job"
    job.refresh_from_db()
    assert job.status == TranscodeJob.Status.DONE and job.merge_attempts == 2
    assert job.renditions.filter(kind="video").count() >= 1
    assert_package_is_correct(job, clips.motion, tmp_path / "package")
