"""The pipeline's actors: a chunk that exhausts its retries fails the job
(``on_retry_exhausted``); with a real broker, separate `rundramatiq`
processes share a job's chunks, and a worker SIGKILLed mid-chunk loses
nothing (the message is redelivered)."""
from __future__ import annotations

import hashlib
import os
import signal
import time
from pathlib import Path

import pytest
from django.core.files import File
from django.core.files.storage import default_storage

from catalog.models import Video
from catalog.services import title_create, video_create
from tests.fixtures.broker import wait_for
from tests.fixtures.package import assert_package_is_correct, download_package
from tests.fixtures.workers import start_workers, stop, worker_env
from transcoding.models import Chunk, TranscodeJob


def test_chunk_that_exhausts_its_retries_fails_the_job(run_transcode, clips, settings, tmp_path):
    source = clips.silent  # made (by ffmpeg) before ffmpeg goes missing
    # The encoder is missing on this worker: a retryable error, retried, then given up.
    settings.FFMPEG_BINARY = str(tmp_path / "no-such-ffmpeg")
    job = run_transcode(source, timeout=120)
    assert job.status == TranscodeJob.Status.FAILED
    assert "failed 3 times" in job.error and "not installed" in job.error, job.error
    assert Video.objects.get(pk=job.video_id).status == Video.Status.FAILED
    assert default_storage.exists(job.video.source.name)


def package_digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*")) if p.is_file() and not p.name.startswith("joined-")
    }


def upload(path: Path, name: str):
    with path.open("rb") as fh:
        return video_create(title=title_create(name=name), source=File(fh, name=path.name))


def finished(video) -> TranscodeJob:
    return wait_for(
        lambda: TranscodeJob.objects.filter(video=video).exclude(status__in=TranscodeJob.ACTIVE).first(),
        timeout=240, what="the job to end",
    )


@pytest.mark.real_broker
@pytest.mark.slow
def test_worker_killed_mid_chunk_loses_nothing(transactional_db, fast_profile, clips, tmp_path, isolated_storage):
    procs = start_workers(2, worker_env(isolated_storage["OPTIONS"], tmp_path), tmp_path)
    try:
        reference = finished(upload(clips.long, "Reference"))
        assert reference.status == TranscodeJob.Status.DONE, reference.error
        workers = set(reference.chunks.values_list("worker", flat=True))
        assert len({w.split(":")[1] for w in workers}) == 2, f"both processes took chunks: {workers}"

        video = upload(clips.long, "Killed")
        victim = wait_for(
            lambda: Chunk.objects.filter(job__video=video, kind="video", status="running", progress__gt=0).first(),
            timeout=120, interval=0.02, what="a chunk mid-encode",
        )
        pid = int(victim.worker.split(":")[1])
        os.kill(pid, signal.SIGKILL)
        killed_at = time.monotonic()
        job = finished(video)
        assert job.status == TranscodeJob.Status.DONE, job.error
        victim.refresh_from_db()
        assert victim.status == Chunk.Status.DONE and victim.attempts >= 2
        assert int(victim.worker.split(":")[1]) != pid, "another worker finished the killed chunk"
        print(f"killed chunk redelivered and done {time.monotonic() - killed_at:.1f} s after SIGKILL")
    finally:
        stop(procs)

    ref_dir = download_package(reference.video, tmp_path / "reference")
    out_dir = download_package(job.video, tmp_path / "killed")
    assert_package_is_correct(job, clips.long, tmp_path / "killed-check")
    assert package_digest(out_dir) == package_digest(ref_dir), "the same bytes as an undisturbed run"
