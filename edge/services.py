"""Writes of the control plane: zones, nodes, client networks, heartbeats,
and the demo's three edges."""
from __future__ import annotations

import hmac
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from edge.heartbeat import HeartbeatReport, heartbeat_signature
from edge.models import ClientNetwork, EdgeNode, Zone, node_secret_generate
from edge.selectors import CLIENT_NETWORKS_CACHE_KEY


class EdgeError(Exception):
    """The one application error of the edge app; ``status`` is its HTTP answer."""

    status = 400

    def __init__(self, message: str, *, status: int | None = None):
        super().__init__(message)
        if status is not None:
            self.status = status


class HeartbeatRejected(EdgeError):
    status = 403


def zone_create(*, code: str, name: str, country: str, latitude: float, longitude: float) -> Zone:
    zone = Zone(code=code, name=name, country=country.upper(), latitude=latitude, longitude=longitude)
    zone.full_clean()
    zone.save()
    return zone


def edge_node_create(
    *, zone: Zone, name: str, base_url: str, capacity: int = 1000, enabled: bool = True
) -> EdgeNode:
    node = EdgeNode(zone=zone, name=name, base_url=base_url.rstrip("/"), capacity=capacity, enabled=enabled)
    node.full_clean()
    node.save()
    return node


def edge_node_secret_rotate(*, node: EdgeNode) -> str:
    """A new heartbeat secret; the node must be given it before its next beat."""
    node.secret = node_secret_generate()
    node.save(update_fields=["secret"])
    return node.secret


def client_network_save(*, network: ClientNetwork) -> ClientNetwork:
    network.full_clean()
    network.save()
    # Selectors keep the table in the cache; a change must show at once.
    cache.delete(CLIENT_NETWORKS_CACHE_KEY)
    return network


def client_network_create(*, cidr: str, zone: Zone | None = None, country: str = "", note: str = "") -> ClientNetwork:
    return client_network_save(network=ClientNetwork(cidr=cidr, zone=zone, country=country.upper(), note=note))


def client_network_delete(*, network: ClientNetwork) -> None:
    network.delete()
    cache.delete(CLIENT_NETWORKS_CACHE_KEY)


def _report_parse(body: bytes) -> HeartbeatReport:
    try:
        data = json.loads(body or b"{}")
        if not isinstance(data, dict):
            raise ValueError("not an object")

        def number(name: str, kind: type, minimum: float = 0):
            value = kind(data.get(name) or 0)
            if value < minimum or (kind is float and value != value):
                raise ValueError(f"{name} out of range")
            return value

        hit_ratio = data.get("hit_ratio")
        if hit_ratio is not None:
            hit_ratio = float(hit_ratio)
            if not 0 <= hit_ratio <= 1:
                raise ValueError("hit_ratio must be between 0 and 1")
        return HeartbeatReport(
            active_connections=number("active_connections", int),
            requests_per_second=number("requests_per_second", float),
            cache_bytes=number("cache_bytes", int),
            cache_max_bytes=number("cache_max_bytes", int),
            hit_ratio=hit_ratio,
            bytes_served=number("bytes_served", int),
            software=str(data.get("software") or "")[:60],
        )
    except (TypeError, ValueError) as exc:
        raise EdgeError(f"The heartbeat body is not a valid report ({exc}).") from exc


def edge_heartbeat_record(
    *, node_id: str | int, timestamp: str | int, signature: str, body: bytes, now: int | None = None
) -> EdgeNode:
    """Check a heartbeat's signature and freshness, then store its figures.

    Refused: an unknown or disabled node, a bad signature, a timestamp
    outside EDGE_HEARTBEAT_SKEW of our clock, or one not newer than the last
    accepted (a replay inside the window). The conditional UPDATE makes the
    "newer than the last" check atomic when two copies race."""
    try:
        node_pk, ts = int(node_id), int(timestamp)
    except (TypeError, ValueError) as exc:
        raise HeartbeatRejected("The node id and timestamp must be integers.") from exc
    node = EdgeNode.objects.filter(pk=node_pk).first()
    if node is None:
        raise HeartbeatRejected("Unknown node.")
    expected = heartbeat_signature(secret=node.secret, timestamp=ts, body=body)
    if not hmac.compare_digest(expected, signature or ""):
        raise HeartbeatRejected("Bad heartbeat signature.")
    now = int(time.time()) if now is None else now
    if abs(now - ts) > settings.EDGE_HEARTBEAT_SKEW:
        raise HeartbeatRejected(f"Heartbeat timestamp is {now - ts} s off our clock (replay or bad clock).")
    report = _report_parse(body)
    with transaction.atomic():
        updated = EdgeNode.objects.filter(pk=node.pk, last_heartbeat_ts__lt=ts).update(
            last_heartbeat_at=timezone.now(),
            last_heartbeat_ts=ts,
            active_connections=report.active_connections,
            requests_per_second=report.requests_per_second,
            cache_bytes=report.cache_bytes,
            cache_max_bytes=report.cache_max_bytes,
            hit_ratio=report.hit_ratio,
            bytes_served=report.bytes_served,
            software=report.software,
        )
    if not updated:
        raise HeartbeatRejected("A heartbeat this old was already accepted (replay).", status=409)
    node.refresh_from_db()
    return node


@dataclass(frozen=True)
class DemoEdge:
    zone_code: str
    zone_name: str
    country: str
    latitude: float
    longitude: float
    port: int


DEMO_EDGES = (
    DemoEdge("mumbai", "Mumbai", "IN", 19.07, 72.87, 8101),
    DemoEdge("frankfurt", "Frankfurt", "DE", 50.11, 8.68, 8102),
    DemoEdge("virginia", "Virginia", "US", 38.95, -77.45, 8103),
)


@transaction.atomic
def demo_edges_ensure(*, host: str = "127.0.0.1", ports: Sequence[int] | None = None) -> list[EdgeNode]:
    """The demo's three zones, one node each on a local port (``ports``,
    default 8101-8103). Idempotent: reruns keep the nodes (and their
    secrets); a node moves to the port asked for."""
    if ports is not None and len(ports) != len(DEMO_EDGES):
        raise EdgeError(f"The demo has {len(DEMO_EDGES)} edges: give as many ports.")
    nodes = []
    for i, demo in enumerate(DEMO_EDGES):
        zone, _ = Zone.objects.update_or_create(
            code=demo.zone_code,
            defaults={"name": demo.zone_name, "country": demo.country,
                      "latitude": demo.latitude, "longitude": demo.longitude},
        )
        base_url = f"http://{host}:{ports[i] if ports else demo.port}"
        node, created = EdgeNode.objects.get_or_create(
            name=f"{demo.zone_code}-1", defaults={"zone": zone, "base_url": base_url, "capacity": 200},
        )
        if not created and ports and node.base_url != base_url:
            node.base_url = base_url
            node.save(update_fields=["base_url"])
        nodes.append(node)
    return nodes


def edge_node_for_dev(*, zone_code: str, host: str, port: int) -> EdgeNode:
    """runedge --zone in DEBUG: the node of this zone at this address,
    created (with the demo zone if it is one) when missing. Never in
    production, where nodes are registered by staff and given their secret."""
    if not settings.DEBUG:
        raise EdgeError("Creating edge nodes on the fly is for DEBUG only; pass --node and --secret.")
    zone = Zone.objects.filter(code=zone_code.lower()).first()
    if zone is None:
        demo = next((d for d in DEMO_EDGES if d.zone_code == zone_code.lower()), None)
        if demo is None:
            raise EdgeError(f"No zone {zone_code!r}; create it in the admin (or use mumbai, frankfurt, virginia).")
        demo_edges_ensure(host=host)
        zone = Zone.objects.get(code=demo.zone_code)
    base_url = f"http://{host}:{port}"
    node = EdgeNode.objects.filter(zone=zone, base_url=base_url).first()
    if node is None:
        taken = set(EdgeNode.objects.values_list("name", flat=True))
        index = 1
        while f"{zone.code}-{index}" in taken:
            index += 1
        node = edge_node_create(zone=zone, name=f"{zone.code}-{index}", base_url=base_url, capacity=200)
    return node
