"""Real HTTP servers on 127.0.0.1 for the edge tests: an aiohttp app run in
a thread with its own event loop, and a counting HTTP origin."""
from __future__ import annotations

import asyncio
import threading
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

from aiohttp import web

from tests.conftest import free_port
from tests.fixtures.broker import wait_for

FETCHES: web.AppKey[Counter] = web.AppKey("fetches", Counter)


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

    async def get(request: web.Request) -> web.StreamResponse:
        key = request.match_info["key"]
        fetches[key] += 1
        if delay:
            await asyncio.sleep(delay)
        path = root / key
        if ".." in key.split("/") or not path.is_file():
            raise web.HTTPNotFound()
        return web.FileResponse(path)

    app = web.Application()
    app[FETCHES] = fetches
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
