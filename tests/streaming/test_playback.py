"""Who may watch what, where, at what quality, on how many screens; resume."""
from __future__ import annotations

from datetime import timedelta

import m3u8
import pytest
from django.urls import reverse
from django.utils import timezone

from catalog.models import Title
from catalog.services import title_set_countries
from edge.signing import token_verify
from streaming.core.errors import ApplicationError
from streaming.subscribers.models import Plan, PlaybackSession, QoEReport, Subscription, WatchProgress
from streaming.subscribers.selectors import home_rows, qoe_by_edge
from streaming.subscribers.services import (
    master_playlist,
    playback_heartbeat,
    playback_start,
    playback_stop,
    session_token,
    subscription_change_plan,
)
from tests.fixtures.accounts import make_subscriber, sign_in


@pytest.fixture
def ready_video(run_transcode, clips):
    job = run_transcode(clips.silent)
    assert job.status == "done", job.error
    return job.video


def start(user, profile, video, device="web-a", country="US"):
    return playback_start(user=user, profile=profile, video=video, device=device, country=country,
                          client_ip="127.0.0.1")


def test_plan_caps_the_ladder_in_the_master_and_at_the_edge(run_transcode, clips):
    job = run_transcode(clips.hd)
    assert {r.name for r in job.renditions.filter(kind="video")} == {"v234", "v360", "v432", "v540", "v720", "v1080"}
    video = job.video
    basic_user, basic_profile = make_subscriber(plan="basic")
    std_user, std_profile = make_subscriber(plan="standard")

    basic = start(basic_user, basic_profile, video)
    token = session_token(session=basic)
    heights = [p.stream_info.resolution[1] for p in m3u8.loads(master_playlist(session=basic, token=token).text).playlists]
    assert heights and max(heights) == 720, "Basic plan: nothing above 720p"
    # The token itself refuses the 1080p folder, wherever it is presented.
    with pytest.raises(Exception, match="(?i)plan|height|rung"):
        token_verify(token=token, path=f"hls/{video.public_id}/v1080/seg_00000.m4s")
    token_verify(token=token, path=f"hls/{video.public_id}/v720/seg_00000.m4s")

    standard = start(std_user, std_profile, video)
    std_token = session_token(session=standard)
    heights = [p.stream_info.resolution[1]
               for p in m3u8.loads(master_playlist(session=standard, token=std_token).text).playlists]
    assert max(heights) == 1080


def test_screens_limit_refuses_a_new_device_and_names_the_limit(ready_video):
    user, profile = make_subscriber(plan="basic")
    first = start(user, profile, ready_video, device="web-a")
    with pytest.raises(ApplicationError, match="Basic plan allows 1 screen at a time and 1 is in use") as exc:
        start(user, profile, ready_video, device="web-b")
    assert exc.value.code == "too_many_screens"
    first.refresh_from_db()
    assert first.ended_at is None, "the oldest session is not silently killed"
    # The same device starting again replaces its own session.
    again = start(user, profile, ready_video, device="web-a")
    first.refresh_from_db()
    assert first.ended_at is not None and again.ended_at is None
    # A session whose heartbeats went stale frees its screen.
    PlaybackSession.objects.filter(pk=again.pk).update(last_heartbeat_at=timezone.now() - timedelta(minutes=5))
    assert start(user, profile, ready_video, device="web-b").ended_at is None


def test_standard_plan_has_two_screens(ready_video):
    user, profile = make_subscriber(plan="standard")
    start(user, profile, ready_video, device="tv")
    start(user, profile, ready_video, device="phone")
    with pytest.raises(ApplicationError, match="2 screens at a time and 2 are in use"):
        start(user, profile, ready_video, device="laptop")
    subscription_change_plan(user=user, plan=Plan.objects.get(slug="premium"))
    assert start(user, profile, ready_video, device="laptop")


def test_stopping_frees_the_screen(ready_video):
    user, profile = make_subscriber(plan="basic")
    session = start(user, profile, ready_video, device="web-a")
    playback_stop(session=session, position=12)
    assert start(user, profile, ready_video, device="web-b")


def test_no_active_subscription_no_playback(ready_video, client):
    user, profile = make_subscriber()
    Subscription.objects.filter(user=user).update(status=Subscription.Status.CANCELLED)
    with pytest.raises(ApplicationError, match="no active subscription"):
        start(user, profile, ready_video)
    page = sign_in(client, user, profile).get(reverse("watch", args=[ready_video.public_id]))
    assert page.status_code == 403 and b"no active subscription" in page.content


def test_title_not_available_in_the_viewers_country_cannot_play(ready_video, client, settings):
    title_set_countries(title=ready_video.title, countries="IN")
    user, profile = make_subscriber()
    with pytest.raises(ApplicationError, match="not available in your country"):
        start(user, profile, ready_video, country="US")
    assert start(user, profile, ready_video, country="IN")
    settings.DEFAULT_COUNTRY = "US"
    page = sign_in(client, user, profile).get(reverse("watch", args=[ready_video.public_id]))
    assert page.status_code == 403


def test_kids_profile_sees_and_plays_only_childrens_titles(ready_video):
    Title.objects.filter(pk=ready_video.title_id).update(maturity_rating=Title.Rating.SIXTEEN)
    user, kids = make_subscriber(kids=True)
    with pytest.raises(ApplicationError, match="not available on a kids profile"):
        start(user, kids, ready_video)
    assert not any(ready_video.title in row.titles for row in home_rows(profile=kids, country="US"))
    Title.objects.filter(pk=ready_video.title_id).update(maturity_rating=Title.Rating.SEVEN)
    assert start(user, kids, ready_video)


def test_resume_position_follows_the_viewer_to_another_device(ready_video):
    user, profile = make_subscriber(plan="standard")
    first = start(user, profile, ready_video, device="tv")
    playback_heartbeat(session=first, position=2.5, duration=4.0, state="paused")
    second = start(user, profile, ready_video, device="phone")
    assert second.position == 2.5
    rows = {row.key: row for row in home_rows(profile=profile, country="US")}
    assert ready_video.title in rows["continue"].titles
    # Watching to the end marks it watched and the next play starts at 0.
    playback_heartbeat(session=second, position=4.0, duration=4.0, state="ended")
    progress = WatchProgress.objects.get(profile=profile, video=ready_video)
    assert progress.completed
    assert start(user, profile, ready_video, device="phone").position == 0.0
    assert "continue" not in {row.key for row in home_rows(profile=profile, country="US")}


def test_heartbeat_after_the_session_ended_is_refused(ready_video):
    user, profile = make_subscriber()
    session = start(user, profile, ready_video)
    playback_stop(session=session)
    session.refresh_from_db()
    with pytest.raises(ApplicationError, match="has ended"):
        playback_heartbeat(session=session, position=1)


def test_heartbeat_endpoint_only_for_the_sessions_owner(ready_video, client):
    user, profile = make_subscriber()
    other, other_profile = make_subscriber()
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
    user, profile = make_subscriber()
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
    user, profile = make_subscriber()
    page = sign_in(client, user, profile).get(reverse("watch", args=[ready_video.public_id]))
    assert page.status_code == 200
    assert b'id="player-start"' in page.content and not PlaybackSession.objects.filter(user=user).exists()
    config = client.post(page.context["start"]["start"]).json()
    assert config["master"].startswith("/play/t/") and config["hls"]["sri"].startswith("sha384-")


def test_tokens_expire_at_the_earlier_of_the_session_end_and_the_token_ttl(ready_video, settings):
    user, profile = make_subscriber(plan="standard")
    session = start(user, profile, ready_video)
    settings.EDGE_TOKEN_TTL = 600
    claims = token_verify(token=session_token(session=session), path=f"{ready_video.ladder_prefix}/master.m3u8")
    assert abs(claims.expires_at - (timezone.now() + timedelta(seconds=600)).timestamp()) < 5
    settings.EDGE_TOKEN_TTL = 24 * 3600  # longer than what is left of the session
    PlaybackSession.objects.filter(pk=session.pk).update(expires_at=timezone.now() + timedelta(minutes=30))
    session.refresh_from_db()
    claims = token_verify(token=session_token(session=session), path=f"{ready_video.ladder_prefix}/master.m3u8")
    assert claims.expires_at == int(session.expires_at.timestamp())


def test_a_session_lasts_the_configured_lifetime(ready_video, settings):
    settings.PLAYBACK_SESSION_LIFETIME = 3 * 3600
    user, profile = make_subscriber(plan="standard")
    session = start(user, profile, ready_video)
    assert abs((session.expires_at - session.started_at).total_seconds() - 3 * 3600) < 5
