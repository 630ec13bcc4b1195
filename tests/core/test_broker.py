"""A message crosses the broker to a worker and comes back through the database."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from streaming.core.health import worker_ping_send, worker_ping_wait
from tests.conftest import ROOT
from tests.fixtures.workers import database_url_for_subprocess


def test_ping_round_trip_through_the_configured_broker(worker):
    ping = worker_ping_wait(ping=worker_ping_send(), timeout=20)
    assert ping.answered_at is not None
    assert ping.worker_pid == os.getpid()  # threads of this process answered


def _ancestors(pid: int) -> list[int]:
    chain = []
    while pid > 1:
        chain.append(pid)
        status = Path(f"/proc/{pid}/status").read_text()
        pid = int(next(line.split()[1] for line in status.splitlines() if line.startswith("PPid:")))
    return chain


@pytest.mark.real_broker
def test_rundramatiq_process_answers_through_the_real_broker(transactional_db, tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": database_url_for_subprocess(),
        "DRAMATIQ_BROKER_URL": settings.DRAMATIQ_BROKER_URL,
        "MEDIA_ROOT": str(tmp_path),
    }
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "rundramatiq", "--processes", "1", "--threads", "1"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        ping = worker_ping_wait(ping=worker_ping_send(), timeout=60)
        assert ping.worker_pid != os.getpid()
        assert proc.pid in _ancestors(ping.worker_pid), "answered by a process of rundramatiq"
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=30)
    assert proc.returncode is not None
