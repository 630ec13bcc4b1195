"""The heartbeat agent that runs beside an nginx edge (``manage.py
edge_agent``): nginx cannot sign heartbeats itself, so this reads what nginx
exposes (stub_status for connections and requests, the access log for cache
hits and bytes, the cache folder for its size) and reports it like runedge
does, signed with the node's secret."""
from __future__ import annotations

import os
import re
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from edge.heartbeat import HEARTBEAT_PATH, HeartbeatReport, heartbeat_request_build

_STUB_RE = re.compile(r"Active connections:\s*(\d+).*?\n\s*(\d+)\s+(\d+)\s+(\d+)", re.S)


@dataclass
class AgentState:
    """Counters carried from one beat to the next."""

    log_offset: int = 0
    hits: int = 0
    misses: int = 0
    bytes_served: int = 0
    last_requests: int | None = None
    last_time: float = field(default_factory=time.monotonic)


def stub_status_read(*, url: str) -> tuple[int, int]:
    """(active connections, total requests) from nginx's stub_status page,
    not counting the agent's own connection."""
    with urllib.request.urlopen(url, timeout=5) as response:
        text = response.read().decode()
    match = _STUB_RE.search(text)
    if not match:
        raise ValueError(f"Not a stub_status page: {text[:100]!r}")
    return max(int(match.group(1)) - 1, 0), int(match.group(4))


def access_log_consume(*, path: Path, state: AgentState) -> None:
    """Count cache statuses and bytes in the lines added since last time
    (log format: ``$upstream_cache_status $body_bytes_sent $status``)."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return
    if size < state.log_offset:  # rotated
        state.log_offset = 0
    with open(path, "rb") as handle:
        handle.seek(state.log_offset)
        chunk = handle.read()
    complete = chunk.rfind(b"\n") + 1
    state.log_offset += complete
    for line in chunk[:complete].decode(errors="replace").splitlines():
        parts = line.split()
        if len(parts) < 2:
            continue
        cache_status, sent = parts[0], parts[1]
        if cache_status == "HIT":
            state.hits += 1
        elif cache_status in {"MISS", "EXPIRED", "STALE", "UPDATING", "REVALIDATED"}:
            state.misses += 1
        if sent.isdigit():
            state.bytes_served += int(sent)


def folder_bytes(path: Path) -> int:
    total = 0
    for dirpath, _, files in os.walk(path):
        for name in files:
            try:
                total += os.stat(os.path.join(dirpath, name)).st_size
            except FileNotFoundError:
                pass
    return total


def agent_report_collect(*, state: AgentState, stub_status_url: str, access_log: Path, cache_dir: Path,
                         cache_max_bytes: int) -> HeartbeatReport:
    active, requests = stub_status_read(url=stub_status_url)
    now = time.monotonic()
    rps = 0.0
    if state.last_requests is not None:
        # minus one: our own stub_status request
        rps = max(requests - state.last_requests - 1, 0) / max(now - state.last_time, 1e-6)
    state.last_requests, state.last_time = requests, now
    access_log_consume(path=access_log, state=state)
    total = state.hits + state.misses
    return HeartbeatReport(
        active_connections=active, requests_per_second=round(rps, 2), cache_bytes=folder_bytes(cache_dir),
        cache_max_bytes=cache_max_bytes, hit_ratio=(state.hits / total) if total else None,
        bytes_served=state.bytes_served, software="nginx+edge_agent/1",
    )


def agent_heartbeat_send(*, control_url: str, node_id: int, secret: str, report: HeartbeatReport) -> int:
    body, headers = heartbeat_request_build(node_id=node_id, secret=secret, report=report)
    request = urllib.request.Request(control_url.rstrip("/") + HEARTBEAT_PATH, data=body, headers=headers,
                                     method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
