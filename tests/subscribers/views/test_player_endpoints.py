"""The player's page endpoints (start, heartbeat, stop) take the API's
strict JSON and bounds and answer the API's error format: never a 500,
never an HTML page, and nothing out of range is ever stored."""
from __future__ import annotations

import json
import math

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from streaming.subscribers.models import PlaybackSession, Profile, QoEReport, WatchProgress
from streaming.subscribers.services import playback_heartbeat, playback_stop
from tests.factories import subscriber_make as make_subscriber
from tests.fixtures.accounts import sign_in
from tests.fixtures.api import assert_error
from tests.fixtures.playback import make_ready_video, ready_session_start


@pytest.fixture
def ready_session(db, client):
    return ready_session_start(client)


def beat(client, session, body, content_type="application/json"):
    client.raise_request_exception = False
    raw = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post(reverse("playback-heartbeat", args=[session.pk]), raw, content_type=content_type)


BAD_HEARTBEATS = [
    ('{"position": Infinity}', "malformed"),
    ('{"position": NaN}', "malformed"),
    ('{"position": -Infinity}', "malformed"),
    ('{"position": 1e400}', "malformed"),
    ('[1, 2]', "invalid"),
    ('"playing"', "invalid"),
    ('42', "invalid"),
    ('{"position": "abc"}', "invalid"),
    ('{"position": 5, "qoe": "fast"}', "invalid"),
    ('{"position": 5, "qoe": [1]}', "invalid"),
    ('{"position": 5, "qoe": {"startup_ms": 1e400}}', "malformed"),
    (f'{{"position": 5, "qoe": {{"stall_count": {10**30}}}}}', "invalid"),
    (f'{{"position": 5, "qoe": {{"watch_ms": {2**63}}}}}', "invalid"),
    ('{"position": 5, "qoe": {"startup_ms": -1}}', "invalid"),
    ('{"position": 5, "qoe": {"last_error": "\\u0000"}}', "invalid"),
    ('{"position": 5, "state": "flying"}', "invalid"),
    ('{"position": 1e12}', "invalid"),
    ('{"position": 9000}', "invalid"),  # far past the 60 s video
    ("[" * 5000 + "]" * 5000, "malformed"),
    ('{"a":' * 100 + "1" + "}" * 100, "malformed"),
    ("{not json", "malformed"),
    ('{"position": 1' + "0" * 5000 + "}", "malformed"),
]


@pytest.mark.parametrize("body, code", BAD_HEARTBEATS, ids=[b[:30] for b, _ in BAD_HEARTBEATS])
def test_a_bad_heartbeat_is_a_400_with_a_reason_and_stores_nothing(ready_session, body, code):
    client, session = ready_session
    body_error = assert_error(beat(client, session, body), 400, code)
    assert body_error["message"]
    session.refresh_from_db()
    assert session.position == 0.0
    assert not WatchProgress.objects.filter(profile=session.profile).exists()
    report = QoEReport.objects.get(session=session)
    assert (report.startup_ms, report.stall_count, report.watch_ms) == (None, 0, 0)


def test_a_good_heartbeat_from_the_web_player_is_stored(ready_session):
    client, session = ready_session
    # What player.js sends before the first frame: nulls for figures not measured yet.
    qoe = {"startup_ms": None, "watch_ms": 0, "stall_count": 0, "stall_ms": 0, "switch_count": 0,
           "error_count": 0, "last_error": "", "level_height": None, "edge": "origin"}
    answer = beat(client, session, {"position": 12.5, "duration": 60, "state": "playing", "qoe": qoe})
    assert answer.status_code == 200, answer.content
    assert answer.json() == {"ok": True, "position": 12.5}
    qoe.update(startup_ms=420, stall_count=2**31 - 1)
    assert beat(client, session, {"position": 60.4, "qoe": qoe}).status_code == 200, "a little past the end"
    session.refresh_from_db()
    assert session.position == 60.0, "clamped to the video's end"
    assert QoEReport.objects.get(session=session).stall_count == 2**31 - 1


@pytest.mark.parametrize("form", [{"position": "abc"}, {"position": "nan"}, {"position": "inf"},
                                  {"position": "-1"}, {"position": "1e400"}, {"position": "9000"}])
def test_a_bad_stop_is_a_400_and_keeps_the_session(ready_session, form, client):
    client, session = ready_session
    client.raise_request_exception = False
    assert_error(client.post(reverse("playback-stop", args=[session.pk]), form), 400, "invalid")
    assert PlaybackSession.objects.get(pk=session.pk).ended_at is None


def test_stop_by_beacon_form_saves_the_place(ready_session):
    client, session = ready_session
    answer = client.post(reverse("playback-stop", args=[session.pk]), {"position": "30.5"})
    assert answer.status_code == 200 and answer.json() == {"ok": True}
    assert WatchProgress.objects.get(profile=session.profile).position == 30.5
    assert PlaybackSession.objects.get(pk=session.pk).ended_at is not None


def test_signed_out_wrong_method_and_someone_elses_session_answer_the_error_format(ready_session):
    client, session = ready_session
    url = reverse("playback-heartbeat", args=[session.pk])
    assert_error(client.get(url), 405, "method_not_allowed")
    other, profile = make_subscriber()
    sign_in(client, other, profile)
    assert_error(client.post(url, "{}", content_type="application/json"), 404, "not_found")
    client.logout()
    assert_error(client.post(url, "{}", content_type="application/json"), 401, "not_authenticated")


def test_the_database_refuses_a_position_that_is_not_a_finite_number_of_seconds(ready_session):
    _client, session = ready_session
    for bad in (math.inf, -1.0, 1e12):
        with pytest.raises(IntegrityError), transaction.atomic():
            PlaybackSession.objects.filter(pk=session.pk).update(position=bad)
    with pytest.raises(Exception, match="position"):
        playback_heartbeat(session=session, position=math.inf)


def test_opening_the_player_page_starts_nothing_the_post_starts_the_session(db, client):
    user, profile = make_subscriber(plan="basic")
    sign_in(client, user, profile)
    video = make_ready_video()
    page = client.get(reverse("watch", args=[video.public_id]))
    assert page.status_code == 200 and not PlaybackSession.objects.filter(user=user).exists()
    start = page.context["start"]["start"]
    assert client.get(start).status_code == 405, "starting is a POST"
    started = client.post(start)
    assert started.status_code == 201, started.content
    config = started.json()
    first = PlaybackSession.objects.get(pk=config["session"])
    assert config["master"].startswith("/play/t/") and config["heartbeat"].endswith("/heartbeat")
    # Opening the page again (a link, a prefetch, another site's navigation) ends nothing.
    assert client.get(reverse("watch", args=[video.public_id])).status_code == 200
    first.refresh_from_db()
    assert first.ended_at is None
    # A second browser on a 1-screen plan is refused with the reason, in the error format.
    second = client.__class__()
    sign_in(second, user, profile)
    assert_error(second.post(start), 409, "too_many_screens")


@pytest.mark.django_db(transaction=True)
def test_a_beat_or_stop_racing_the_deletion_of_its_profile_is_not_a_500(client):
    # Seen in the browser tests: the stop beacon of a page whose rows were just deleted.
    _client, session = ready_session_start(client)
    Profile.objects.filter(pk=session.profile_id).delete()  # the session goes with it
    playback_stop(session=session, position=5.0)
    playback_heartbeat(session=session, position=6.0, qoe={"startup_ms": 300})
    assert not WatchProgress.objects.exists() and not QoEReport.objects.exists()
