"""This process's work folder on this machine: the scratch folders of its
pipeline steps and the process groups of its ffmpeg runs, written down so
that whatever starts next on this machine can clean up after a process that
died (SIGKILL, out of memory, power): its ffmpeg groups are killed and its
scratch removed (``dead_sweep``). A process that ends normally removes its
own folder.

Under TRANSCODE_WORK_DIR (the system's temp folder by default)::

    streaming-worker-<pid>-<start>/
        owner            host:pid:start of the process (streaming.core.processes)
        ffmpeg/<pgid>    one file per ffmpeg run in progress, holding its start time
        chunk12-xxxx/    a step's scratch, removed when the step ends

A folder is judged by its owner alone: dead (pid gone, or reused by another
program) means swept; alive means untouched, whoever asks."""
from __future__ import annotations

import atexit
import logging
import os
import re
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from streaming.core.processes import ProcessName, process_alive, process_group_members, process_name, start_time

logger = logging.getLogger(__name__)

PREFIX = "streaming-worker-"
# Scratch folders written before work folders existed (transcode-chunk12-xxxx):
# nothing can say who owned them, so they go once older than any step may run.
LEGACY = re.compile(r"^transcode-(chunk|merge)\d+-")
LEGACY_AGE = 24 * 3600
# A folder without a readable owner is being created, or its creator died at once.
UNOWNED_AGE = 3600

_lock = threading.Lock()
_folders: dict[int, Path] = {}


def work_root() -> Path:
    return Path(settings.TRANSCODE_WORK_DIR or tempfile.gettempdir())


def process_folder() -> Path:
    """This process's folder, made on first use (per pid: a forked worker
    process gets its own)."""
    pid = os.getpid()
    with _lock:
        folder = _folders.get(pid)
        if folder is not None and folder.is_dir():
            return folder
        me = process_name()
        root = work_root()
        root.mkdir(parents=True, exist_ok=True)
        folder = root / f"{PREFIX}{me.pid}-{me.start or 'x'}"
        if not folder.is_dir():
            # Appear complete or not at all: a sweep never sees a folder without its owner.
            building = Path(tempfile.mkdtemp(prefix=f".{PREFIX}", dir=root))
            (building / "owner").write_text(str(me))
            (building / "ffmpeg").mkdir()
            try:
                building.rename(folder)
            except OSError:  # another thread of ours won
                shutil.rmtree(building, ignore_errors=True)
        if not _folders:
            atexit.register(_own_folder_remove)
        _folders[pid] = folder
        return folder


@contextmanager
def scratch(label: str) -> Iterator[Path]:
    """A step's scratch folder inside this process's folder, removed when the step ends."""
    with tempfile.TemporaryDirectory(prefix=f"{label}-", dir=process_folder()) as d:
        yield Path(d)


def ffmpeg_started(pid: int) -> None:
    """Write down a run's process group (ffmpeg leads its own), with its start time."""
    try:
        (process_folder() / "ffmpeg" / str(pid)).write_text(start_time(pid) or "")
    except OSError:
        logger.warning("could not record ffmpeg process group %s", pid, exc_info=True)


def ffmpeg_ended(pid: int) -> None:
    folder = _folders.get(os.getpid())
    if folder is not None:
        (folder / "ffmpeg" / str(pid)).unlink(missing_ok=True)


@dataclass
class Sweep:
    groups_killed: list[int] = field(default_factory=list)
    folders_removed: list[str] = field(default_factory=list)


def group_kill(pgid: int, recorded_start: str) -> bool:
    """SIGKILL a recorded ffmpeg group if it still runs. The leader alive with
    the recorded start time is ours; the leader gone but members left are
    ours too (the kernel does not hand out a group's id while it has
    members); a leader with another start time is a stranger: left alone."""
    now = start_time(pgid)
    if now is not None and recorded_start and now and now != recorded_start:
        return False
    if now is None and not process_group_members(pgid):
        return False
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def folder_sweep(folder: Path) -> Sweep:
    """Kill a dead process's recorded ffmpeg groups, then remove its folder."""
    sweep = Sweep()
    groups = folder / "ffmpeg"
    for record in sorted(groups.iterdir()) if groups.is_dir() else []:
        if record.name.isdigit():
            try:
                recorded = record.read_text().strip()
            except OSError:
                recorded = ""
            if group_kill(int(record.name), recorded):
                sweep.groups_killed.append(int(record.name))
    shutil.rmtree(folder, ignore_errors=True)
    if not folder.exists():
        sweep.folders_removed.append(folder.name)
    return sweep


def _owner(folder: Path) -> ProcessName | None:
    try:
        return ProcessName.parse((folder / "owner").read_text().strip())
    except OSError:
        return None


def dead_sweep() -> Sweep:
    """Clean up after every process of this machine that died with work in
    progress: run at every worker's start and at each reconciler round."""
    total = Sweep()
    root = work_root()
    try:
        entries = list(root.iterdir())
    except OSError:
        return total
    now = time.time()
    mine = _folders.get(os.getpid())
    for entry in entries:
        name = entry.name
        if not entry.is_dir() or entry == mine:
            continue
        if name.startswith((PREFIX, f".{PREFIX}")):
            owner = _owner(entry)
            if owner is None:
                if _age(entry, now) < UNOWNED_AGE:
                    continue
            elif not owner.local or process_alive(owner) is not False:
                continue  # alive, or another machine's: not ours to judge
            found = folder_sweep(entry)
        elif LEGACY.match(name) and _age(entry, now) > LEGACY_AGE:
            shutil.rmtree(entry, ignore_errors=True)
            found = Sweep(folders_removed=[] if entry.exists() else [name])
        else:
            continue
        total.groups_killed += found.groups_killed
        total.folders_removed += found.folders_removed
    if total.groups_killed or total.folders_removed:
        logger.warning("cleaned up after dead workers: killed ffmpeg groups %s, removed %s",
                       total.groups_killed, total.folders_removed)
    return total


def _age(path: Path, now: float) -> float:
    try:
        return now - path.stat().st_mtime
    except OSError:
        return 0.0


def _own_folder_remove() -> None:
    """At a normal exit: nothing of ours may outlive us."""
    folder = _folders.get(os.getpid())
    if folder is not None and folder.is_dir():
        folder_sweep(folder)
