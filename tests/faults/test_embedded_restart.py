"""Fault: the process running the embedded broker (what every `make run` user
has: the worker is threads of the web or command process, its queue is in
that process's memory) is SIGKILLed mid-encode or mid-merge, then the same
command is started again. The job finishes on its own, no ffmpeg of the
dead process is left running, and no scratch folder is left behind.

The processes are `manage.py transcode` and `manage.py demo --no-serve` on
the embedded defaults, sharing the test database and storage."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from streaming.core.processes import start_time
from tests.conftest import ROOT
from tests.fixtures.broker import wait_for
from tests.fixtures.package import assert_package_is_correct
from tests.fixtures.workers import worker_env
from transcoding.models import Chunk, Codec, CodecLadder, TranscodeJob

pytestmark = [pytest.mark.fault, pytest.mark.slow]


def ffmpeg_children(pid: int) -> dict[int, str]:
    """ffmpeg processes started by ``pid``: {pid: kernel start time}."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()
        if fields[1] == str(pid) and fields[0] != "Z" and "ffmpeg" in stat[stat.find("(") + 1:stat.rfind(")")]:
            found[int(entry)] = fields[19]
    return found


def still_running(procs: dict[int, str]) -> list[int]:
    return [pid for pid, start in procs.items() if start_time(pid) == start]


def mid_encode(title: str):
    return Chunk.objects.filter(job__video__title__name=title, kind="video", status="running",
                                progress__gt=0).first()


def mid_merge(title: str):
    ladder = CodecLadder.objects.filter(job__video__title__name=title, codec=Codec.H264, status="merging",
                                        merge_started_at__isnull=False).select_related("job").first()
    return ladder.job if ladder else None


COMMANDS = {
    "transcode": lambda clip, title: ["transcode", str(clip), "--title", title, "--timeout", "240"],
    "demo": lambda clip, title: ["demo", "--no-serve", "--no-edges", "--sample-seconds", "12",
                                 "--sample-height", "360", "--clip-seconds", "2", "--clip-height", "144"],
}


@pytest.mark.parametrize("command, moment", [
    ("transcode", "mid-encode"),
    ("transcode", "mid-merge"),
    ("demo", "mid-encode"),
])
def test_killed_embedded_process_restarts_and_finishes(transactional_db, fast_profile, clips, tmp_path,
                                                       isolated_storage, command, moment):
    title = "The Test Card" if command == "demo" else f"Embedded restart {moment}"
    work = tmp_path / "work"
    work.mkdir()
    env = {
        **worker_env(isolated_storage["OPTIONS"], work),
        "DRAMATIQ_BROKER_URL": "",  # the embedded broker: queue and workers in the process
        "DJANGO_DEBUG": "1",
        "VAR_DIR": str(tmp_path / "var"),
    }
    argv = [sys.executable, "manage.py", *COMMANDS[command](clips.long, title)]

    def start(n: int) -> subprocess.Popen:
        return subprocess.Popen(argv, cwd=ROOT, env=env, stdout=(tmp_path / f"run{n}.log").open("wb"),
                                stderr=subprocess.STDOUT, start_new_session=True)

    first = start(1)
    try:
        pick = mid_encode if moment == "mid-encode" else mid_merge
        wait_for(lambda: pick(title) and ffmpeg_children(first.pid), timeout=240, interval=0.01,
                 what=f"{command} {moment} with ffmpeg running")
        orphans = ffmpeg_children(first.pid)
        os.kill(first.pid, signal.SIGKILL)
        first.wait(10)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
    job = TranscodeJob.objects.get(video__title__name=title)
    left = sorted(job.chunks.values_list("status", flat=True))
    assert job.status in TranscodeJob.ACTIVE, "killed before the job ended"
    time.sleep(1.0)
    orphans_after_kill = still_running(orphans)
    scratch_after_kill = sorted(p.name for p in work.iterdir()) if work.exists() else []

    restarted_at = time.monotonic()
    second = start(2)
    try:
        job = wait_for(
            lambda: TranscodeJob.objects.filter(pk=job.pk).exclude(status__in=TranscodeJob.ACTIVE).first(),
            timeout=240, interval=0.1, what="the job to end after the restart")
        recovered = time.monotonic() - restarted_at
        assert second.wait(120) == 0, (tmp_path / "run2.log").read_text()[-3000:]
    finally:
        if second.poll() is None:
            os.killpg(second.pid, signal.SIGKILL)

    assert job.status == TranscodeJob.Status.DONE, job.error
    assert still_running(orphans) == [], "no ffmpeg of the killed process is left"
    leftovers = sorted(p.name for p in work.iterdir()) if work.exists() else []
    assert leftovers == [], f"no scratch left in TRANSCODE_WORK_DIR: {leftovers}"
    chunks = Chunk.objects.filter(job=job)
    assert set(chunks.values_list("status", flat=True)) == {Chunk.Status.DONE}
    if command == "transcode":
        assert_package_is_correct(job, clips.long, tmp_path / "out")
    print(f"\nFAULT embedded-restart ({command}, {moment}): killed with chunks {left}, job {job.pk} was "
          f"{'merging' if moment == 'mid-merge' else 'encoding'}; {len(orphans)} ffmpeg running at the kill, "
          f"{len(orphans_after_kill)} still running 1 s later; scratch at the kill {scratch_after_kill}; "
          f"job done {recovered:.1f} s after the restart; "
          f"{sum(c.attempts for c in chunks)} chunk attempts for {chunks.count()} chunks, "
          f"{sum(job.ladders.values_list('merge_attempts', flat=True))} merge attempts")
