"""Reads about nodes for the nodes themselves: what a heartbeat answer
tells an edge (its zone's healthy peers, its fill plan)."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from edge.models import EdgeNode
from edge.selectors.fill import fill_plan_summary


def zone_peers(*, node: EdgeNode, now: datetime | None = None) -> list[EdgeNode]:
    """The healthy nodes of ``node``'s zone (enabled, heartbeat within the
    TTL), the node itself included when it is one, by name. Every node of
    the zone hashes objects over this same list to agree on their owners."""
    now = now or timezone.now()
    since = now - timedelta(seconds=settings.EDGE_HEARTBEAT_TTL)
    return list(EdgeNode.objects.filter(zone_id=node.zone_id, enabled=True, last_heartbeat_at__gte=since)
                .order_by("name"))


def heartbeat_answer(*, node: EdgeNode, now: datetime | None = None) -> dict[str, Any]:
    """What the control plane answers an accepted heartbeat, one section per
    concern so that more can be added (an edge ignores keys it does not know):

    - ``node``, ``health``, ``ttl``: how the control plane sees the node;
    - ``zone`` and ``peers``: the zone's healthy nodes (name, base URL), over
      which an edge hashes a missed object to the peer that owns it;
    - ``fill``: the version of the node's push-fill plan (None: no plan) and
      where to fetch it (signed like a heartbeat)."""
    return {
        "node": node.name,
        "health": node.health(now=now),
        "ttl": settings.EDGE_HEARTBEAT_TTL,
        "zone": node.zone.code,
        "peers": [{"name": peer.name, "url": peer.base_url} for peer in zone_peers(node=node, now=now)],
        "fill": fill_plan_summary(node=node),
    }
