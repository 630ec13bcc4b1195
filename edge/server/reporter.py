"""Heartbeats from a running edge to the control plane: load (active
requests and requests per second over the last interval), cache bytes and
hit ratio, signed with the node's own secret. A failed beat is logged and
retried on the next tick; the edge keeps serving whatever the control plane
does, and the control plane stops steering to it after EDGE_HEARTBEAT_TTL."""
from __future__ import annotations

import asyncio
import logging
import time

import aiohttp

from edge.heartbeat import HEARTBEAT_PATH, HeartbeatReport, heartbeat_request_build

logger = logging.getLogger("edge.server")


async def heartbeat_send(*, session: aiohttp.ClientSession, control_url: str, node_id: int, secret: str,
                         report: HeartbeatReport) -> int:
    body, headers = heartbeat_request_build(node_id=node_id, secret=secret, report=report)
    async with session.post(control_url.rstrip("/") + HEARTBEAT_PATH, data=body, headers=headers) as response:
        if response.status != 200:
            logger.warning("heartbeat refused: HTTP %s %s", response.status, (await response.text())[:200])
        return response.status


async def heartbeat_loop(*, config, stats, cache, software: str) -> None:
    last_requests, last_time = stats.requests, time.monotonic()
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
        while True:
            now = time.monotonic()
            rps = (stats.requests - last_requests) / max(now - last_time, 1e-6)
            last_requests, last_time = stats.requests, now
            report = HeartbeatReport(
                active_connections=stats.active, requests_per_second=round(rps, 2),
                cache_bytes=cache.disk.bytes, cache_max_bytes=cache.disk.max_bytes,
                hit_ratio=stats.hit_ratio, bytes_served=stats.bytes_served, software=software,
            )
            try:
                await heartbeat_send(session=session, control_url=config.control_url, node_id=config.node_id,
                                     secret=config.node_secret, report=report)
            except (TimeoutError, aiohttp.ClientError, OSError) as exc:
                logger.warning("heartbeat to %s failed: %r", config.control_url, exc)
            await asyncio.sleep(config.heartbeat_interval)
