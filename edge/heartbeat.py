"""How an edge proves a heartbeat is its own: HMAC-SHA256 with the node's
secret over the timestamp and the exact body bytes.

Pure functions with no database, shared by the Django view that checks and
by the two senders (runedge's reporter and edge_agent beside nginx)."""
from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import asdict, dataclass

HEADER_NODE = "X-Edge-Node"
HEADER_TIMESTAMP = "X-Edge-Timestamp"
HEADER_SIGNATURE = "X-Edge-Signature"
HEARTBEAT_PATH = "/edge/api/heartbeat"


@dataclass
class HeartbeatReport:
    """What a node reports about itself; every figure is since it started
    except the rates, which cover the last interval."""

    active_connections: int = 0
    requests_per_second: float = 0.0
    cache_bytes: int = 0
    cache_max_bytes: int = 0
    hit_ratio: float | None = None
    bytes_served: int = 0
    software: str = ""


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
