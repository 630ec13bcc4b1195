"""Heartbeats from a running edge to the control plane: load (active
requests and requests per second over the last interval), cache bytes and
hit ratio, bytes from origin and peers, what it served per viewer zone with
the players' CMCD, its fill plan's progress and how far its revocation list
goes; signed with the node's own secret. The answer brings the sessions
whose tokens to refuse from now on (edge.revocation), the zone's healthy
peers (misses are hashed over them) and the version of the node's fill
plan, fetched when it is new.

A failed beat is logged and retried on the next tick; the edge keeps
serving whatever the control plane does (with the peers and plan it last
had), and the control plane stops steering to it after EDGE_HEARTBEAT_TTL."""
from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import aiohttp
from aiohttp import web

from edge.heartbeat import HEARTBEAT_PATH, HeartbeatReport, heartbeat_request_build, signed_get_headers
from edge.server.peers import Peer
from edge.server.state import CACHE_KEY, PUSH_KEY, REVOKED_KEY, SOFTWARE, STATS_KEY, TRAFFIC_KEY

logger = logging.getLogger("edge.server")


async def heartbeat_send(*, session: aiohttp.ClientSession, control_url: str, node_id: int, secret: str,
                         report: HeartbeatReport) -> tuple[int, dict[str, Any] | None]:
    """(HTTP status, the answer when accepted)."""
    body, headers = heartbeat_request_build(node_id=node_id, secret=secret, report=report)
    async with session.post(control_url.rstrip("/") + HEARTBEAT_PATH, data=body, headers=headers) as response:
        if response.status != 200:
            logger.warning("heartbeat refused: HTTP %s %s", response.status, (await response.text())[:200])
            return response.status, None
        answer = await response.json()
        return response.status, answer if isinstance(answer, dict) else None


async def fill_plan_fetch(*, session: aiohttp.ClientSession, control_url: str, node_id: int, secret: str,
                          path: str) -> dict[str, Any] | None:
    headers = signed_get_headers(node_id=node_id, secret=secret, path=path)
    async with session.get(control_url.rstrip("/") + path, headers=headers) as response:
        if response.status != 200:
            logger.warning("fill plan not fetched: HTTP %s", response.status)
            return None
        plan = await response.json()
        return plan if isinstance(plan, dict) else None


def peers_from_answer(answer: dict[str, Any]) -> list[Peer] | None:
    """The answer's peer list, or None when it has none we can read."""
    raw = answer.get("peers")
    if not isinstance(raw, list):
        return None
    return [Peer(name=str(p["name"]), url=str(p["url"])) for p in raw
            if isinstance(p, dict) and p.get("name") and p.get("url")]


def report_build(*, app: web.Application, rps: float) -> HeartbeatReport:
    stats, cache, revoked = app[STATS_KEY], app[CACHE_KEY], app[REVOKED_KEY]
    return HeartbeatReport(
        active_connections=stats.active, requests_per_second=round(rps, 2),
        cache_bytes=cache.disk.bytes, cache_max_bytes=cache.disk.max_bytes,
        hit_ratio=stats.hit_ratio, bytes_served=stats.bytes_served, software=SOFTWARE, boot=stats.boot,
        origin_bytes=stats.origin_bytes, peer_bytes_in=stats.peer_bytes_in, peer_bytes_out=stats.peer_bytes_out,
        traffic=app[TRAFFIC_KEY].snapshot(), fill=app[PUSH_KEY].progress(), revoked_cursor=revoked.cursor,
    )


async def heartbeat_loop(*, config, app: web.Application, first_beat: asyncio.Event | None = None) -> None:
    """Beat every interval, for ever; ``first_beat`` is set once the first
    one was answered or failed (the server listens after it)."""
    stats, cache, push, revoked = app[STATS_KEY], app[CACHE_KEY], app[PUSH_KEY], app[REVOKED_KEY]
    last_requests, last_time = stats.requests, time.monotonic()
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        while True:
            now = time.monotonic()
            rps = (stats.requests - last_requests) / max(now - last_time, 1e-6)
            last_requests, last_time = stats.requests, now
            try:
                _, answer = await heartbeat_send(
                    session=session, control_url=config.control_url, node_id=config.node_id,
                    secret=config.node_secret, report=report_build(app=app, rps=rps))
                if answer is not None:
                    # First: a revoked session's tokens stop working now.
                    if not revoked.apply(answer.get("revoked")):
                        logger.warning("heartbeat answer without a readable revocation list")
                    if first_beat is not None:
                        first_beat.set()
                    peers = peers_from_answer(answer)
                    if peers is not None:
                        cache.peers.update(peers)
                    fill = answer.get("fill") or {}
                    if fill.get("plan") and fill.get("plan") != push.version and fill.get("url"):
                        plan = await fill_plan_fetch(session=session, control_url=config.control_url,
                                                     node_id=config.node_id, secret=config.node_secret,
                                                     path=str(fill["url"]))
                        if plan is not None:
                            push.plan_set(plan)
            except (aiohttp.ClientError, TimeoutError, OSError, ValueError) as exc:
                logger.warning("heartbeat to %s failed: %r", config.control_url, exc)
            if first_beat is not None:
                first_beat.set()
            await asyncio.sleep(config.heartbeat_interval)
