"""Processes: this one's name and whether another is still alive (for
recovering after a worker died), and child processes that cannot outlive
their parent (the demo and its edges, ffmpeg runs).

A process is named ``host:pid:start`` where ``start`` is when the kernel
started it (``/proc/<pid>/stat``, clock ticks since boot). The start time is
what makes the name safe against reused pids: a pid that now belongs to
another program has another start time, so a dead worker is never mistaken
for a live one, and a live one is never killed for a dead one's sake. Only
processes on this host can be judged here; a caller that sees a name from
another host must decide by other means (a lease that stops being renewed).
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

PR_SET_PDEATHSIG = 1


def parent_death_signal(sig: int) -> Callable[[], None] | None:
    """On Linux, a function for Popen's ``preexec_fn`` that has the kernel
    send ``sig`` to the child when the thread that started it dies (its
    process too, even by SIGKILL), so nothing is left holding a port or a
    CPU. Elsewhere None (children are stopped by the parent's own handlers
    only)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True).prctl
    except (OSError, AttributeError):
        return None

    def preexec() -> None:  # runs in the child between fork and exec: no Python-level locks taken
        prctl(PR_SET_PDEATHSIG, sig)

    return preexec


exit_with_parent = parent_death_signal(signal.SIGTERM)


def port_free(host: str, port: int) -> bool:
    """Could a server listen on ``host:port`` now? (As servers do, with
    SO_REUSEADDR, so a port in TIME_WAIT after a stop counts as free.)"""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def wait_http(url: str, *, timeout: float, process: subprocess.Popen | None = None) -> None:
    """Wait until ``url`` answers (any HTTP status). Raises RuntimeError when
    ``process`` exits first or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answers
        except (urllib.error.URLError, OSError):
            pass
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"exited with code {process.returncode} before answering")
        if time.monotonic() > deadline:
            raise RuntimeError(f"did not answer within {timeout:.0f} s")
        time.sleep(0.1)


def stop(processes: list[subprocess.Popen], *, grace: float = 10.0) -> None:
    """SIGTERM every process still running, then SIGKILL what is left after ``grace``."""
    for process in processes:
        if process.poll() is None:
            process.terminate()
    deadline = time.monotonic() + grace
    for process in processes:
        try:
            process.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- which process is this, and is another alive? ----------------------------

_PROC = "/proc"


@dataclass(frozen=True)
class ProcessName:
    host: str
    pid: int
    start: str  # kernel start time of the pid; "" where /proc is not available

    def __str__(self) -> str:
        return f"{self.host}:{self.pid}:{self.start}"

    @classmethod
    def parse(cls, text: str) -> ProcessName | None:
        host, _, rest = text.rpartition(":")
        host, _, pid = host.rpartition(":")
        if not host or not pid.isdigit():
            return None
        return cls(host=host, pid=int(pid), start=rest)

    @property
    def local(self) -> bool:
        return self.host == socket.gethostname()


def _stat(pid: int) -> list[str] | None:
    """Fields 3.. of /proc/<pid>/stat (state, ppid, pgrp, ...), None when no such process."""
    try:
        with open(f"{_PROC}/{pid}/stat", "rb") as fh:
            stat = fh.read().decode(errors="replace")
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may hold spaces.
    return stat[stat.rfind(")") + 2:].split()


def start_time(pid: int) -> str | None:
    """The kernel's start time of a running ``pid`` (field 22 of /proc/<pid>/stat);
    "" when /proc is not there to ask; None when no such process runs (a
    zombie, killed and waiting for its parent to read its status, runs no more)."""
    if not os.path.isdir(_PROC):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass
        return ""
    fields = _stat(pid)
    if fields is None or fields[0] in ("Z", "X"):
        return None
    return fields[19] if len(fields) > 19 else ""


def process_name(pid: int | None = None) -> ProcessName:
    """This process's name (or that of ``pid`` on this host)."""
    pid = os.getpid() if pid is None else pid
    return ProcessName(host=socket.gethostname(), pid=pid, start=start_time(pid) or "")


def process_alive(name: ProcessName) -> bool | None:
    """True or False for a process of this host; None (cannot tell) for another host's."""
    if not name.local:
        return None
    now = start_time(name.pid)
    if now is None:
        return False
    return not (name.start and now and now != name.start)  # a reused pid is another process


def process_group_members(pgid: int) -> list[int]:
    """Pids of this host's processes in group ``pgid`` (from /proc; [] without it)."""
    members = []
    try:
        entries = os.listdir(_PROC)
    except OSError:
        return []
    for entry in entries:
        fields = _stat(int(entry)) if entry.isdigit() else None
        if fields and len(fields) > 2 and fields[2] == str(pgid) and fields[0] not in ("Z", "X"):
            members.append(int(entry))
    return members
