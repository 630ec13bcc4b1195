"""Who may watch what, where, on how many screens; heartbeats and resume."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from catalog.models import Title
from catalog.services import title_set_countries
from edge.signing import token_verify
from streaming.core.errors import ApplicationError
from streaming.subscribers.models import Plan, PlaybackSession, Subscription, WatchProgress
from streaming.subscribers.selectors import home_rows
from streaming.subscribers.services import (
    playback_heartbeat,
    playback_start,
    playback_stop,
    session_token,
    subscription_change_plan,
)
from tests.factories import subscriber_make, video_ready_make
from tests.fixtures.accounts import sign_in


@pytest.fixture
def ready_video(db):
    """A ready 1080p video with its ladder's rows (no encode: tests.factories)."""
    return video_ready_make()


def start(user, profile, video, device="web-a", country="US"):
    return playback_start(user=user, profile=profile, video=video, device=device, country=country,
                          client_ip="127.0.0.1")


def test_screens_limit_refuses_a_new_device_and_names_the_limit(ready_video):
    user, profile = subscriber_make(plan="basic")
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
    user, profile = subscriber_make(plan="standard")
    start(user, profile, ready_video, device="tv")
    start(user, profile, ready_video, device="phone")
    with pytest.raises(ApplicationError, match="2 screens at a time and 2 are in use"):
        start(user, profile, ready_video, device="laptop")
    subscription_change_plan(user=user, plan=Plan.objects.get(slug="premium"))
    assert start(user, profile, ready_video, device="laptop")


def test_stopping_frees_the_screen(ready_video):
    user, profile = subscriber_make(plan="basic")
    session = start(user, profile, ready_video, device="web-a")
    playback_stop(session=session, position=12)
    assert start(user, profile, ready_video, device="web-b")


def test_no_active_subscription_no_playback(ready_video, client):
    user, profile = subscriber_make()
    Subscription.objects.filter(user=user).update(status=Subscription.Status.CANCELLED)
    with pytest.raises(ApplicationError, match="no active subscription"):
        start(user, profile, ready_video)
    page = sign_in(client, user, profile).get(reverse("watch", args=[ready_video.public_id]))
    assert page.status_code == 403 and b"no active subscription" in page.content


def test_title_not_available_in_the_viewers_country_cannot_play(ready_video, client, settings):
    title_set_countries(title=ready_video.title, countries="IN")
    user, profile = subscriber_make()
    with pytest.raises(ApplicationError, match="not available in your country"):
        start(user, profile, ready_video, country="US")
    assert start(user, profile, ready_video, country="IN")
    settings.DEFAULT_COUNTRY = "US"
    page = sign_in(client, user, profile).get(reverse("watch", args=[ready_video.public_id]))
    assert page.status_code == 403


def test_kids_profile_sees_and_plays_only_childrens_titles(ready_video):
    Title.objects.filter(pk=ready_video.title_id).update(maturity_rating=Title.Rating.SIXTEEN)
    user, kids = subscriber_make(kids=True)
    with pytest.raises(ApplicationError, match="not available on a kids profile"):
        start(user, kids, ready_video)
    assert not any(ready_video.title in row.titles for row in home_rows(profile=kids, country="US"))
    Title.objects.filter(pk=ready_video.title_id).update(maturity_rating=Title.Rating.SEVEN)
    assert start(user, kids, ready_video)


def test_resume_position_follows_the_viewer_to_another_device(ready_video):
    user, profile = subscriber_make(plan="standard")
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
    user, profile = subscriber_make()
    session = start(user, profile, ready_video)
    playback_stop(session=session)
    session.refresh_from_db()
    with pytest.raises(ApplicationError, match="has ended"):
        playback_heartbeat(session=session, position=1)


def test_tokens_expire_at_the_earlier_of_the_session_end_and_the_token_ttl(ready_video, settings):
    user, profile = subscriber_make(plan="standard")
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
    user, profile = subscriber_make(plan="standard")
    session = start(user, profile, ready_video)
    assert abs((session.expires_at - session.started_at).total_seconds() - 3 * 3600) < 5


# --- a reload: the old page's stop beacon lands after the new page was built -------------


@pytest.fixture
def factory_video(db):
    from tests.fixtures.catalog import playable_title

    title = playable_title(name="Long Film")
    video = title.videos.get()
    video.duration = 600.0
    video.save()
    return video


def test_a_late_stop_beacon_still_keeps_the_place_unless_the_new_session_reported(factory_video):
    user, profile = subscriber_make()
    old = start(user, profile, factory_video, device="web-a")
    playback_heartbeat(session=old, position=40.0, state="playing")
    new = start(user, profile, factory_video, device="web-a")  # the reload: ends the old session
    assert new.position == 40.0, "built before the beacon: the last heartbeat"
    old.refresh_from_db()
    playback_stop(session=old, position=52.6)  # the beacon, late
    assert WatchProgress.objects.get(profile=profile, video=factory_video).position == 52.6
    # Once the new session has reported, an even later beacon of the old one changes nothing.
    playback_heartbeat(session=new, position=53.0, state="playing")
    playback_stop(session=old, position=52.6)
    assert WatchProgress.objects.get(profile=profile, video=factory_video).position == 53.0

