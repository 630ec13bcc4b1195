"""The player page and the endpoints the player calls: the session's master
playlist by token, heartbeats and their owner."""
from __future__ import annotations

import pytest
from django.urls import reverse

from streaming.subscribers.models import PlaybackSession, QoEReport
from streaming.subscribers.selectors import qoe_by_edge
from streaming.subscribers.services import playback_start, playback_stop, session_token
from tests.factories import subscriber_make, video_ready_make
from tests.fixtures.accounts import sign_in


@pytest.fixture
def ready_video(db):
    """A ready 1080p video with its ladder's rows (no encode: tests.factories)."""
    return video_ready_make()


def start(user, profile, video, device="web-a", country="US"):
    return playback_start(user=user, profile=profile, video=video, device=device, country=country,
                          client_ip="127.0.0.1")


def test_heartbeat_endpoint_only_for_the_sessions_owner(ready_video, client):
    user, profile = subscriber_make()
    other, other_profile = subscriber_make()
    session = start(user, profile, ready_video)
    url = reverse("playback-heartbeat", args=[session.pk])
    sign_in(client, other, other_profile)
    assert client.post(url, "{}", content_type="application/json").status_code == 404
    sign_in(client, user, profile)
    response = client.post(url, '{"position": 3, "qoe": {"startup_ms": 420, "stall_count": 1, "stall_ms": 250, '
                                '"watch_ms": 9750, "switch_count": 2}}', content_type="application/json")
    assert response.status_code == 200
    report = QoEReport.objects.get(session=session)
    assert (report.startup_ms, report.stall_count, report.rebuffer_percent) == (420, 1, 2.5)
    (row,) = qoe_by_edge()
    assert row.startup_p50_ms == 420 and row.rebuffer_percent == 2.5


def test_master_playlist_by_token_forged_and_ended(ready_video, client):
    user, profile = subscriber_make()
    session = start(user, profile, ready_video)
    token = session_token(session=session)
    ok = client.get(reverse("playback-master", args=[token]), HTTP_ACCEPT_ENCODING="gzip")
    assert ok.status_code == 200 and ok["Content-Type"] == "application/vnd.apple.mpegurl"
    assert ok["Content-Encoding"] == "gzip", "playlists are served compressed [HLS 10.1]"
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    assert client.get(reverse("playback-master", args=[forged])).status_code == 403
    playback_stop(session=session)
    assert client.get(reverse("playback-master", args=[token])).status_code == 410


def test_watch_page_renders_the_player_which_starts_a_signed_master(ready_video, client):
    user, profile = subscriber_make()
    page = sign_in(client, user, profile).get(reverse("watch", args=[ready_video.public_id]))
    assert page.status_code == 200
    assert b'id="player-start"' in page.content and not PlaybackSession.objects.filter(user=user).exists()
    config = client.post(page.context["start"]["start"]).json()
    assert config["master"].startswith("/play/t/") and config["hls"]["sri"].startswith("sha384-")


def test_the_stop_beacon_carries_qoe_so_short_sessions_have_a_startup_time(ready_video, client):
    user, profile = subscriber_make()
    sign_in(client, user, profile)
    session = start(user, profile, ready_video)
    response = client.post(reverse("playback-stop", args=[session.pk]),
                           {"position": "3.5", "qoe": '{"startup_ms": 640, "watch_ms": 3000, "edge": "origin"}'})
    assert response.status_code == 200
    report = QoEReport.objects.get(session=session)
    assert report.startup_ms == 640 and report.watch_ms == 3000
    assert client.post(reverse("playback-stop", args=[session.pk]), {"qoe": "{not json"}).status_code == 400


def test_the_watch_page_gives_the_player_its_start(client, run_transcode, clips):
    """The start's answer, per codec the player may choose (here H.264
    alone): the master inline, the rungs on the first pathway with their
    rates; when the server last heard the position, and the edge's origin to
    preconnect to. The page runs the startup code inline."""
    job = run_transcode(clips.motion)
    video = job.video
    user, profile = subscriber_make()
    sign_in(client, user, profile)
    page = client.get(reverse("watch", args=[video.public_id]))
    config = client.post(page.context["start"]["start"]).json()
    assert list(config["start"]) == ["h264"], "a start per codec the title has"
    start = config["start"]["h264"]
    assert start["masterText"].startswith("#EXTM3U") and "#EXT-X-STREAM-INF" in start["masterText"]
    variants = start["variants"]
    assert {v["id"] for v in variants} == {"v360", "v234"} and all(v["bandwidth"] > 0 for v in variants)
    assert all(v["url"].endswith(f"/hls/{video.public_id}/{v['id']}/index.m3u8") for v in variants)
    assert start["audio"]["url"].endswith("/audio/index.m3u8")
    assert 1.5 <= start["segmentSeconds"] <= 2.5  # the test profile's 2 s segments
    assert config["resumeAt"] == 0 and config["profile"] == profile.pk
    assert config["edgeOrigin"].startswith("http")  # player-start.js preconnects to it
    html = page.content.decode()
    # The startup code runs inline, before the stylesheet (an inline script waits for one before it).
    assert html.index("PlayerStartup.begin(") < html.index('rel="stylesheet"')
    assert html.index("player-start") < html.index('rel="stylesheet"')
    assert "player/startup.js" not in html
