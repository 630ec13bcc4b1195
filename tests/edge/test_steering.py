"""Content steering: the multivariant playlist lists every rung once per
pathway, each with its own signed URL layout and the steering server."""
from __future__ import annotations

import uuid

import pytest

from edge.selectors import pathways_for
from edge.signing import token_issue, video_path_prefix
from edge.steering import pathway_url, steering_uri_build
from tests.factories import node_beat, node_make
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
