"""Which OS process is this, and is another one still alive?

A process is named ``host:pid:start`` where ``start`` is when the kernel
started it (``/proc/<pid>/stat``, clock ticks since boot). The start time is
what makes the name safe against reused pids: a pid that now belongs to
another program has another start time, so a dead worker is never mistaken
for a live one, and a live one is never killed for a dead one's sake.

Only processes on this host can be judged here; a caller that sees a name
from another host must decide by other means (a lease that stops being
renewed)."""
from __future__ import annotations

import os
import socket
from dataclasses import dataclass

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
