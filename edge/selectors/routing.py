"""Reads of the control plane: which edges a viewer should use, in order.

Two tiers, as in the design: tier 1 picks the zone (nearest by great-circle
distance among zones with a healthy node and load under the threshold; an
overloaded zone is avoided, Ribbon-style, unless every zone is), tier 2 the
node inside it by round robin on a counter in Django's cache, which is Redis
in production so that every web process advances the same counter.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from edge.geo import country_coordinates, distance_km
from edge.models import EdgeNode, Zone
from edge.selectors.networks import client_network_match

ORIGIN_PATHWAY_ID = "origin"


@dataclass(frozen=True)
class Pathway:
    """One way to reach the ladder: an edge node, or the origin (node_id None).
    URLs are ``<base_url>/t/<token>/hls/<video public id>/<rest>``."""

    id: str
    base_url: str
    zone_code: str
    zone_name: str
    node_id: int | None

    @property
    def is_origin(self) -> bool:
        return self.node_id is None


@dataclass(frozen=True)
class ZoneStatus:
    zone: Zone
    nodes: tuple[EdgeNode, ...]  # fresh and enabled, by id
    load: float  # active connections / capacity over those nodes
    distance_km: float | None

    @property
    def overloaded(self) -> bool:
        return self.load >= settings.EDGE_OVERLOAD_THRESHOLD


def origin_base_url() -> str:
    """The origin pathway's base: Django serving ``/edge/origin/t/<token>/hls/...``."""
    path = reverse("edge:origin", kwargs={"token": "x", "rest": "x"})
    return settings.EDGE_ORIGIN_URL + path.split("/t/x/", 1)[0]


def origin_pathway() -> Pathway:
    return Pathway(id=ORIGIN_PATHWAY_ID, base_url=origin_base_url(), zone_code="origin",
                   zone_name="Origin", node_id=None)


def node_pathway(*, node: EdgeNode) -> Pathway:
    return Pathway(id=node.name, base_url=node.base_url.rstrip("/"), zone_code=node.zone.code,
                   zone_name=node.zone.name, node_id=node.pk)


def nodes_fresh(*, now: datetime | None = None) -> list[EdgeNode]:
    """Enabled nodes whose last heartbeat is within EDGE_HEARTBEAT_TTL."""
    now = now or timezone.now()
    since = now - timedelta(seconds=settings.EDGE_HEARTBEAT_TTL)
    return list(
        EdgeNode.objects.filter(enabled=True, last_heartbeat_at__gte=since).select_related("zone").order_by("pk")
    )


def zones_ranked(
    *, country: str, client_ip: str | None = None, now: datetime | None = None, preferred: str | None = None,
) -> list[ZoneStatus]:
    """Zones with at least one fresh node, nearest first (a ClientNetwork's
    own zone, or ``preferred`` when given, before all), overloaded ones
    after every other."""
    if preferred is None:
        match = client_network_match(client_ip=client_ip)
        preferred = match.zone_code if match else None
    by_zone: dict[int, list[EdgeNode]] = {}
    for node in nodes_fresh(now=now):
        by_zone.setdefault(node.zone_id, []).append(node)
    point = country_coordinates(country=country)
    statuses = []
    for nodes in by_zone.values():
        zone = nodes[0].zone
        if point is None and preferred == zone.code:
            point = (zone.latitude, zone.longitude)
        active = sum(n.active_connections for n in nodes)
        capacity = sum(n.capacity for n in nodes)
        distance = distance_km(point, (zone.latitude, zone.longitude)) if point else None
        statuses.append(ZoneStatus(zone=zone, nodes=tuple(nodes), load=active / max(capacity, 1),
                                   distance_km=distance))

    def key(status: ZoneStatus) -> tuple:
        return (
            status.overloaded,
            status.zone.code != preferred,
            status.distance_km if status.distance_km is not None else math.inf,
            status.zone.country != country,
            status.zone.code,
        )

    return sorted(statuses, key=key)


def round_robin_next(*, counter: str) -> int:
    """The next value of a counter shared by every process using the cache
    (Redis INCR in production: atomic across web processes and machines)."""
    key = f"edge:rr:{counter}"
    try:
        return cache.incr(key)
    except ValueError:
        # First use (or evicted): add is "set if absent", so racing processes
        # agree on one starting value and both increments count.
        cache.add(key, 0, timeout=None)
        return cache.incr(key)


def zone_node_pick(*, status: ZoneStatus) -> EdgeNode:
    """Tier 2: round robin over the zone's nodes that are not overloaded
    themselves (all of them if every one is)."""
    threshold = settings.EDGE_OVERLOAD_THRESHOLD
    candidates = [n for n in status.nodes if n.load < threshold] or list(status.nodes)
    turn = round_robin_next(counter=status.zone.code)
    return candidates[(turn - 1) % len(candidates)]


@dataclass(frozen=True)
class PlaybackRoute:
    pathways: list[Pathway]
    # The zone the viewer belongs to whatever its health ('' when no zone
    # has an enabled node): its signed token carries it, so edges can count
    # the bytes they serve to viewers of other zones.
    viewer_zone: str


def viewer_zone_for(*, country: str, preferred: str | None) -> str:
    """The viewer's own zone: its ClientNetwork's zone, else the zone
    nearest its country, among zones with an enabled node; health aside, so
    that when it is down the traffic it sends elsewhere counts as cross-zone.
    With every zone healthy this is the zone zones_ranked puts first."""
    zones = list(Zone.objects.filter(nodes__enabled=True).distinct())
    if preferred and any(z.code == preferred for z in zones):
        return preferred
    point = country_coordinates(country=country)

    def key(zone: Zone) -> tuple:
        distance = distance_km(point, (zone.latitude, zone.longitude)) if point else math.inf
        return (distance, zone.country != country, zone.code)

    return min(zones, key=key).code if zones else ""


def playback_route(*, country: str, client_ip: str | None, now: datetime | None = None) -> PlaybackRoute:
    """The ordered pathways for a new playback: the chosen node in the
    nearest healthy, non-overloaded zone, then one node in each next-nearest
    zone (at most EDGE_MAX_PATHWAYS edges), and the origin last, always;
    and the viewer's own zone."""
    match = client_network_match(client_ip=client_ip)
    preferred = match.zone_code or "" if match else ""
    return PlaybackRoute(pathways=_pathways(country=country, preferred=preferred, now=now),
                         viewer_zone=viewer_zone_for(country=country, preferred=preferred))


def pathways_for(*, country: str, client_ip: str | None, now: datetime | None = None) -> list[Pathway]:
    """playback_route's pathways alone (advances round robin)."""
    match = client_network_match(client_ip=client_ip)
    return _pathways(country=country, preferred=match.zone_code or "" if match else "", now=now)


def _pathways(*, country: str, preferred: str, now: datetime | None) -> list[Pathway]:
    ranked = zones_ranked(country=country, now=now, preferred=preferred)
    pathways = [node_pathway(node=zone_node_pick(status=status)) for status in ranked[: settings.EDGE_MAX_PATHWAYS]]
    return [*pathways, origin_pathway()]


def pathway_priority(*, pathway_ids: list[str], country: str, client_ip: str | None,
                     now: datetime | None = None) -> list[str]:
    """Reorder a session's existing pathways by current health, for the
    steering manifest: pathways on fresh nodes in zone order, then origin,
    then pathways whose node is stale or gone (hls.js penalises a failing
    pathway anyway; listing them last keeps a way back once they recover).

    Reads only; unlike pathways_for it does not advance round robin, so
    steering reloads do not skew the spread of new sessions."""
    ranked = zones_ranked(country=country, client_ip=client_ip, now=now)
    rank: dict[str, tuple[int, int]] = {}
    for zone_index, status in enumerate(ranked):
        for node in status.nodes:
            rank[node.name] = (zone_index, 1 if node.load >= settings.EDGE_OVERLOAD_THRESHOLD else 0)
    healthy = sorted((p for p in pathway_ids if p in rank), key=lambda p: rank[p])
    rest = [p for p in pathway_ids if p not in rank and p != ORIGIN_PATHWAY_ID]
    origin = [ORIGIN_PATHWAY_ID] if ORIGIN_PATHWAY_ID in pathway_ids else []
    return [*healthy, *origin, *rest]


def node_get(*, node_id: int) -> EdgeNode | None:
    return EdgeNode.objects.select_related("zone").filter(pk=node_id).first()


def pathways_for_ids(*, pathway_ids: list[str]) -> list[Pathway]:
    """The Pathways a session was given, looked up again by id (node name or
    "origin"), in the given order; ids of nodes since removed are skipped."""
    nodes = {n.name: n for n in EdgeNode.objects.select_related("zone").filter(name__in=pathway_ids)}
    out = []
    for pathway_id in pathway_ids:
        if pathway_id == ORIGIN_PATHWAY_ID:
            out.append(origin_pathway())
        elif pathway_id in nodes:
            out.append(node_pathway(node=nodes[pathway_id]))
    return out
