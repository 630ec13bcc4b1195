"""The per-session master playlist, the steering endpoint and the origin pathway."""
from __future__ import annotations

import json
import uuid

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from edge.selectors import pathways_for
from edge.signing import token_issue, video_path_prefix
from edge.steering import pathway_url, steering_uri_build
from tests.edge.conftest import node_beat, node_make
from transcoding.packaging import Location, Media, Variant, master_playlist_render

pytestmark = pytest.mark.django_db

VARIANTS = [
    Variant(stable_id="v720", uri="v720/index.m3u8", bandwidth=3_300_000, average_bandwidth=3_000_000,
            codecs="avc1.64001f,mp4a.40.2", resolution=(1280, 720), frame_rate=25, audio_group="aud",
            iframe_uri="v720/iframes.m3u8"),
    Variant(stable_id="v360", uri="v360/index.m3u8", bandwidth=500_000, average_bandwidth=400_000,
            codecs="avc1.64001e,mp4a.40.2", resolution=(640, 360), frame_rate=25, audio_group="aud"),
]
AUDIO = [Media(type="AUDIO", group_id="aud", name="English", uri="audio/index.m3u8", stable_id="aud-en",
               language="en", channels="2")]


def test_master_playlist_lists_every_rung_per_pathway_with_its_token():
    node_beat(node_make("mumbai", port=8101))
    node_beat(node_make("virginia", port=8103))
    video = uuid.uuid4()
    pathways = pathways_for(country="IN", client_ip=None)
    tokens = {p.id: token_issue(session_id="s1", path_prefix=video_path_prefix(video)) + p.id[:0] for p in pathways}
    steering = steering_uri_build(token=tokens["origin"], pathway_ids=[p.id for p in pathways], country="IN")
    locations = [Location(url=lambda rest, p=p: pathway_url(pathway=p, token=tokens[p.id], video_public_id=video,
                                                            rest=rest), pathway_id=p.id, label=p.zone_name)
                 for p in pathways]
    text = master_playlist_render(variants=VARIANTS, locations=locations, steering_uri=steering, media=AUDIO)
    lines = text.splitlines()
    assert lines[0] == "#EXTM3U" and "#EXT-X-INDEPENDENT-SEGMENTS" in lines
    assert f'#EXT-X-CONTENT-STEERING:SERVER-URI="{steering}",PATHWAY-ID="mumbai-1"' in lines
    infs = [line for line in lines if line.startswith("#EXT-X-STREAM-INF:")]
    assert len(infs) == len(VARIANTS) * 3
    assert all('STABLE-VARIANT-ID="' in line and 'PATHWAY-ID="' in line for line in infs)
    assert f"http://127.0.0.1:8101/t/{tokens['mumbai-1']}/hls/{video}/v720/index.m3u8" in lines
    assert f"http://127.0.0.1:8000/edge/origin/t/{tokens['origin']}/hls/{video}/v360/index.m3u8" in lines
    assert 'AUDIO="aud-virginia-1"' in text and 'GROUP-ID="aud-virginia-1"' in text
    assert text.count("#EXT-X-I-FRAME-STREAM-INF:") == 3


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
