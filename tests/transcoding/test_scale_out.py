"""Scale-out: separate `rundramatiq` processes share a job's chunks through a
real broker, and a worker SIGKILLed mid-chunk loses nothing."""
from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files import File

from catalog.services import title_create, video_create
from tests.fixtures.broker import wait_for
from tests.streaming.test_broker import database_url_for_subprocess
from transcoding.models import Chunk, TranscodeJob

from .test_pipeline import assert_package_is_correct, download_package

ROOT = Path(__file__).resolve().parents[2]


def worker_env(storage_options: dict, tmp_path: Path) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": database_url_for_subprocess(),
        "DRAMATIQ_BROKER_URL": django_settings.DRAMATIQ_BROKER_URL,
        # A dead worker's messages go to another worker after 3 s of silence.
        "DRAMATIQ_HEARTBEAT_TIMEOUT_MS": "3000",
        "DRAMATIQ_MAINTENANCE_CHANCE": "1000000",
        # A step whose message was lost is asked for again after 3 s.
        "TRANSCODE_RECONCILE_SECONDS": "1",
        "TRANSCODE_STALE_SECONDS": "3",
        "TRANSCODE_WORK_DIR": str(tmp_path),
    }
    if "location" in storage_options and not django_settings.S3_BUCKET:
        env["MEDIA_ROOT"] = storage_options["location"]
    elif django_settings.S3_BUCKET:
        env["S3_PREFIX"] = storage_options.get("location", "")
    return env


def start_workers(n: int, env: dict, log_dir: Path) -> list[subprocess.Popen]:
    procs = []
    for i in range(n):
        log = (log_dir / f"worker{i}.log").open("wb")
        procs.append(subprocess.Popen(
            [sys.executable, "manage.py", "rundramatiq", "--processes", "1", "--threads", "1"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        ))
    return procs


def stop(procs: list[subprocess.Popen]) -> None:
    for p in procs:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGTERM)
    for p in procs:
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)


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
