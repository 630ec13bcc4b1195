"""Small builders for the edge tests: zones, nodes, heartbeats."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from edge.models import EdgeNode, Zone
from edge.services import edge_node_create, zone_create

ZONES = {
    "mumbai": ("Mumbai", "IN", 19.07, 72.87),
    "frankfurt": ("Frankfurt", "DE", 50.11, 8.68),
    "virginia": ("Virginia", "US", 38.95, -77.45),
    "singapore": ("Singapore", "SG", 1.35, 103.82),
}


def zone_make(code: str) -> Zone:
    name, country, lat, lon = ZONES[code]
    return Zone.objects.filter(code=code).first() or zone_create(
        code=code, name=name, country=country, latitude=lat, longitude=lon
    )


def node_make(zone_code: str, index: int = 1, *, capacity: int = 100, port: int | None = None) -> EdgeNode:
    zone = zone_make(zone_code)
    return edge_node_create(
        zone=zone, name=f"{zone_code}-{index}", capacity=capacity,
        base_url=f"http://127.0.0.1:{port or 9000 + index}",
    )


def node_beat(node: EdgeNode, *, active: int = 0, age_seconds: float = 0) -> EdgeNode:
    """Pretend the node reported ``age_seconds`` ago with ``active`` connections."""
    EdgeNode.objects.filter(pk=node.pk).update(
        last_heartbeat_at=timezone.now() - timedelta(seconds=age_seconds), active_connections=active
    )
    node.refresh_from_db()
    return node


@pytest.fixture(autouse=True)
def clear_cache():
    """Round-robin counters and the client-network table live in the cache."""
    cache.clear()
    yield
