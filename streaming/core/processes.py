"""Child processes for the development tools (the demo, its edges): is a
port free, wait until a server answers, and children that cannot outlive
the process that started them."""
from __future__ import annotations

import ctypes
import ctypes.util
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable

PR_SET_PDEATHSIG = 1


def _parent_death_signal() -> Callable[[], None] | None:
    """On Linux, a function for Popen's ``preexec_fn`` that has the kernel
    send SIGTERM to the child when its parent dies, even by SIGKILL, so
    nothing is left holding a port. Elsewhere None (children are stopped by
    the parent's own handlers only)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True).prctl
    except (OSError, AttributeError):
        return None

    def preexec() -> None:  # runs in the child between fork and exec: no Python-level locks taken
        prctl(PR_SET_PDEATHSIG, signal.SIGTERM)

    return preexec


exit_with_parent = _parent_death_signal()


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
