"""Writes of zones and edge nodes. The admin calls these too, so every
change is validated (full_clean) and its side effects happen in one place."""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction

from edge.models import EdgeNode, Zone, node_secret_generate
from edge.services.errors import EdgeError
from edge.services.networks import client_networks_changed

ZONE_FIELDS = frozenset({"code", "name", "country", "latitude", "longitude", "fill_window"})
NODE_FIELDS = frozenset({"zone", "name", "base_url", "capacity", "enabled"})


def zone_create(*, code: str, name: str, country: str, latitude: float, longitude: float,
                fill_window: str = "") -> Zone:
    zone = Zone(code=code, name=name, country=country.upper(), latitude=latitude, longitude=longitude,
                fill_window=fill_window)
    zone.full_clean()
    zone.save()
    return zone


def zone_update(*, zone: Zone, **fields: Any) -> Zone:
    """Change a zone's fields (``code``, ``name``, ``country``, ``latitude``,
    ``longitude``, ``fill_window``). Client networks name zones by code and
    fall back to the zone's country, so a change of either refreshes every
    process's prefix table."""
    unknown = set(fields) - ZONE_FIELDS
    if unknown:
        raise EdgeError(f"Not a zone field: {', '.join(sorted(unknown))}.")
    before = Zone.objects.filter(pk=zone.pk).values("code", "country").first()
    for name, value in fields.items():
        setattr(zone, name, value.upper() if name == "country" else value)
    zone.full_clean()
    zone.save()
    if before != {"code": zone.code, "country": zone.country}:
        client_networks_changed()
    return zone


def zone_delete(*, zone: Zone) -> None:
    """Delete a zone; refused (ProtectedError) while nodes belong to it."""
    zone.delete()
    client_networks_changed()


def edge_node_create(
    *, zone: Zone, name: str, base_url: str, capacity: int = 1000, enabled: bool = True
) -> EdgeNode:
    node = EdgeNode(zone=zone, name=name, base_url=base_url.rstrip("/"), capacity=capacity, enabled=enabled)
    node.full_clean()
    node.save()
    return node


def edge_node_update(*, node: EdgeNode, **fields: Any) -> EdgeNode:
    """Change what staff may edit on a node (``zone``, ``name``,
    ``base_url``, ``capacity``, ``enabled``); never its reported figures,
    which only heartbeats write."""
    unknown = set(fields) - NODE_FIELDS
    if unknown:
        raise EdgeError(f"Not an editable node field: {', '.join(sorted(unknown))}.")
    for name, value in fields.items():
        setattr(node, name, value.rstrip("/") if name == "base_url" else value)
    node.full_clean()
    node.save(update_fields=sorted(fields) or None)
    return node


@transaction.atomic
def edge_node_enabled_set(*, nodes: Iterable[EdgeNode], enabled: bool) -> int:
    """Enable or disable nodes (a disabled node takes no new traffic and
    drops out of its zone's peer list at the next heartbeat). Returns how
    many changed."""
    ids = [node.pk for node in nodes]
    return EdgeNode.objects.filter(pk__in=ids).exclude(enabled=enabled).update(enabled=enabled)


def edge_node_delete(*, node: EdgeNode) -> None:
    node.delete()


def edge_node_secret_rotate(*, node: EdgeNode) -> str:
    """A new heartbeat secret; the node must be given it before its next beat."""
    node.secret = node_secret_generate()
    node.save(update_fields=["secret"])
    return node.secret
