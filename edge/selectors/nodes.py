"""Reads about nodes for the nodes themselves: what a heartbeat answer
tells an edge (its zone's healthy peers, its fill plan, the sessions it
must refuse), and how far every edge has applied the revocations."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Min
from django.utils import timezone

from edge.models import EdgeNode
from edge.revocation import revocation_overlap, revoked_section
from edge.selectors.fill import fill_plan_summary


def zone_peers(*, node: EdgeNode, now: datetime | None = None) -> list[EdgeNode]:
    """The healthy nodes of ``node``'s zone (enabled, heartbeat within the
    TTL), the node itself included when it is one, by name. Every node of
    the zone hashes objects over this same list to agree on their owners."""
    now = now or timezone.now()
    since = now - timedelta(seconds=settings.EDGE_HEARTBEAT_TTL)
    return list(EdgeNode.objects.filter(zone_id=node.zone_id, enabled=True, last_heartbeat_at__gte=since)
                .order_by("name"))


def revocations_applied_everywhere_at(*, now: datetime | None = None) -> datetime | None:
    """Every healthy edge refuses the sessions revoked up to this moment
    (the least advanced cursor of the enabled nodes heartbeating within the
    TTL, less the overlap); None when no such node keeps a list. A node
    that stops heartbeating drops out after EDGE_HEARTBEAT_TTL, and is sent
    no new viewers either."""
    now = now or timezone.now()
    since = now - timedelta(seconds=settings.EDGE_HEARTBEAT_TTL)
    least = (EdgeNode.objects.filter(enabled=True, last_heartbeat_at__gte=since,
                                     revocations_applied_at__isnull=False)
             .aggregate(least=Min("revocations_applied_at"))["least"])
    return None if least is None else least - revocation_overlap()


def heartbeat_answer(*, node: EdgeNode, now: datetime | None = None) -> dict[str, Any]:
    """What the control plane answers an accepted heartbeat, one section per
    concern so that more can be added (an edge ignores keys it does not know):

    - ``node``, ``health``, ``ttl``: how the control plane sees the node;
    - ``zone`` and ``peers``: the zone's healthy nodes (name, base URL), over
      which an edge hashes a missed object to the peer that owns it;
    - ``fill``: the version of the node's push-fill plan (None: no plan) and
      where to fetch it (signed like a heartbeat);
    - ``revoked``: the playback sessions whose tokens it must refuse, new
      since the cursor it reported (all of them when it reported none),
      see edge.revocation."""
    now = now or timezone.now()
    return {
        "node": node.name,
        "health": node.health(now=now),
        "ttl": settings.EDGE_HEARTBEAT_TTL,
        "zone": node.zone.code,
        "peers": [{"name": peer.name, "url": peer.base_url} for peer in zone_peers(node=node, now=now)],
        "fill": fill_plan_summary(node=node),
        "revoked": revoked_section(since=node.revocations_applied_at, now=now),
    }
