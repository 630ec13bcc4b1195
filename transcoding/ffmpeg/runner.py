"""Running ffmpeg: progress from ``-progress``, and never a process left behind.

Every run gets its own process group, killed and reaped whatever ends the
run: a progress callback that raises (a cancelled job), the worker being
interrupted or timed out (dramatiq raises into the thread), or a stall: no
progress for TRANSCODE_STALL_SECONDS, which kills ffmpeg and fails the
attempt with a reason, so a frozen encoder never holds a chunk "running".

When the worker process itself dies (SIGKILL, out of memory), no ``finally``
runs: on Linux the kernel kills ffmpeg with it (PR_SET_PDEATHSIG), and every
run's group is written down in the process's work folder, so the next start
on this machine kills whatever is left (transcoding.workdir.dead_sweep)."""
from __future__ import annotations

import logging
import os
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Sequence

from django.conf import settings

from streaming.core.processes import parent_death_signal

from .. import workdir
from .errors import MediaError, explain, scrub

logger = logging.getLogger(__name__)

ProgressCallback = Callable[[int], None]
# Fields of a -progress block whose change means ffmpeg is getting somewhere
# (frames for video; audio-only runs advance out_time and total_size).
PROGRESS_KEYS = ("frame", "out_time_us", "total_size")


# In the child between fork and exec: SIGKILL when the thread that started it
# goes away (it waits for ffmpeg, so that happens only when its process dies).
_die_with_parent = parent_death_signal(signal.SIGKILL)


def process_group_kill(proc: subprocess.Popen) -> None:
    """SIGKILL the run's whole process group and reap ffmpeg."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.wait()


class Watchdog:
    """Kills a run's process group when it makes no progress for ``stall``
    seconds, or outlives ``timeout`` seconds in all."""

    def __init__(self, proc: subprocess.Popen, *, stall: float, timeout: float | None) -> None:
        self.proc = proc
        self.stall = stall
        self.timeout = timeout
        self.started = self.last_progress = time.monotonic()
        self.reason = ""
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, name=f"ffmpeg-watchdog-{proc.pid}", daemon=True)

    def __enter__(self) -> Watchdog:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._done.set()
        self._thread.join()

    def progressed(self) -> None:
        self.last_progress = time.monotonic()

    def _watch(self) -> None:
        while not self._done.wait(min(1.0, self.stall / 4)):
            now = time.monotonic()
            if self.stall and now - self.last_progress > self.stall:
                self.reason = f"ffmpeg made no progress for {self.stall:g} s and was stopped"
            elif self.timeout and now - self.started > self.timeout:
                self.reason = f"ffmpeg ran longer than {self.timeout:g} s and was stopped"
            else:
                continue
            logger.warning("%s (pid %s)", self.reason, self.proc.pid)
            process_group_kill(self.proc)
            return


def run(args: Sequence[str], *, on_frames: ProgressCallback | None = None,
        timeout: float | None = None, every: float = 0.5, stall: float | None = None,
        verbosity: str = "error") -> str:
    """Run ffmpeg, calling ``on_frames(frames_done)`` at most every ``every`` s.

    Raises MediaError with a reason a person can read when ffmpeg fails,
    stalls (``stall`` s without progress, default TRANSCODE_STALL_SECONDS) or
    runs past ``timeout``; whatever else interrupts the run, ffmpeg is killed
    and reaped before the exception goes on. Returns what ffmpeg printed
    (at ``verbosity``: "info" for a filter's report, such as loudnorm's)."""
    args = [args[0], "-hide_banner", "-nostdin", "-v", verbosity, "-progress", "pipe:1", "-nostats", *args[1:]]
    stall = float(settings.TRANSCODE_STALL_SECONDS if stall is None else stall)
    logger.debug("ffmpeg: %s", " ".join(args))
    with tempfile.TemporaryFile() as err:
        try:
            proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=err, stdin=subprocess.DEVNULL,
                                    start_new_session=True,  # its own process group
                                    preexec_fn=_die_with_parent)
        except FileNotFoundError as exc:
            raise MediaError(f"{args[0]} is not installed on this worker.", retryable=True) from exc
        try:
            workdir.ffmpeg_started(proc.pid)
            with Watchdog(proc, stall=stall, timeout=timeout) as watchdog:
                _follow(proc, watchdog, on_frames=on_frames, every=every)
                code = proc.wait()
        finally:
            process_group_kill(proc)
            workdir.ffmpeg_ended(proc.pid)
        err.seek(0)
        stderr = err.read().decode(errors="replace")
    if watchdog.reason:
        raise MediaError(f"{watchdog.reason}; the attempt will be retried.", detail=scrub(stderr)[-4000:],
                         retryable=True)
    if code != 0:
        raise MediaError(explain(stderr), detail=scrub(stderr)[-4000:], retryable=False)
    return stderr


def _follow(proc: subprocess.Popen, watchdog: Watchdog, *, on_frames: ProgressCallback | None,
            every: float) -> None:
    """Read -progress blocks until ffmpeg closes its output."""
    assert proc.stdout is not None
    seen: dict[str, str] = {}
    last_report = 0.0
    for raw in proc.stdout:
        key, _, value = raw.decode(errors="replace").strip().partition("=")
        if key in PROGRESS_KEYS and value != seen.get(key):
            seen[key] = value
            watchdog.progressed()
        if key == "frame" and on_frames is not None:
            now = time.monotonic()
            if now - last_report >= every:
                last_report = now
                try:
                    frames = int(value)
                except ValueError:
                    continue
                on_frames(frames)
