"""Work folders: a dead process's recorded ffmpeg groups are killed and its
scratch removed by whoever starts next on the machine; a live process's
folder, and a stranger that reused a recorded pid, are left alone."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from streaming.core.processes import process_name, start_time
from transcoding import workdir

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def work(settings, tmp_path):
    settings.TRANSCODE_WORK_DIR = str(tmp_path / "work")
    (tmp_path / "work").mkdir()
    return tmp_path / "work"


@pytest.fixture
def sleeper():
    """A process leading its own group, as ffmpeg runs."""
    proc = subprocess.Popen(["sleep", "120"], start_new_session=True)
    yield proc
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def fake_folder(work: Path, owner: str, groups: dict[int, str]) -> Path:
    folder = work / f"{workdir.PREFIX}{owner.split(':')[1]}-x"
    (folder / "ffmpeg").mkdir(parents=True)
    (folder / "chunk3-abcd").mkdir()
    (folder / "chunk3-abcd" / "v360.ts").write_bytes(b"\0" * 1000)
    (folder / "owner").write_text(owner)
    for pgid, start in groups.items():
        (folder / "ffmpeg" / str(pgid)).write_text(start)
    return folder


def dead_owner() -> str:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return f"{socket.gethostname()}:{proc.pid}:123"


def gone(proc: subprocess.Popen, timeout: float = 5) -> bool:
    deadline = time.monotonic() + timeout
    while proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    return proc.poll() is not None


def test_a_dead_processs_ffmpeg_groups_are_killed_and_its_folder_removed(work, sleeper):
    folder = fake_folder(work, dead_owner(), {sleeper.pid: start_time(sleeper.pid)})
    sweep = workdir.dead_sweep()
    assert gone(sleeper), "the orphan was killed"
    assert sweep.groups_killed == [sleeper.pid]
    assert not folder.exists() and sweep.folders_removed == [folder.name]


def test_a_live_processs_folder_and_groups_are_left_alone(work, sleeper):
    live = str(process_name(os.getppid()))
    folder = fake_folder(work, live, {sleeper.pid: start_time(sleeper.pid)})
    assert workdir.dead_sweep().folders_removed == []
    assert folder.exists() and sleeper.poll() is None


def test_a_recorded_pid_now_used_by_another_program_is_not_killed(work, sleeper):
    folder = fake_folder(work, dead_owner(), {sleeper.pid: "1"})  # recorded start time differs
    sweep = workdir.dead_sweep()
    assert sleeper.poll() is None and sweep.groups_killed == []
    assert not folder.exists()


def test_another_hosts_folder_is_not_judged_here(work):
    folder = fake_folder(work, "elsewhere.example:1:1", {})
    workdir.dead_sweep()
    assert folder.exists()


def test_a_process_that_ends_normally_leaves_no_folder(work):
    code = ("import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'streaming.settings'; django.setup()\n"
            "from transcoding import ffmpeg, workdir\n"
            "with workdir.scratch('chunk1') as tmp:\n"
            "    ffmpeg.run(ffmpeg.sample_args(output=tmp / 'a.mp4', seconds=1, width=64, height=36))\n"
            "    assert (tmp / 'a.mp4').exists()\n"
            "print(workdir.process_folder())\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                         env={**os.environ, "TRANSCODE_WORK_DIR": str(work), "DJANGO_DEBUG": "1"})
    assert out.returncode == 0, out.stderr[-2000:]
    assert Path(out.stdout.strip()).parent == work
    assert list(work.iterdir()) == []


def test_ffmpeg_dies_with_a_killed_worker_and_its_group_was_recorded(work):
    code = ("import django, os, threading, time; os.environ['DJANGO_SETTINGS_MODULE'] = 'streaming.settings'\n"
            "django.setup()\n"
            "from transcoding import ffmpeg\n"
            "args = ['ffmpeg', '-f', 'lavfi', '-i', 'testsrc2=size=64x36:rate=5', '-t', '600', '-f', 'null', '-']\n"
            "threading.Thread(target=ffmpeg.run, args=(args,), daemon=True).start()\n"
            "time.sleep(600)\n")
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, start_new_session=True,
                            env={**os.environ, "TRANSCODE_WORK_DIR": str(work), "DJANGO_DEBUG": "1"})
    try:
        deadline = time.monotonic() + 60
        records: list[Path] = []
        while not records and time.monotonic() < deadline:
            records = list(work.glob(f"{workdir.PREFIX}*/ffmpeg/*"))
            time.sleep(0.05)
        assert records, "the run's process group was written down"
        pgid = int(records[0].name)
        assert start_time(pgid) == records[0].read_text()
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        deadline = time.monotonic() + 5
        while start_time(pgid) is not None and time.monotonic() < deadline:
            time.sleep(0.02)
        if sys.platform == "linux":
            assert start_time(pgid) is None, "PR_SET_PDEATHSIG: ffmpeg died with its worker"
        workdir.dead_sweep()
        assert start_time(pgid) is None and list(work.iterdir()) == []
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
