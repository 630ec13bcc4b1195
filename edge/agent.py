"""The heartbeat agent that runs beside an nginx edge (``manage.py
edge_agent``): nginx cannot sign heartbeats itself, so this reads what nginx
exposes (stub_status for connections and requests, the access log for cache
hits, bytes per viewer zone, requests from peers and the players' CMCD, the
origin hop's log for bytes from origin, the cache folder for its size) and
reports it like runedge does, signed with the node's secret. It keeps the
revocation list each answer brings where njs reads it (edge.agent_revoke),
and runs the node's push-fill plan through nginx (edge.agent_push)."""
from __future__ import annotations

import json
import os
import re
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from edge.agent_push import PUSH_MARK
from edge.heartbeat import HEARTBEAT_PATH, HeartbeatReport, heartbeat_request_build
from edge.traffic import TrafficCounters, cmcd_parse

_STUB_RE = re.compile(r"Active connections:\s*(\d+).*?\n\s*(\d+)\s+(\d+)\s+(\d+)", re.S)


@dataclass
class AgentState:
    """Counters carried from one beat to the next."""

    log_offset: int = 0
    fill_log_offset: int = 0
    hits: int = 0
    misses: int = 0
    bytes_served: int = 0
    origin_bytes: int = 0
    peer_bytes_out: int = 0
    traffic: TrafficCounters = field(default_factory=TrafficCounters)
    # Counters are cumulative since the agent started: a new boot id tells the control plane.
    boot: str = field(default_factory=lambda: uuid.uuid4().hex)
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


def _new_lines(path: Path, offset: int) -> tuple[list[str], int]:
    """Complete lines added to ``path`` since ``offset``, and the new offset."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return [], offset
    if size < offset:  # rotated
        offset = 0
    with open(path, "rb") as handle:
        handle.seek(offset)
        chunk = handle.read()
    complete = chunk.rfind(b"\n") + 1
    return chunk[:complete].decode(errors="replace").splitlines(), offset + complete


def access_log_consume(*, path: Path, state: AgentState) -> None:
    """Count the lines added since last time. Log format (edge.nginx):
    ``$upstream_cache_status $body_bytes_sent $status $msec $edge_viewer_zone
    $http_x_edge_fill $arg_cmcd``; older lines with only the first three
    fields still count hits and bytes."""
    lines, state.log_offset = _new_lines(path, state.log_offset)
    for line in lines:
        parts = line.split()
        if len(parts) < 2:
            continue
        cache_status, sent = parts[0], parts[1]
        if cache_status == "HIT":
            state.hits += 1
        elif cache_status in {"MISS", "EXPIRED", "STALE", "UPDATING", "REVALIDATED"}:
            state.misses += 1
        nbytes = int(sent) if sent.isdigit() else 0
        state.bytes_served += nbytes
        if len(parts) < 7 or parts[2] not in {"200", "206"}:
            continue
        _, _, _, msec, zone, peer, cmcd = parts[:7]
        if peer == PUSH_MARK:
            continue  # our own push fill, neither a viewer nor a peer
        if peer != "-":
            state.peer_bytes_out += nbytes  # a zone peer's fill, not a viewer
            continue
        try:
            at_ms = float(msec) * 1000
        except ValueError:
            continue
        state.traffic.observe(zone=None if zone == "-" else zone, nbytes=nbytes,
                              cmcd=None if cmcd == "-" else cmcd_parse(cmcd, encoded=True), at_ms=at_ms)


def fill_log_consume(*, path: Path, state: AgentState) -> None:
    """Bytes the origin hop fetched from origin (``$body_bytes_sent $status``)."""
    lines, state.fill_log_offset = _new_lines(path, state.fill_log_offset)
    for line in lines:
        parts = line.split()
        if len(parts) >= 2 and parts[0].isdigit() and parts[1] in {"200", "206"}:
            state.origin_bytes += int(parts[0])


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
                         cache_max_bytes: int, fill_log: Path | None = None,
                         fill: dict[str, Any] | None = None,
                         revoked_cursor: float | None = None) -> HeartbeatReport:
    active, requests = stub_status_read(url=stub_status_url)
    now = time.monotonic()
    rps = 0.0
    if state.last_requests is not None:
        # minus one: our own stub_status request
        rps = max(requests - state.last_requests - 1, 0) / max(now - state.last_time, 1e-6)
    state.last_requests, state.last_time = requests, now
    access_log_consume(path=access_log, state=state)
    if fill_log is not None:
        fill_log_consume(path=fill_log, state=state)
    total = state.hits + state.misses
    return HeartbeatReport(
        active_connections=active, requests_per_second=round(rps, 2), cache_bytes=folder_bytes(cache_dir),
        cache_max_bytes=cache_max_bytes, hit_ratio=(state.hits / total) if total else None,
        bytes_served=state.bytes_served, software="nginx+edge_agent/2", boot=state.boot,
        origin_bytes=state.origin_bytes, peer_bytes_out=state.peer_bytes_out, traffic=state.traffic.snapshot(),
        fill=fill, revoked_cursor=revoked_cursor,
    )


def agent_heartbeat_send(*, control_url: str, node_id: int, secret: str,
                         report: HeartbeatReport) -> tuple[int, dict[str, Any] | None]:
    """(HTTP status, the answer when accepted)."""
    body, headers = heartbeat_request_build(node_id=node_id, secret=secret, report=report)
    request = urllib.request.Request(control_url.rstrip("/") + HEARTBEAT_PATH, data=body, headers=headers,
                                     method="POST")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            answer = json.loads(response.read() or b"null")
            return response.status, answer if isinstance(answer, dict) else None
    except urllib.error.HTTPError as exc:
        return exc.code, None
