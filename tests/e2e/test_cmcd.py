"""CMCD from the real web player: hls.js sends Common Media Client Data in
the query string with every request, the edge counts it per viewer zone,
and its heartbeat brings it to the control plane."""
from __future__ import annotations

import json
import urllib.request

import pytest

from edge.selectors.traffic import edge_qoe_by_node
from streaming.subscribers.models import PlaybackSession
from tests.factories import subscriber_make
from tests.fixtures.broker import wait_for

from .test_player import sign_in_and_open_title, wait_playing

pytestmark = pytest.mark.slow


@pytest.fixture
def title_ready(run_transcode, clips):
    job = run_transcode(clips.long)
    assert job.status == "done", job.error
    return job.video


def test_the_player_sends_cmcd_and_the_edge_reports_it(page, live, edge, title_ready):
    user, _ = subscriber_make(plan="standard")
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    sign_in_and_open_title(page, live, user, title_ready.title.slug)
    wait_playing(page, beyond=1.0)
    session = PlaybackSession.objects.get(user=user)
    # hls.js's requests (the poster and the seek thumbnails are the page's own).
    to_edge = [url for url in requests if url.startswith(edge.url) and (".m3u8" in url or ".m4s" in url)]
    assert to_edge and all("CMCD=" in url for url in to_edge), to_edge[:3]
    assert any(f"sid%3D%22{session.pk}%22" in url for url in to_edge), "the session id is CMCD's sid"
    with urllib.request.urlopen(edge.url + "/_edge/status") as response:
        traffic = json.load(response)["traffic"]
    assert set(traffic) == {"virginia"} == {session.viewer_zone}
    counters = traffic["virginia"]
    assert counters["sessions"] == 1 and counters["video_ms"] > 0 and counters["bitrate_kbps_ms"] > 0
    # A heartbeat can land between the session's first request (counted) and its first
    # segment's duration: wait until the control plane has both, not for the first beat.
    row = wait_for(lambda: next((r for r in edge_qoe_by_node()
                                 if r.node == edge.name and r.sessions and r.video_ms), None),
                   timeout=20, what="the edge's heartbeat with the CMCD counters")
    assert row.bitrate_kbps > 0 and row.cross_zone_bytes == 0
