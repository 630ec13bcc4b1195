"""The edge admin writes through the services and shows plans and traffic."""
from __future__ import annotations

import pytest
from django.urls import reverse

from edge.models import EdgeNode, Zone
from edge.selectors import client_network_match
from edge.services import client_network_create
from tests.factories import node_make, zone_make

pytestmark = pytest.mark.django_db


def test_enable_and_disable_actions(admin_client):
    nodes = [node_make("mumbai", i) for i in (1, 2)]
    url = reverse("admin:edge_edgenode_changelist")
    ids = [str(n.pk) for n in nodes]
    response = admin_client.post(url, {"action": "disable_nodes", "_selected_action": ids}, follow=True)
    assert "2 nodes disabled" in response.content.decode()
    assert not EdgeNode.objects.filter(enabled=True).exists()
    response = admin_client.post(url, {"action": "enable_nodes", "_selected_action": ids[:1]}, follow=True)
    assert "1 nodes enabled" in response.content.decode()
    assert list(EdgeNode.objects.filter(enabled=True).values_list("name", flat=True)) == ["mumbai-1"]


def test_node_change_goes_through_the_service_and_is_validated(admin_client):
    node = node_make("mumbai")
    url = reverse("admin:edge_edgenode_change", args=[node.pk])
    form = {"zone": node.zone_id, "name": "mumbai-9", "base_url": "http://127.0.0.1:9100/", "capacity": 50,
            "enabled": "on", "fill_plan-TOTAL_FORMS": 0, "fill_plan-INITIAL_FORMS": 0}
    response = admin_client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    node.refresh_from_db()
    assert (node.name, node.base_url, node.capacity) == ("mumbai-9", "http://127.0.0.1:9100", 50)
    response = admin_client.post(url, {**form, "name": "origin"})  # the origin's pathway id: refused
    assert response.status_code == 200 and "origin" in response.content.decode()
    node.refresh_from_db()
    assert node.name == "mumbai-9"
    assert admin_client.get(url).status_code == 200


def test_zone_change_with_inline_nodes_refreshes_client_networks(admin_client):
    zone = zone_make("mumbai")
    node = node_make("mumbai")
    client_network_create(cidr="192.0.2.0/24", zone=zone)
    assert client_network_match(client_ip="192.0.2.1").zone_code == "mumbai"
    url = reverse("admin:edge_zone_change", args=[zone.pk])
    response = admin_client.post(url, {
        "code": "bombay", "name": "Mumbai", "country": "IN", "latitude": 19.07, "longitude": 72.87,
        "fill_window": "20:30-01:30",
        "nodes-TOTAL_FORMS": 2, "nodes-INITIAL_FORMS": 1, "nodes-MIN_NUM_FORMS": 0, "nodes-MAX_NUM_FORMS": 1000,
        "nodes-0-id": node.pk, "nodes-0-zone": zone.pk, "nodes-0-name": node.name,
        "nodes-0-base_url": node.base_url, "nodes-0-capacity": 300, "nodes-0-enabled": "on",
        "nodes-1-zone": zone.pk, "nodes-1-name": "mumbai-2", "nodes-1-base_url": "http://127.0.0.1:9102",
        "nodes-1-capacity": 100, "nodes-1-enabled": "on",
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    zone.refresh_from_db()
    assert (zone.code, zone.fill_window) == ("bombay", "20:30-01:30")
    assert sorted(zone.nodes.values_list("name", "capacity")) == [("mumbai-1", 300), ("mumbai-2", 100)]
    assert client_network_match(client_ip="192.0.2.1").zone_code == "bombay"
    assert Zone.objects.count() == 1


def test_pages_render(admin_client):
    node_make("mumbai")
    for name in ("edge_zone_changelist", "edge_edgenode_changelist", "edge_clientnetwork_changelist",
                 "edge_edgetraffic_changelist", "edge_fillplan_changelist"):
        assert admin_client.get(reverse(f"admin:{name}")).status_code == 200, name
