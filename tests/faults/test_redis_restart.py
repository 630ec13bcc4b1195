"""Fault: the broker's Redis crashes (SIGKILL) and comes back while a title is
being transcoded by separate `rundramatiq` processes. The job completes, every
chunk row is there exactly once and done, and the package is correct.

A private redis-server on a free port (never the machine's shared Redis),
with append-only persistence, as production runs a broker."""
from __future__ import annotations

import shutil
import subprocess
import sys
import time

import pytest

from tests.conftest import ROOT
from tests.fixtures.broker import wait_for
from tests.fixtures.package import assert_package_is_correct
from tests.fixtures.workers import start_workers, stop, worker_env
from transcoding.models import Chunk, TranscodeJob

from .procs import PrivateRedis

pytestmark = [
    pytest.mark.fault, pytest.mark.slow,
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server (apt-get install redis-server)"),
]

TITLE = "Redis restart"


def last_chunk_running(title: str):
    """The job's only unfinished chunk, mid-encode: its end is when the merge is sent."""
    rows = Chunk.objects.filter(job__video__title__name=title)
    left = list(rows.exclude(status="done"))
    if rows.exists() and len(left) == 1 and left[0].status == "running":
        return left[0]
    return None


def first_chunk_running(title: str):
    return Chunk.objects.filter(job__video__title__name=title, kind="video", status="running",
                                progress__gt=0).first()


@pytest.mark.parametrize("moment, outage, patience", [
    ("mid-job", 2.0, 150),
    # Sending the merge fails while Redis is down; the chunk's redelivery asks again.
    ("last-chunk", 4.0, 60),
])
def test_redis_restart_during_a_transcode_loses_nothing(transactional_db, fast_profile, clips, tmp_path,
                                                        isolated_storage, moment, outage, patience):
    """mid-job: Redis dies while the first chunks encode, queued messages wait in
    Redis. last-chunk: it dies while the last chunk encodes, so the chunk
    finishes, and the merge is sent, while the broker is down."""
    redis = PrivateRedis(tmp_path / "redis").start()
    env = {**worker_env(isolated_storage["OPTIONS"], tmp_path), "DRAMATIQ_BROKER_URL": redis.url}
    workers = start_workers(2, env, tmp_path)
    submit = subprocess.Popen(
        [sys.executable, "manage.py", "transcode", str(clips.long), "--title", TITLE, "--timeout", "170"],
        cwd=ROOT, env=env, stdout=(tmp_path / "transcode.log").open("wb"), stderr=subprocess.STDOUT,
    )
    try:
        pick = first_chunk_running if moment == "mid-job" else last_chunk_running
        running = wait_for(lambda: pick(TITLE), timeout=120, interval=0.01, what=f"the {moment} moment")
        job_id = running.job_id
        planned = Chunk.objects.filter(job_id=job_id).count()
        redis.kill()
        down_at = time.monotonic()
        time.sleep(outage)  # the broker is gone: workers lose their connections, acks and sends fail
        done_while_down = Chunk.objects.filter(job_id=job_id, status="done").count()
        redis.start()
        up_at = time.monotonic()
        job = wait_for(
            lambda: TranscodeJob.objects.filter(pk=job_id).exclude(status__in=TranscodeJob.ACTIVE).first(),
            timeout=patience, interval=0.1, what="the job to end after the restart",
        )
        recovered = time.monotonic() - up_at
        assert submit.wait(30) == 0, (tmp_path / "transcode.log").read_text()[-2000:]
    finally:
        if submit.poll() is None:
            submit.kill()
        stop(workers)
        redis.stop()

    logs = "\n".join((tmp_path / f"worker{i}.log").read_text(errors="replace")[-3000:] for i in range(2))
    assert job.status == TranscodeJob.Status.DONE, f"{job.error}\n{logs}"
    chunks = Chunk.objects.filter(job_id=job_id)
    assert chunks.count() == planned, "no chunk row lost or duplicated"
    assert set(chunks.values_list("status", flat=True)) == {Chunk.Status.DONE}
    assert_package_is_correct(job, clips.long, tmp_path / "out")
    print(f"\nFAULT redis-restart ({moment}): Redis down {up_at - down_at:.1f} s ({done_while_down}/{planned} chunks done "
          f"at the restart); job done {recovered:.1f} s after Redis came back; "
          f"{sum(c.attempts for c in chunks)} chunk attempts for {planned} chunks")
