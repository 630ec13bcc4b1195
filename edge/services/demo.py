"""The demo's three edges (Mumbai, Frankfurt, Virginia on local ports), and
runedge's DEBUG-only node creation."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from edge.models import EdgeNode, Zone
from edge.services.errors import EdgeError
from edge.services.nodes import edge_node_create


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
