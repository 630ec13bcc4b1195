"""Starting the demo's three edges (Mumbai, Frankfurt, Virginia) as runedge
processes on local ports, for ``manage.py demo`` and ``manage.py runedges``."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path

from django.conf import settings

from edge.models import EdgeNode
from edge.services import demo_edges_ensure
from streaming.core.processes import exit_with_parent, stop

MANAGE = Path(settings.BASE_DIR) / "manage.py"


def demo_edges_start(
    *, control_url: str | None = None, cache_max_bytes: str = "512M", wait: float = 30.0,
    stdout=None, stderr=None, ports: Sequence[int] | None = None,
) -> list[subprocess.Popen]:
    """Ensure the three demo nodes exist (on ``ports``, default 8101-8103)
    and start one runedge per node, filling from the project's storage and
    heartbeating to ``control_url`` (default EDGE_ORIGIN_URL). Waits until
    each answers /healthz. The caller owns the processes: demo_edges_stop()
    them on exit; on Linux they also end if the caller dies."""
    nodes: list[EdgeNode] = demo_edges_ensure(ports=ports)
    processes = []
    for node in nodes:
        port = int(node.base_url.rsplit(":", 1)[1])
        command = [
            sys.executable, str(MANAGE), "runedge", "--node", str(node.pk),
            "--name", node.name, "--port", str(port), "--cache-max-bytes", cache_max_bytes,
            "--control-url", control_url or settings.EDGE_ORIGIN_URL,
        ]
        # The secret goes in the environment, not argv, which every local user can read in ps.
        env = {**os.environ, "EDGE_NODE_SECRET": node.secret}
        processes.append(subprocess.Popen(command, cwd=settings.BASE_DIR, env=env,
                                          stdout=stdout, stderr=stderr, preexec_fn=exit_with_parent))
    deadline = time.monotonic() + wait
    for node, process in zip(nodes, processes, strict=True):
        while True:
            try:
                with urllib.request.urlopen(node.base_url + "/healthz", timeout=1):
                    break
            except (urllib.error.URLError, OSError):
                if process.poll() is not None or time.monotonic() > deadline:
                    demo_edges_stop(processes)
                    state = f"exited with code {process.returncode}" if process.poll() is not None else "did not answer"
                    raise RuntimeError(f"The {node.name} edge {state}; see its output above.") from None
                time.sleep(0.1)
    return processes


def demo_edges_stop(processes: list[subprocess.Popen]) -> None:
    stop(processes)
