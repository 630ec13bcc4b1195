"""Bad input gets a stored, readable reason; the source stays; other jobs go
on. Failed jobs can be retried, redoing only what is missing."""
from __future__ import annotations

import http.server
import threading
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from catalog.models import Video
from tests.fixtures.broker import wait_for
from tests.fixtures.transcode import transcode
from transcoding import ffmpeg
from transcoding.models import Chunk, TranscodeJob
from transcoding.services import job_retry


class CountingHandler(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802
        CountingHandler.hits.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"#EXTM3U\n")

    def log_message(self, *args):
        pass


@pytest.fixture
def bait_server():
    """An HTTP server that records any request: ffmpeg must never call it."""
    CountingHandler.hits = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), CountingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def truncated(src: Path, dest: Path) -> Path:
    """A real MP4 with its index first (faststart), cut in half."""
    full = dest.with_name("faststart.mp4")
    ffmpeg.run(ffmpeg.remux_args(input_path=src, output=full, options={"movflags": "+faststart"}))
    data = full.read_bytes()
    return write(dest, data[: len(data) // 2])


def truncated_index_at_end(src: Path, dest: Path) -> Path:
    data = src.read_bytes()
    return write(dest, data[: int(len(data) * 0.6)])


def audio_only(dest: Path) -> Path:
    ffmpeg.run(ffmpeg.tone_args(output=dest, seconds=2, frequency=300))
    return dest


def absurd(dest: Path) -> Path:
    ffmpeg.run(ffmpeg.clip_args(output=dest, size="1600x64", rate=10, seconds=1, audio=False))
    return dest


def assert_failed_with(job: TranscodeJob, reason: str) -> None:
    assert job.status == TranscodeJob.Status.FAILED
    assert reason in job.error, job.error
    video = Video.objects.get(pk=job.video_id)
    assert video.status == Video.Status.FAILED
    assert reason in video.error
    assert default_storage.exists(video.source.name), "the source must stay in storage"


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


def flaky_ffmpeg(folder: Path, *, fail_when: str,
                 message: str = "Conversion failed: simulated disk error") -> tuple[Path, Path]:
    """An ffmpeg that fails with ``message`` while a flag file exists, for
    commands containing ``fail_when``; otherwise it is the real ffmpeg."""
    flag = folder / "broken"
    flag.touch()
    script = folder / "ffmpeg"
    script.write_text(
        "#!/bin/sh\n"
        f'if [ -e "{flag}" ] && echo "$*" | grep -q -- "{fail_when}"; then\n'
        f'  echo "{message}" >&2; exit 1\nfi\n'
        'exec ffmpeg "$@"\n'
    )
    script.chmod(0o755)
    return script, flag


def test_chunk_that_exhausts_its_retries_fails_the_job(run_transcode, clips, settings, tmp_path):
    # The encoder is missing on this worker: a retryable error, retried, then given up.
    settings.FFMPEG_BINARY = str(tmp_path / "no-such-ffmpeg")
    job = run_transcode(clips.silent, timeout=120)
    assert job.status == TranscodeJob.Status.FAILED
    assert "failed 3 times" in job.error and "not installed" in job.error, job.error
    assert Video.objects.get(pk=job.video_id).status == Video.Status.FAILED
    assert default_storage.exists(job.video.source.name)


def test_retry_redoes_only_what_is_missing(run_transcode, clips, admin_client, settings, tmp_path):
    # 30 fps, 2 s chunks: the second chunk's command trims from frame 60.
    settings.FFMPEG_BINARY, flag = map(str, flaky_ffmpeg(tmp_path, fail_when="start_pts=60"))
    job = run_transcode(clips.motion)
    assert job.status == TranscodeJob.Status.FAILED
    assert "simulated disk error" in job.error and "chunk 1" in job.error, job.error
    # Chunks still encoding when the job failed stop on their own (or finish).
    wait_for(lambda: not job.chunks.filter(status=Chunk.Status.RUNNING).exists(), what="running chunks to stop")
    before = {c.pk: (c.status, c.attempts) for c in job.chunks.all()}
    done_before = {pk for pk, (status, _) in before.items() if status == Chunk.Status.DONE}
    assert before and len(done_before) < len(before)

    Path(flag).unlink()  # the disk is fixed
    response = admin_client.post(
        reverse("admin:transcoding_transcodejob_changelist"),
        {"action": "retry", "_selected_action": [job.pk]},
    )
    assert response.status_code == 302
    job = wait_for(
        lambda: TranscodeJob.objects.filter(pk=job.pk).exclude(status__in=TranscodeJob.ACTIVE).first(),
        what="the retried job to end",
    )
    assert job.status == TranscodeJob.Status.DONE, job.error
    after = {c.pk: c.attempts for c in job.chunks.all()}
    for pk, (_status, attempts) in before.items():
        if pk in done_before:
            assert after[pk] == attempts, "a done chunk is not encoded again"
        else:
            assert after[pk] == attempts + 1
    assert Video.objects.get(pk=job.video_id).status == Video.Status.READY


def lose_first_merge(monkeypatch, *, error: Exception | None = None):
    """Fault injection: the first merge message never reaches a worker,
    as when the broker is down (``error`` raised at send) or restarts
    without persistence (dropped silently). Later sends go through."""
    from transcoding import tasks

    real_send = tasks.job_merge.send
    lost = []

    def send(*args, **kwargs):
        if not lost:
            lost.append(args)
            if error is not None:
                raise error
            return None
        return real_send(*args, **kwargs)

    monkeypatch.setattr(tasks.job_merge, "send", send)
    return lost


def merging_without_merge(title_name: str):
    """The job whose H.264 ladder was asked to merge, and whose merge never began."""
    return TranscodeJob.objects.filter(video__title__name__endswith=title_name, ladders__codec="h264",
                                       ladders__status="merging", ladders__merge_started_at__isnull=True).first()


def test_a_merge_sent_while_the_broker_is_down_is_asked_for_again(run_transcode, clips, monkeypatch):
    from redis.exceptions import ConnectionError as BrokerDown

    lost = lose_first_merge(monkeypatch, error=BrokerDown("Error 111 connecting to the broker"))
    job = run_transcode(clips.silent)
    assert lost, "the first merge send failed"
    assert job.status == TranscodeJob.Status.DONE, job.error
    assert Video.objects.get(pk=job.video_id).status == Video.Status.READY


def test_a_lost_merge_message_is_asked_for_again_by_the_reconciler(worker, fast_profile, clips, monkeypatch):
    from datetime import timedelta

    from tests.fixtures.transcode import transcode as start_and_wait
    from transcoding.services import jobs_reconcile

    lose_first_merge(monkeypatch)
    with pytest.raises(AssertionError, match="timed out"):
        start_and_wait(clips.silent, timeout=8)  # stuck: the merge was asked for and lost
    job = merging_without_merge("silent")
    assert job is not None and job.progress == 90.0
    assert jobs_reconcile(stale_after=timedelta(minutes=5)) == [], "not stale yet: nothing is asked"
    assert jobs_reconcile(stale_after=timedelta(seconds=0)) == [job.pk]
    job = wait_for(lambda: TranscodeJob.objects.filter(pk=job.pk, status="done").first(), what="the merge")
    assert job.progress == 100 and job.ladders.get(codec="h264").merge_started_at is not None


def test_a_job_stuck_merging_can_be_retried_by_staff(worker, fast_profile, clips, monkeypatch, admin_client):
    from tests.fixtures.transcode import transcode as start_and_wait

    lose_first_merge(monkeypatch)
    with pytest.raises(AssertionError, match="timed out"):
        start_and_wait(clips.silent, timeout=8)
    job = merging_without_merge("silent")
    response = admin_client.post(reverse("admin:transcoding_transcodejob_changelist"),
                                 {"action": "retry", "_selected_action": [job.pk]})
    assert response.status_code == 302
    assert wait_for(lambda: TranscodeJob.objects.filter(pk=job.pk, status="done").exists(), what="the merge")


def test_only_failed_jobs_can_be_retried(run_transcode, clips):
    from streaming.core.errors import ApplicationError

    job = run_transcode(clips.silent)
    with pytest.raises(ApplicationError, match="Only failed, cancelled or stuck jobs, or jobs with a failed codec"):
        job_retry(job=job)


def test_admin_lists_jobs_with_a_progress_bar(run_transcode, clips, admin_client):
    job = run_transcode(clips.silent)
    page = admin_client.get(reverse("admin:transcoding_transcodejob_changelist")).content.decode()
    assert "100%" in page and "2/2" in page
    detail = admin_client.get(reverse("admin:transcoding_transcodejob_change", args=[job.pk])).content.decode()
    assert "v234" in detail and "chunk 0 of job" in detail


__all__ = ["transcode"]
