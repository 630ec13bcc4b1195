"""With a broker server: a `rundramatiq` worker SIGKILLed mid-chunk has its
chunk redelivered to another worker (the broker's job), and its scratch
folder and ffmpeg are cleaned up by a surviving worker on the same machine
(transcoding.workdir.dead_sweep at each reconciler round), so nothing of the
dead worker is left even if it is never started again."""
from __future__ import annotations

import os
import signal
import time

import pytest

from streaming.core.processes import start_time
from tests.fixtures.broker import wait_for
from tests.fixtures.workers import start_workers, stop, worker_env
from tests.transcoding.test_tasks import finished, upload
from transcoding import workdir
from transcoding.models import Chunk, TranscodeJob


@pytest.mark.real_broker
@pytest.mark.slow
def test_a_killed_workers_scratch_and_ffmpeg_are_cleaned_up_by_its_neighbour(
        transactional_db, fast_profile, clips, tmp_path, isolated_storage):
    work = tmp_path / "work"
    work.mkdir()
    procs = start_workers(2, worker_env(isolated_storage["OPTIONS"], work), tmp_path)
    try:
        video = upload(clips.long, "Killed worker cleanup")
        victim = wait_for(
            lambda: Chunk.objects.filter(job__video=video, kind="video", status="running", progress__gt=0).first(),
            timeout=120, interval=0.02, what="a chunk mid-encode")
        pid = int(victim.worker.split(":")[1])
        folder = wait_for(lambda: next(work.glob(f"{workdir.PREFIX}{pid}-*"), None), timeout=10,
                          what="the worker's folder")
        groups = {int(p.name): p.read_text() for p in (folder / "ffmpeg").iterdir()}
        os.kill(pid, signal.SIGKILL)
        killed_at = time.monotonic()
        wait_for(lambda: not folder.exists(), timeout=60, interval=0.1, what="the dead worker's folder to go")
        cleaned = time.monotonic() - killed_at
        job = finished(video)
    finally:
        stop(procs)
    assert job.status == TranscodeJob.Status.DONE, job.error
    victim.refresh_from_db()
    assert victim.attempts >= 2 and int(victim.worker.split(":")[1]) != pid, "redelivered to the other worker"
    assert [g for g, start in groups.items() if start_time(g) == start] == [], "no ffmpeg of the dead worker"
    print(f"\nkilled worker's scratch removed {cleaned:.1f} s after SIGKILL; ffmpeg groups at the kill: {list(groups)}")
