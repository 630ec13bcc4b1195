"""The edge server's shared state: its configuration, its counters, and the
keys the aiohttp application keeps them under (read by the app, the
heartbeat reporter and the push fill alike)."""
from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web

from edge.server.fill import EdgeCache
from edge.server.origins import Origin
from edge.server.peers import Peer
from edge.server.push import PushFill
from edge.server.revoked import RevokedSessions
from edge.traffic import TrafficCounters

SOFTWARE = "runedge/2"


@dataclass
class EdgeConfig:
    node_name: str
    origin: Origin
    cache_dir: Path
    cache_max_bytes: int
    signing_keys: dict[str, str]
    cors_origins: list[str] = field(default_factory=lambda: ["*"])
    # Who may read /_edge/status (CIDRs): this machine only by default.
    status_from: list[str] = field(default_factory=lambda: ["127.0.0.1/32", "::1/128"])
    # Heartbeats: all three set, or no heartbeats (tests, benches).
    control_url: str | None = None
    node_id: int | None = None
    node_secret: str | None = None
    heartbeat_interval: float = 5.0
    # Fill from peers: the zone's nodes (replaced by each heartbeat answer).
    peers: list[Peer] = field(default_factory=list)
    peer_fill: bool = True
    # Keep a copy of an object fetched from its owner from its n-th miss on
    # this node (0: never; the zone's cache is then the sum of its nodes').
    peer_copy_after: int = 0
    peer_timeout: float = 1.0
    peer_retry: float = 10.0
    push_fill: bool = True


@dataclass
class EdgeStats:
    requests: int = 0
    active: int = 0
    hits: int = 0
    misses: int = 0
    origin_fetches: int = 0
    origin_errors: int = 0
    origin_bytes: int = 0
    peer_fetches: int = 0
    peer_errors: int = 0
    peer_bytes_in: int = 0
    peer_transient: int = 0    # fetched from a peer and served without keeping a copy (first miss)
    peer_requests: int = 0  # requests from peers (served or filled from origin for them)
    peer_bytes_out: int = 0
    refused: int = 0
    bytes_served: int = 0
    started_at: float = field(default_factory=time.time)
    boot: str = field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def hit_ratio(self) -> float | None:
        total = self.hits + self.misses
        return self.hits / total if total else None


STATS_KEY: web.AppKey[EdgeStats] = web.AppKey("stats")
CACHE_KEY: web.AppKey[EdgeCache] = web.AppKey("cache")
PUSH_KEY: web.AppKey[PushFill] = web.AppKey("push")
TRAFFIC_KEY: web.AppKey[TrafficCounters] = web.AppKey("traffic")
REVOKED_KEY: web.AppKey[RevokedSessions] = web.AppKey("revoked")
