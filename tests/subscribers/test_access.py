"""Which sessions lost their media access, as the subscriber side tells the
edges (streaming.subscribers.access, registered as the edge's revocation
provider): every way a session ends, the heartbeat that comes too late,
the screen released only once every edge has the revocation, and the
origin pathway, steering and master playlist refusing at once."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from edge.models import EdgeNode
from edge.revocation import session_is_revoked
from edge.selectors import heartbeat_answer
from streaming.core import storage
from streaming.core.errors import ApplicationError
from streaming.subscribers.access import playback_session_revoked, playback_sessions_revoked_since
from streaming.subscribers.models import PlaybackSession
from streaming.subscribers.services import (
    api_sign_in,
    api_sign_out,
    playback_heartbeat,
    playback_start,
    playback_stop,
    session_token,
)
from tests.factories import PASSWORD, node_beat, node_make, subscriber_make, title_make, video_ready_make
from tests.fixtures.accounts import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def video():
    return video_ready_make(title=title_make(name="Revoked Things"), width=1280, height=720, duration=600.0)


def start(user, profile, video, device):
    return playback_start(user=user, profile=profile, video=video, device=device, country="US")


def revoked_ids(since):
    return {row.session_id for row in playback_sessions_revoked_since(since=since, now=timezone.now())}


def test_every_way_a_session_loses_its_access_puts_it_on_the_list(video, client, settings):
    user, profile = subscriber_make(plan="premium")
    before = timezone.now() - timedelta(seconds=1)
    stopped = start(user, profile, video, "tv")
    app = api_sign_in(username=user.get_username(), password=PASSWORD, ip="127.0.0.1", device_name="phone")
    signed_out = start(user, profile, video, app.session.device)
    replaced = start(user, profile, video, "tablet")
    quiet = start(user, profile, video, "laptop")
    # Premium has four screens: the laptop goes quiet (no heartbeat for the TTL) to free one.
    PlaybackSession.objects.filter(pk=quiet.pk).update(
        last_heartbeat_at=timezone.now() - timedelta(seconds=settings.PLAYBACK_SESSION_TTL + 1))
    assert playback_session_revoked(session_id=str(quiet.pk), now=timezone.now())
    sign_in(client, user, profile)
    page = client.get(reverse("watch", args=[video.public_id]))
    assert page.status_code == 200
    assert client.post(page.context["start"]["start"]).status_code == 201  # the page's script starts it
    web = PlaybackSession.objects.get(device__startswith="web-")
    sessions = [stopped, signed_out, replaced, quiet, web]
    assert revoked_ids(before) == {str(quiet.pk)}
    assert not any(playback_session_revoked(session_id=str(s.pk), now=timezone.now()) for s in sessions[:3] + [web])

    playback_stop(session=stopped, position=3)
    api_sign_out(session=app.session)
    again = start(user, profile, video, "tablet")  # the same device starts again: the older one ends
    assert client.post("/logout/").status_code in (200, 302)

    now = timezone.now()
    assert revoked_ids(before) == {str(s.pk) for s in sessions}
    assert all(playback_session_revoked(session_id=str(s.pk), now=now) for s in sessions)
    assert all(session_is_revoked(session_id=str(s.pk)) for s in sessions)  # through the edge's provider
    assert not session_is_revoked(session_id=str(again.pk))
    # A later cursor brings only what is newer; push fill's and tests' ids are never sessions.
    assert revoked_ids(now) == set()
    assert not session_is_revoked(session_id="push-fill:mumbai-1")


def test_the_list_holds_only_sessions_whose_tokens_may_still_play(video):
    user, profile = subscriber_make(plan="premium")
    expired = start(user, profile, video, "tv")
    playback_stop(session=expired)
    PlaybackSession.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    ended = start(user, profile, video, "phone")
    playback_stop(session=ended)
    playing = start(user, profile, video, "tablet")
    full = playback_sessions_revoked_since(since=None, now=timezone.now())
    assert [row.session_id for row in full] == [str(ended.pk)]
    ended.refresh_from_db()
    assert full[0].until == ended.expires_at and full[0].revoked_at == ended.ended_at
    # What an edge is handed: the id and when its tokens have all expired.
    node = node_beat(node_make("mumbai"))
    answer = heartbeat_answer(node=node)["revoked"]
    assert answer["full"] and answer["sessions"] == [[str(ended.pk), int(ended.expires_at.timestamp()) + 1]]
    assert str(playing.pk) not in str(answer)


def test_a_session_without_heartbeats_loses_its_screen_and_its_token_for_good(video, settings):
    user, profile = subscriber_make(plan="basic")
    session = start(user, profile, video, "tv")
    last = timezone.now() - timedelta(seconds=settings.PLAYBACK_SESSION_TTL + 5)
    PlaybackSession.objects.filter(pk=session.pk).update(last_heartbeat_at=last)
    session.refresh_from_db()
    with pytest.raises(ApplicationError, match="lost its screen") as exc:
        playback_heartbeat(session=session, position=10)
    assert exc.value.code == "session_ended"
    session.refresh_from_db()
    assert session.ended_at == last + timedelta(seconds=settings.PLAYBACK_SESSION_TTL)
    # Its screen went with it: another device plays.
    assert start(user, profile, video, "phone")


def test_a_stopped_sessions_screen_is_released_once_every_edge_has_its_revocation(video, settings):
    settings.EDGE_REVOCATION_OVERLAP = 3
    user, profile = subscriber_make(plan="basic")
    node = node_beat(node_make("mumbai"))
    EdgeNode.objects.filter(pk=node.pk).update(revocations_applied_at=timezone.now() - timedelta(seconds=5))
    first = start(user, profile, video, "tv")
    playback_stop(session=first)
    with pytest.raises(ApplicationError, match="being released") as exc:
        start(user, profile, video, "phone")
    assert exc.value.code == "too_many_screens" and exc.value.extra["retry_after"] > 0
    # The edge's next heartbeat says its list goes past the stop (by the overlap): released.
    EdgeNode.objects.filter(pk=node.pk).update(revocations_applied_at=timezone.now() + timedelta(seconds=4))
    second = start(user, profile, video, "phone")
    # An edge that lags is waited for EDGE_HEARTBEAT_TTL at most.
    playback_stop(session=second)
    EdgeNode.objects.filter(pk=node.pk).update(revocations_applied_at=timezone.now() - timedelta(hours=1))
    PlaybackSession.objects.filter(pk__in=[first.pk, second.pk]).update(
        ended_at=timezone.now() - timedelta(seconds=settings.EDGE_HEARTBEAT_TTL + 1))
    assert start(user, profile, video, "laptop")
    # Playing devices still count as before.
    with pytest.raises(ApplicationError, match="1 is in use"):
        start(user, profile, video, "tv")


def test_origin_path_steering_and_master_refuse_a_revoked_session_at_once(video, client, settings):
    user, profile = subscriber_make(plan="premium")
    session = start(user, profile, video, "tv")
    token = session_token(session=session)
    storage.put_bytes(f"hls/{video.public_id}/v720/seg_00001.m4s", b"x" * 100)
    origin = f"/edge/origin/t/{token}/hls/{video.public_id}/v720/seg_00001.m4s"
    steering = reverse("edge:steering", kwargs={"token": token})
    assert client.get(origin).status_code == 200
    assert client.get(steering).status_code == 200
    PlaybackSession.objects.filter(pk=session.pk).update(
        last_heartbeat_at=timezone.now() - timedelta(seconds=settings.PLAYBACK_SESSION_TTL + 1))
    response = client.get(origin)
    assert response.status_code == 403 and b"revoked" in response.content
    assert client.get(steering).status_code == 410
    assert client.get(reverse("playback-master", args=[token])).status_code == 410
