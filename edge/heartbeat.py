"""How an edge proves a heartbeat is its own: HMAC-SHA256 with the node's
secret over the timestamp and the exact body bytes. A GET the node makes of
its own data (its fill plan) is signed the same way over ``GET <path>``.

Pure functions with no database, shared by the Django view that checks and
by the two senders (runedge's reporter and edge_agent beside nginx)."""
from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import asdict, dataclass, field
from typing import Any

HEADER_NODE = "X-Edge-Node"
HEADER_TIMESTAMP = "X-Edge-Timestamp"
HEADER_SIGNATURE = "X-Edge-Signature"
HEARTBEAT_PATH = "/edge/api/heartbeat"
FILL_PLAN_PATH = "/edge/api/fill-plan"


@dataclass
class HeartbeatReport:
    """What a node reports about itself; every figure is since it started
    (``boot`` names that start) except the rates, which cover the last
    interval. ``traffic`` holds edge.traffic counters per viewer zone;
    ``fill`` the progress of its fill plan (plan, state, objects_done,
    bytes_done); ``revoked_cursor`` how far its revocation list goes
    (edge.revocation)."""

    active_connections: int = 0
    requests_per_second: float = 0.0
    cache_bytes: int = 0
    cache_max_bytes: int = 0
    hit_ratio: float | None = None
    bytes_served: int = 0
    software: str = ""
    boot: str = ""
    origin_bytes: int = 0
    peer_bytes_in: int = 0
    peer_bytes_out: int = 0
    traffic: dict[str, Any] = field(default_factory=dict)
    fill: dict[str, Any] | None = None
    # The ``cursor`` of the last revocation list the node applied (None: it
    # has none, and the answer brings the whole list).
    revoked_cursor: float | None = None


def heartbeat_signature(*, secret: str, timestamp: int, body: bytes) -> str:
    message = str(int(timestamp)).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def heartbeat_request_build(
    *, node_id: int, secret: str, report: HeartbeatReport, timestamp: int | None = None
) -> tuple[bytes, dict[str, str]]:
    """The body and headers of a signed heartbeat POST."""
    timestamp = int(time.time()) if timestamp is None else int(timestamp)
    body = json.dumps(asdict(report), separators=(",", ":")).encode()
    headers = {
        "Content-Type": "application/json",
        HEADER_NODE: str(node_id),
        HEADER_TIMESTAMP: str(timestamp),
        HEADER_SIGNATURE: heartbeat_signature(secret=secret, timestamp=timestamp, body=body),
    }
    return body, headers


def signed_get_headers(*, node_id: int, secret: str, path: str, timestamp: int | None = None) -> dict[str, str]:
    """Headers of a GET a node makes of its own data, e.g. FILL_PLAN_PATH."""
    timestamp = int(time.time()) if timestamp is None else int(timestamp)
    return {
        HEADER_NODE: str(node_id),
        HEADER_TIMESTAMP: str(timestamp),
        HEADER_SIGNATURE: heartbeat_signature(secret=secret, timestamp=timestamp, body=f"GET {path}".encode()),
    }
