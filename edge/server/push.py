"""Push fill on runedge: run the node's fill plan inside its off-peak
window, no faster than its rate cap, and pick it up again after a restart.

The plan comes from the control plane (fetched by the reporter, signed with
the node's secret) and is kept in ``<cache dir>/fill-plan.json``, next to
the cache it fills: a restarted edge reloads both, and an object is "done"
when the cache holds it, so nothing fetched before the restart is fetched
again. Objects come from origin (the plan gives each node the objects it
owns, so no peer holds them) through the same single-flight fills viewers
use: a viewer missing an object the plan is fetching waits for that fetch.

The rate cap is kept on average since the window opened: after each object
the runner sleeps until the bytes fetched so far fit the cap, so over any
stretch of time it moves at most cap x time plus one object."""
from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from pathlib import Path
from typing import Any

from edge.server.fill import EdgeCache
from edge.server.origins import OriginError, OriginNotFound
from edge.window import window_is_open

logger = logging.getLogger("edge.server")
PLAN_FILE = "fill-plan.json"
IDLE_SECONDS = 1.0
WAITING_SECONDS = 5.0  # how often a plan outside its window looks at the clock
DONE_SECONDS = 30.0  # how often a finished plan checks nothing was evicted (a new plan wakes it at once)


class PushFill:
    def __init__(self, *, cache: EdgeCache, state_dir: Path):
        self.cache = cache
        self.path = Path(state_dir) / PLAN_FILE
        self.plan: dict[str, Any] | None = self._load()
        self.state = "idle"
        self.objects_done = 0
        self.bytes_done = 0
        self.bytes_fetched = 0  # by push fill, since start (for the status page)
        self._missing: set[str] = set()
        self._wake = asyncio.Event()
        self._recount()

    @property
    def version(self) -> int | None:
        return int(self.plan["version"]) if self.plan else None

    def _load(self) -> dict[str, Any] | None:
        try:
            plan = json.loads(self.path.read_text())
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            logger.warning("fill plan %s unreadable, ignored: %s", self.path, exc)
            return None
        return plan if self._valid(plan) else None

    @staticmethod
    def _valid(plan: Any) -> bool:
        return (isinstance(plan, dict) and isinstance(plan.get("version"), int)
                and isinstance(plan.get("objects"), list) and isinstance(plan.get("window"), str)
                and float(plan.get("rate_mbps") or 0) > 0)

    def plan_set(self, plan: dict[str, Any]) -> None:
        """A new plan from the control plane: kept on disk first, then run."""
        if not self._valid(plan):
            logger.warning("fill plan from the control plane is malformed, ignored")
            return
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(plan))
        os.replace(tmp, self.path)
        self.plan, self._missing = plan, set()
        self._recount()
        self._wake.set()

    def _recount(self) -> None:
        objects = self.plan["objects"] if self.plan else []
        present = [(key, size) for key, size in objects if self.cache.contains(key)]
        self.objects_done, self.bytes_done = len(present), sum(size for _, size in present)

    def progress(self) -> dict[str, Any] | None:
        """For the heartbeat: which plan, its state, how far."""
        if not self.plan:
            return None
        return {"plan": self.version, "state": self.state, "objects_done": self.objects_done,
                "bytes_done": self.bytes_done}

    def _open(self, plan: dict[str, Any]) -> bool:
        try:
            return bool(plan.get("start_now")) or window_is_open(plan["window"])
        except ValueError:
            return False

    async def _idle(self, seconds: float = IDLE_SECONDS) -> None:
        self._wake.clear()
        try:
            await asyncio.wait_for(self._wake.wait(), timeout=seconds)
        except TimeoutError:
            pass

    async def run(self) -> None:
        while True:
            plan = self.plan
            if plan is None:
                self.state = "idle"
                await self._idle()
                continue
            self._recount()
            pending = [(key, int(size)) for key, size in plan["objects"]
                       if key not in self._missing and not self.cache.contains(key)]
            if not pending:
                self.state = "done"
                await self._idle(DONE_SECONDS)
                continue
            if not self._open(plan):
                self.state = "waiting"
                await self._idle(WAITING_SECONDS)
                continue
            self.state = "running"
            await self._run_window(plan, pending)

    async def _run_window(self, plan: dict[str, Any], pending: list[tuple[str, int]]) -> None:
        bits_per_second = float(plan["rate_mbps"]) * 1e6
        started, sent = time.monotonic(), 0
        for key, size in pending:
            if self.plan is not plan or not self._open(plan):
                return  # a new plan, or the window closed: start over
            try:
                fetched = await self.cache.fill_from_origin(key)
            except OriginNotFound:
                logger.warning("fill plan object %s is not at origin; skipped", key)
                self._missing.add(key)
                continue
            except OriginError as exc:
                logger.warning("fill from origin failed (%s); retrying shortly", exc)
                await self._idle(5.0)
                return
            self.objects_done += 1
            self.bytes_done += size
            self.bytes_fetched += fetched
            sent += fetched
            wait = sent * 8 / bits_per_second - (time.monotonic() - started)
            if wait > 0:
                await asyncio.sleep(wait)
