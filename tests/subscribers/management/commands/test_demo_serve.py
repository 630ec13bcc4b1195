"""`make run` (manage.py demo) as a process: the web server first, the edges
once it answers, and every child stopped with it, whatever stops it."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import free_port

pytestmark = [pytest.mark.slow, pytest.mark.embedded]
from tests.conftest import ROOT  # noqa: E402


@pytest.fixture(scope="module")
def demo_env(tmp_path_factory):
    """A throwaway installation (its own SQLite and media), migrated once."""
    var = tmp_path_factory.mktemp("demo-var")
    env = {**os.environ, "VAR_DIR": str(var), "DJANGO_DEBUG": "1", "PYTHONUNBUFFERED": "1",
           "EDGE_HEARTBEAT_INTERVAL": "1"}
    # The embedded defaults, whatever services this run's environment points
    # the suite at: the demo must not migrate or write a shared database.
    for name in ("DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_URL", "DRAMATIQ_BROKER_URL", "CACHE_URL",
                 "S3_BUCKET", "S3_ENDPOINT_URL", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"):
        env.pop(name, None)
    subprocess.run([sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True)
    return env


class Demo:
    def __init__(self, env, log: Path):
        self.port, self.edge_ports = free_port(), [free_port() for _ in range(3)]
        self.log = log
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "demo", "--no-sample", "--addr", f"127.0.0.1:{self.port}",
             "--edge-ports", ",".join(map(str, self.edge_ports))],
            cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT,
            start_new_session=True,  # signals reach the demo alone: it must pass them on itself
        )

    @property
    def ports(self) -> list[int]:
        return [self.port, *self.edge_ports]

    def output(self) -> str:
        return self.log.read_text()

    def wait_up(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while not all(answers(p) for p in self.ports):
            assert self.process.poll() is None, self.output()
            assert time.monotonic() < deadline, self.output()
            time.sleep(0.2)

    def children(self) -> dict[int, str]:
        pid = self.process.pid
        try:
            kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except FileNotFoundError:
            return {}
        return {int(k): Path(f"/proc/{k}/cmdline").read_bytes().replace(b"\0", b" ").decode() for k in kids}

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
            return True
    except OSError:
        return False


def listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def runedge_processes(ports: list[int]) -> list[str]:
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if "runedge" in cmd and any(f"--port {p}" in cmd for p in ports):
            found.append(cmd)
    return found


def all_gone(demo: Demo, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while any(listening(p) for p in demo.ports) or runedge_processes(demo.edge_ports):
        assert time.monotonic() < deadline, (demo.output(), runedge_processes(demo.edge_ports))
        time.sleep(0.2)


@pytest.fixture
def demo(demo_env, tmp_path):
    started = Demo(demo_env, tmp_path / "demo.log")
    yield started
    started.stop()


def heartbeats(env) -> int:
    """Edge nodes of the demo's own database that have heartbeated."""
    import sqlite3

    with sqlite3.connect(Path(env["VAR_DIR"]) / "db.sqlite3") as db:
        return db.execute("select count(*) from edge_edgenode where last_heartbeat_at is not null").fetchone()[0]


def test_the_edges_start_after_the_site_answers_so_their_heartbeats_land(demo, demo_env):
    demo.wait_up()
    deadline = time.monotonic() + 20
    while heartbeats(demo_env) < 3:
        assert time.monotonic() < deadline, demo.output()
        time.sleep(0.2)
    time.sleep(1.5)  # a second round of beats
    out = demo.output()
    assert "heartbeat to" not in out and "ConnectionRefused" not in out and "Connection refused" not in out, out
    assert out.index("Starting edge caches") > out.index("Demo catalog"), "edges after setup"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_to_the_demo_stops_the_server_and_the_edges(demo, sig):
    demo.wait_up()
    demo.process.send_signal(sig)
    assert demo.process.wait(30) == 0, demo.output()
    all_gone(demo)
    assert "stopping the web server and the edges" in demo.output()


def test_the_server_crashing_stops_the_edges(demo):
    demo.wait_up()
    server = next(pid for pid, cmd in demo.children().items() if "runserver" in cmd)
    os.kill(server, signal.SIGKILL)
    assert demo.process.wait(30) != 0
    all_gone(demo)
    assert "The web server exited" in demo.output()


def test_the_demo_killed_outright_takes_its_children_with_it(demo):
    demo.wait_up()
    children = demo.children()
    assert len(children) == 4, children  # the web server and three edges
    demo.process.send_signal(signal.SIGKILL)
    demo.process.wait(10)
    all_gone(demo)


def test_a_port_already_taken_is_refused_before_anything_starts(demo_env, tmp_path):
    squatter = socket.socket()
    squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    squatter.bind(("127.0.0.1", 0))
    squatter.listen()
    taken = squatter.getsockname()[1]
    try:
        port, free = free_port(), [free_port(), free_port()]
        result = subprocess.run(
            [sys.executable, "manage.py", "demo", "--no-sample", "--addr", f"127.0.0.1:{port}",
             "--edge-ports", f"{free[0]},{taken},{free[1]}"],
            cwd=ROOT, env=demo_env, capture_output=True, text=True, timeout=120)
        assert result.returncode != 0
        assert f"Port {taken} on 127.0.0.1 (the Frankfurt edge) is already in use" in result.stderr, result.stderr
        assert "Nothing was started" in result.stderr
        assert not any(listening(p) for p in (port, *free)) and not runedge_processes(free)
    finally:
        squatter.close()
