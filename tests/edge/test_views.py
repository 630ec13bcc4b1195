"""The edge's endpoints on the control plane: POST /edge/api/heartbeat (signed
per node, fresh, never replayed), the steering endpoint and the origin pathway."""
from __future__ import annotations

import json
import time
import uuid

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse

from edge.heartbeat import HeartbeatReport, heartbeat_request_build
from edge.selectors import pathways_for
from edge.signing import token_issue, video_path_prefix
from edge.steering import steering_uri_build
from tests.factories import node_beat, node_make

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
    replayed = post(client, *signed)
    assert replayed.status_code == 409
    assert replayed.json()["code"] == "replay" and replayed.json()["message"], "the platform's error format"
    stale = heartbeat_request_build(node_id=node.pk, secret=node.secret, report=HeartbeatReport(),
                                    timestamp=int(time.time()) - 3600)
    assert post(client, *stale).status_code == 403


def test_invalid_figures_are_refused(client):
    node = node_make("mumbai")
    body, headers = heartbeat_request_build(node_id=node.pk, secret=node.secret,
                                            report=HeartbeatReport(hit_ratio=3.0))
    refused = post(client, body, headers)
    assert refused.status_code == 400
    assert set(refused.json()) == {"code", "message", "fields", "extra"} and refused.json()["code"] == "invalid"


def test_pathways_are_for_staff_outside_debug(client, settings):
    settings.DEBUG = False
    refused = client.get("/edge/api/pathways")
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"


def test_heartbeat_needs_post_and_no_login(client):
    assert client.get(URL).status_code == 405


def test_steering_endpoint_recomputes_priority_and_always_answers_200(client, settings):
    mumbai = node_beat(node_make("mumbai"))
    node_beat(node_make("frankfurt"))
    token = token_issue(session_id="s1", path_prefix="hls/abc/")
    url = steering_uri_build(token=token, pathway_ids=["mumbai-1", "frankfurt-1", "origin"], country="IN",
                             base_url="")
    response = client.get(url + "&_HLS_pathway=mumbai-1&_HLS_throughput=5000000")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.apple.steering-list"
    manifest = json.loads(response.content)
    assert manifest["VERSION"] == 1 and manifest["TTL"] == settings.EDGE_STEERING_TTL
    assert manifest["PATHWAY-PRIORITY"] == ["mumbai-1", "frankfurt-1", "origin"]
    assert manifest["RELOAD-URI"].startswith("http://testserver/edge/steering/")
    node_beat(mumbai, age_seconds=settings.EDGE_HEARTBEAT_TTL + 1)
    manifest = json.loads(client.get(url).content)
    assert manifest["PATHWAY-PRIORITY"] == ["frankfurt-1", "origin", "mumbai-1"]
    # no pathways at all: still a valid 200 manifest
    assert client.get(url.split("?")[0]).status_code == 200


def test_steering_turns_off_with_410_for_a_token_not_ours(client):
    assert client.get("/edge/steering/k1.1.0.eA.eA.eA/").status_code == 410


def segment_store(video, key="v720/seg_00001.m4s", data=bytes(range(256)) * 40):
    default_storage.save(f"hls/{video}/{key}", ContentFile(data))
    return data


def test_origin_pathway_serves_with_the_token_check_and_ranges(client):
    video = uuid.uuid4()
    data = segment_store(video)
    token = token_issue(session_id="s", path_prefix=video_path_prefix(video), max_height=720)
    url = f"/edge/origin/t/{token}/hls/{video}/v720/seg_00001.m4s"
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == data
    assert response["Content-Type"] == "video/iso.segment"
    assert response["Access-Control-Allow-Origin"] == "*"
    response = client.get(url, headers={"Range": "bytes=10-19"})
    assert response.status_code == 206 and b"".join(response.streaming_content) == data[10:20]
    assert response["Content-Range"] == f"bytes 10-19/{len(data)}"
    assert client.get(url, headers={"Range": "bytes=-5"}).status_code == 206
    assert client.get(url, headers={"Range": f"bytes={len(data)}-"}).status_code == 416
    assert client.get(f"/edge/origin/t/{token}/hls/{video}/v720/missing.m4s").status_code == 404
    assert client.get(f"/edge/origin/t/{token}/hls/{video}/v1080/seg_00001.m4s").status_code == 403
    assert client.get(f"/edge/origin/t/{token}/hls/{uuid.uuid4()}/v720/seg_00001.m4s").status_code == 403
    assert client.get(url.replace(token, token[:-3] + "AAA")).status_code == 403


def test_origin_pathway_streams_from_s3(client, s3_storage):
    video = uuid.uuid4()
    data = segment_store(video)
    token = token_issue(session_id="s", path_prefix=video_path_prefix(video))
    url = f"/edge/origin/t/{token}/hls/{video}/v720/seg_00001.m4s"
    response = client.get(url)
    assert response.status_code == 200 and b"".join(response.streaming_content) == data
    response = client.get(url, headers={"Range": "bytes=100-199"})
    assert response.status_code == 206 and b"".join(response.streaming_content) == data[100:200]
    assert client.get(f"/edge/origin/t/{token}/hls/{video}/nope.m4s").status_code == 404


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
