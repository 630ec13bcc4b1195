"""Push fill beside an nginx edge: edge_agent runs the node's fill plan by
asking its own nginx for each planned object, inside the window, at the
rate cap. nginx cannot run a plan, but it can be asked: each request
carries the plan's fill token (issued by the control plane with the plan,
for the node alone) and ``X-Edge-Fill: push``, so nginx fills it from its
origin hop (the node owns what it is planned) and caches it like any miss.

The position in the plan is kept in a state file after every object, so a
restarted agent goes on where it stopped; an object nginx already holds
answers as a HIT and costs no origin bytes (nor rate). The agent's own
requests are left out of the viewer counters (edge.agent)."""
from __future__ import annotations

import json
import logging
import os
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from edge.heartbeat import FILL_PLAN_PATH, signed_get_headers
from edge.rendezvous import PEER_FILL_HEADER
from edge.window import window_is_open

logger = logging.getLogger("edge.agent")
PUSH_MARK = "push"  # the X-Edge-Fill value of the agent's own requests
CHUNK = 256 * 1024


class AgentPush:
    def __init__(self, *, state_path: Path, edge_url: str):
        self.state_path = state_path
        self.edge_url = edge_url.rstrip("/")
        self.plan: dict[str, Any] | None = None
        self.next = 0
        self.objects_done = 0
        self.bytes_done = 0
        self.state = "idle"
        self.needs_token = False
        self._load()

    @property
    def version(self) -> int | None:
        return int(self.plan["version"]) if self.plan else None

    def _load(self) -> None:
        try:
            saved = json.loads(self.state_path.read_text())
            plan = saved["plan"]
            if isinstance(plan.get("objects"), list) and isinstance(plan.get("version"), int):
                self.plan = plan
                self.next, self.objects_done, self.bytes_done = (int(saved.get(k, 0)) for k in
                                                                  ("next", "objects_done", "bytes_done"))
        except FileNotFoundError:
            return
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            logger.warning("push fill state %s unreadable, ignored: %s", self.state_path, exc)

    def _save(self) -> None:
        tmp = self.state_path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"plan": self.plan, "next": self.next, "objects_done": self.objects_done,
                                   "bytes_done": self.bytes_done}))
        os.replace(tmp, self.state_path)

    def plan_set(self, plan: dict[str, Any]) -> None:
        same = self.plan is not None and plan.get("version") == self.plan.get("version")
        self.plan = plan
        if not same:  # a new plan starts from its beginning; the same one with a fresh token goes on
            self.next, self.objects_done, self.bytes_done = 0, 0, 0
        self.needs_token = False
        self._save()

    def plan_fetch(self, *, control_url: str, node_id: int, secret: str) -> None:
        headers = signed_get_headers(node_id=node_id, secret=secret, path=FILL_PLAN_PATH)
        request = urllib.request.Request(control_url.rstrip("/") + FILL_PLAN_PATH, headers=headers)
        with urllib.request.urlopen(request, timeout=30) as response:
            plan = json.loads(response.read())
        if isinstance(plan, dict) and isinstance(plan.get("objects"), list) and plan.get("token"):
            self.plan_set(plan)

    def progress(self) -> dict[str, Any] | None:
        if not self.plan:
            return None
        return {"plan": self.version, "state": self.state, "objects_done": self.objects_done,
                "bytes_done": self.bytes_done}

    def wants_plan(self, announced: Any) -> bool:
        """Fetch the plan? A newer version is announced, or the token expired."""
        return bool(announced) and (announced != self.version or self.needs_token)

    def _fetch(self, key: str) -> tuple[int, str, int]:
        """(status, cache status, bytes) of one object through our nginx."""
        assert self.plan is not None
        url = f"{self.edge_url}/t/{self.plan['token']}/{key}"
        request = urllib.request.Request(url, headers={PEER_FILL_HEADER: PUSH_MARK})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                size = 0
                while chunk := response.read(CHUNK):
                    size += len(chunk)
                return response.status, response.headers.get("X-Cache-Status", ""), size
        except urllib.error.HTTPError as exc:
            return exc.code, "", 0

    def step(self, *, seconds: float) -> None:
        """Run the plan for about ``seconds`` (between two heartbeats)."""
        plan = self.plan
        if plan is None:
            self.state = "idle"
            time.sleep(seconds)
            return
        objects = plan["objects"]
        if self.next >= len(objects):
            self.state = "done"
            time.sleep(seconds)
            return
        try:
            open_now = bool(plan.get("start_now")) or window_is_open(str(plan.get("window")))
        except ValueError:
            open_now = False
        if not open_now or self.needs_token:
            self.state = "waiting"
            time.sleep(seconds)
            return
        self.state = "running"
        bits_per_second = float(plan.get("rate_mbps") or 1) * 1e6
        started, sent = time.monotonic(), 0
        while self.next < len(objects) and time.monotonic() - started < seconds:
            key, size = objects[self.next]
            try:
                status, cache_status, fetched = self._fetch(key)
            except OSError as exc:
                logger.warning("push fill: nginx did not answer (%s); retrying shortly", exc)
                return
            if status == 403:  # the fill token expired: ask for the plan again
                self.needs_token = True
                return
            if status not in (200, 404):
                logger.warning("push fill: %s answered HTTP %s; retrying shortly", key, status)
                return
            self.next += 1
            if status == 200:
                self.objects_done += 1
                self.bytes_done += int(size)
                if cache_status != "HIT":
                    sent += fetched
            self._save()
            wait = sent * 8 / bits_per_second - (time.monotonic() - started)
            if wait > 0:
                time.sleep(wait)
        if self.next >= len(objects):
            self.state = "done"
