"""POST /api/v1/edge/heartbeat/: the node's HMAC is the credential, never a
subscriber's token."""
from __future__ import annotations

from edge.heartbeat import HeartbeatReport, heartbeat_request_build
from edge.services import edge_node_create, zone_create
from tests.fixtures.api import assert_error


def test_edge_heartbeat_takes_node_hmac_not_user_tokens(anon, member, settings):
    client, _, _ = member
    zone = zone_create(code="fra", name="Frankfurt", country="DE", latitude=50.1, longitude=8.7)
    node = edge_node_create(zone=zone, name="fra-1", base_url="http://127.0.0.1:9", capacity=100)
    body, headers = heartbeat_request_build(node_id=node.pk, secret=node.secret,
                                            report=HeartbeatReport(active_connections=3))
    extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items() if k != "Content-Type"}
    ok = anon.post("/api/v1/edge/heartbeat/", body, content_type="application/json", **extra)
    assert ok.status_code == 200, ok.content
    assert ok.json()["node"] == "fra-1"
    replay = anon.post("/api/v1/edge/heartbeat/", body, content_type="application/json", **extra)
    assert_error(replay, 409, "replay")
    # A subscriber's token is no node credential.
    forged = {**extra, "HTTP_X_EDGE_SIGNATURE": "0" * 64}
    assert_error(client.post("/api/v1/edge/heartbeat/", body, content_type="application/json", **forged),
                 403, "heartbeat_rejected")
