"""Real HTTP servers on 127.0.0.1 for the edge tests: an aiohttp app run in
a thread with its own event loop, a counting HTTP origin, and runedge as a
real process."""
from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

from aiohttp import web

from tests.conftest import free_port
from tests.fixtures.broker import wait_for

ROOT = Path(__file__).resolve().parents[2]
FETCHES: web.AppKey[Counter] = web.AppKey("fetches", Counter)
# (monotonic time, key, bytes) of every GET the counting origin answered.
FETCH_LOG: web.AppKey[list] = web.AppKey("fetch_log", list)


class ThreadedApp:
    """Serve an aiohttp Application on a free loopback port until stop()."""

    def __init__(self, app: web.Application):
        self.app = app
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        asyncio.set_event_loop(self._loop)
        self._runner = web.AppRunner(self.app, access_log=None)
        self._loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        self._loop.run_until_complete(site.start())
        self._ready.set()
        self._loop.run_forever()
        self._loop.run_until_complete(self._runner.cleanup())
        self._loop.close()

    def start(self) -> ThreadedApp:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("server did not start")
        return self

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def counting_origin_app(root: Path, *, delay: float = 0.0) -> web.Application:
    """Serves files under ``root`` at ``/<key>``, counting GETs per key; the
    delay holds each answer so that concurrent misses really overlap."""
    fetches: Counter = Counter()
    log: list = []

    async def get(request: web.Request) -> web.StreamResponse:
        key = request.match_info["key"]
        fetches[key] += 1
        if delay:
            await asyncio.sleep(delay)
        path = root / key
        if ".." in key.split("/") or not path.is_file():
            raise web.HTTPNotFound()
        log.append((time.monotonic(), key, path.stat().st_size))
        return web.FileResponse(path)

    app = web.Application()
    app[FETCHES] = fetches
    app[FETCH_LOG] = log
    app.router.add_get("/{key:.+}", get)
    return app


def http_get(url: str, headers: dict | None = None, timeout: float = 10):
    """(status, headers, body) for a GET, errors included."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()


def http_get_or_none(url: str, headers: dict | None = None):
    """http_get, or None while nothing listens yet."""
    try:
        return http_get(url, headers)
    except urllib.error.URLError:
        return None


def wait_until(predicate, *, timeout: float = 15.0, what: str = "condition"):
    """The suite's wait_for, with the shorter timeout edge tests want."""
    return wait_for(predicate, timeout=timeout, what=what)


class Runedge:
    """``manage.py runedge`` as a real process for one node, heartbeating to
    ``control_url`` (the live server) and filling from ``origin``."""

    def __init__(self, node, *, origin: str, cache_dir: Path, control_url: str, keys_raw: str,
                 heartbeat: float = 0.3, log_dir: Path | None = None, env: dict | None = None):
        self.node = node
        self.url = node.base_url
        self.port = int(node.base_url.rsplit(":", 1)[1])
        self.args = [sys.executable, "manage.py", "runedge", "--port", str(self.port), "--node", str(node.pk),
                     "--name", node.name, "--origin", origin, "--cache-dir", str(cache_dir),
                     "--cache-max-bytes", "64M", "--control-url", control_url,
                     "--heartbeat-interval", str(heartbeat)]
        self.env = {**os.environ, "EDGE_SIGNING_KEYS": keys_raw, "EDGE_NODE_SECRET": node.secret,
                    "PYTHONUNBUFFERED": "1", **(env or {})}
        self.log_path = (log_dir or cache_dir.parent) / f"{node.name}.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> Runedge:
        log = self.log_path.open("a")
        self.process = subprocess.Popen(self.args, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        wait_for(lambda: http_get_or_none(self.url + "/healthz") or self._died(), timeout=30,
                 what=f"{self.node.name} to listen")
        return self

    def _died(self):
        if self.process is not None and self.process.poll() is not None:
            raise AssertionError(f"{self.node.name} exited: {self.log_path.read_text()[-2000:]}")
        return None

    def status(self) -> dict:
        return json.loads(http_get(self.url + "/_edge/status")[2])

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)

    def kill(self) -> None:
        """SIGKILL: the process dies without closing anything, like a crash."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


NGINX = "/usr/sbin/nginx"


class NginxEdgeProcess:
    """An nginx edge for one node, configured by ``manage.py edge_nginx_conf``
    (with the zone's peers from the database) and run in the foreground."""

    def __init__(self, node, *, origin_url: str, prefix: Path, cache_max_bytes: str = "64M"):
        from django.core.management import call_command

        self.node = node
        self.url = node.base_url
        self.prefix = prefix
        args = ["--node", str(node.pk), "--origin", origin_url, "--prefix", str(prefix),
                "--cache-max-bytes", cache_max_bytes]
        if os.geteuid() == 0:
            args += ["--user", "root"]  # workers must write the test's private cache folder
        call_command("edge_nginx_conf", *args, stdout=open(os.devnull, "w"), stderr=open(os.devnull, "w"))
        self.conf = prefix / "conf" / "nginx.conf"
        self.process: subprocess.Popen | None = None

    def command(self, *extra: str) -> list[str]:
        return [NGINX, "-p", str(self.prefix), "-c", str(self.conf), "-e", str(self.prefix / "logs/error.log"),
                *extra]

    def start(self) -> NginxEdgeProcess:
        check = subprocess.run(self.command("-t"), capture_output=True, text=True)
        assert check.returncode == 0, check.stderr
        self.process = subprocess.Popen(self.command("-g", "daemon off;"), stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        wait_for(lambda: http_get_or_none(self.url + "/healthz"), timeout=15, what=f"nginx {self.node.name}")
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)

    def agent_once(self, control_url: str) -> None:
        from django.core.management import call_command

        call_command("edge_agent", "--node", str(self.node.pk), f"--secret={self.node.secret}",
                     "--control-url", control_url, "--stub-status", f"{self.url}/_edge/stub_status",
                     "--access-log", str(self.prefix / "logs" / "access.log"),
                     "--fill-log", str(self.prefix / "logs" / "fill.log"),
                     "--cache-dir", str(self.prefix / "cache"), "--cache-max-bytes", "64M", "--once",
                     stdout=open(os.devnull, "w"))
