"""POST /edge/api/heartbeat: signed per node, fresh, never replayed."""
from __future__ import annotations

import time

import pytest
from django.urls import reverse

from edge.heartbeat import HeartbeatReport, heartbeat_request_build
from edge.models import EdgeNode
from edge.selectors import pathways_for
from tests.edge.conftest import node_beat, node_make

pytestmark = pytest.mark.django_db
URL = "/edge/api/heartbeat"


def post(client, body, headers):
    return client.post(URL, data=body, content_type="application/json",
                       headers={k: v for k, v in headers.items() if k != "Content-Type"})


def test_url_is_the_contract():
    assert reverse("edge:heartbeat") == URL


def test_good_heartbeat_is_recorded(client):
    node = node_make("mumbai")
    report = HeartbeatReport(active_connections=7, requests_per_second=12.5, cache_bytes=1234,
                             cache_max_bytes=10_000, hit_ratio=0.75, bytes_served=99, software="runedge")
    response = post(client, *heartbeat_request_build(node_id=node.pk, secret=node.secret, report=report))
    assert response.status_code == 200, response.content
    assert response.json()["health"] == "healthy"
    node.refresh_from_db()
    assert (node.active_connections, node.cache_bytes, node.hit_ratio) == (7, 1234, 0.75)
    assert node.last_heartbeat_at is not None
    assert pathways_for(country="IN", client_ip=None)[0].id == node.name


def test_bad_signature_and_unknown_node_are_refused(client):
    node = node_make("mumbai")
    body, headers = heartbeat_request_build(node_id=node.pk, secret="not-the-secret", report=HeartbeatReport())
    assert post(client, body, headers).status_code == 403
    body, headers = heartbeat_request_build(node_id=node.pk, secret=node.secret, report=HeartbeatReport())
    assert post(client, body.replace(b'"active_connections":0', b'"active_connections":1'), headers).status_code == 403
    body, headers = heartbeat_request_build(node_id=node.pk + 99, secret=node.secret, report=HeartbeatReport())
    assert post(client, body, headers).status_code == 403
    node.refresh_from_db()
    assert node.last_heartbeat_at is None


def test_replay_inside_the_window_and_old_timestamps_are_refused(client):
    node = node_make("mumbai")
    signed = heartbeat_request_build(node_id=node.pk, secret=node.secret, report=HeartbeatReport())
    assert post(client, *signed).status_code == 200
    assert post(client, *signed).status_code == 409
    stale = heartbeat_request_build(node_id=node.pk, secret=node.secret, report=HeartbeatReport(),
                                    timestamp=int(time.time()) - 3600)
    assert post(client, *stale).status_code == 403


def test_invalid_figures_are_refused(client):
    node = node_make("mumbai")
    body, headers = heartbeat_request_build(node_id=node.pk, secret=node.secret,
                                            report=HeartbeatReport(hit_ratio=3.0))
    assert post(client, body, headers).status_code == 400


def test_a_node_silent_past_the_ttl_takes_no_new_traffic(settings):
    silent = node_beat(node_make("mumbai", 1), age_seconds=settings.EDGE_HEARTBEAT_TTL + 1)
    alive = node_beat(node_make("mumbai", 2), age_seconds=settings.EDGE_HEARTBEAT_TTL - 5)
    assert silent.health() == EdgeNode.Health.STALE
    chosen = {pathways_for(country="IN", client_ip=None)[0].id for _ in range(4)}
    assert chosen == {alive.name}


def test_heartbeat_needs_post_and_no_login(client):
    assert client.get(URL).status_code == 405


def test_the_answer_lists_the_zones_healthy_peers_and_the_fill_plan(client, settings):
    node = node_make("mumbai", 1)
    peer = node_beat(node_make("mumbai", 2))
    node_beat(node_make("mumbai", 3), age_seconds=settings.EDGE_HEARTBEAT_TTL + 1)  # stale: not a peer
    node_beat(node_make("frankfurt", 1))  # another zone: not a peer
    response = post(client, *heartbeat_request_build(node_id=node.pk, secret=node.secret, report=HeartbeatReport()))
    answer = response.json()
    assert answer["zone"] == "mumbai"
    assert answer["peers"] == [{"name": "mumbai-1", "url": node.base_url}, {"name": "mumbai-2", "url": peer.base_url}]
    assert answer["fill"] == {"plan": None, "url": "/edge/api/fill-plan"}
    # The API's copy of the endpoint answers the same.
    body, headers = heartbeat_request_build(node_id=peer.pk, secret=peer.secret, report=HeartbeatReport())
    api = client.post("/api/v1/edge/heartbeat/", data=body, content_type="application/json",
                      headers={k: v for k, v in headers.items() if k != "Content-Type"})
    assert api.status_code == 200, api.content
    assert [p["name"] for p in api.json()["peers"]] == ["mumbai-1", "mumbai-2"]
