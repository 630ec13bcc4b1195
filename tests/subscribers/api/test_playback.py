"""Playback through the API: start, fetch the master, heartbeat, stop, resume
and history; screens; another subscriber's session."""
from __future__ import annotations

import m3u8
import pytest

from streaming.subscribers.models import PlaybackSession, WatchProgress
from tests.factories import subscriber_make, video_ready_make
from tests.fixtures.api import assert_error, bearer


@pytest.fixture
def ready_video(db):
    """A ready 1080p video with its ladder's rows (no encode: tests.factories)."""
    return video_ready_make()


def test_start_heartbeat_stop_and_resume(ready_video, client):
    user, profile = subscriber_make()
    app = bearer(user, device_name="phone")
    title = app.get(f"/api/v1/profiles/{profile.pk}/titles/{ready_video.title.slug}/").json()
    assert title["video"]["public_id"] == str(ready_video.public_id) and title["video"]["playable"]
    started = app.post("/api/v1/playback/", {"profile": profile.pk, "video": title["video"]["public_id"]},
                       format="json")
    assert started.status_code == 201, started.content
    s = started.json()
    assert s["master_url"].startswith("http://testserver/play/t/") and s["resume_position"] == 0
    assert s["steering_url"].startswith("http") and s["pathways"][-1]["id"] == "origin"
    assert s["edge"] == s["pathways"][0]
    # The master needs no header: its token is the credential.
    master = client.get(s["master_url"].removeprefix("http://testserver"))
    assert master.status_code == 200
    assert m3u8.loads(master.content.decode()).playlists
    assert PlaybackSession.objects.get(pk=s["id"]).device == app.issued.session.device
    beat = app.post(f"/api/v1/playback/{s['id']}/heartbeat/",
                    {"position": 2.5, "state": "playing", "qoe": {"startup_ms": 420, "stall_count": 1}},
                    format="json")
    assert beat.status_code == 200 and beat.json()["position"] == 2.5
    assert WatchProgress.objects.get(profile=profile, video=ready_video).position == 2.5
    assert [x["id"] for x in app.get("/api/v1/playback/").json()] == [s["id"]]
    assert app.post(f"/api/v1/playback/{s['id']}/stop/", {"position": 3.0}, format="json").status_code == 204
    assert_error(app.post(f"/api/v1/playback/{s['id']}/heartbeat/", {"position": 4}, format="json"), 409,
                 "session_ended")
    again = app.post("/api/v1/playback/", {"profile": profile.pk, "video": str(ready_video.public_id)},
                     format="json").json()
    assert again["resume_position"] == 3.0
    history = app.get(f"/api/v1/profiles/{profile.pk}/history/").json()
    assert history["results"][0]["position"] == 3.0
    assert app.get(f"/api/v1/profiles/{profile.pk}/history/", {"completed": "true"}).json()["count"] == 0


def test_screens_subscription_kids_and_other_accounts(ready_video):
    user, profile = subscriber_make(plan="basic")
    phone, tablet = bearer(user, device_name="phone"), bearer(user, device_name="tablet")
    body = {"profile": profile.pk, "video": str(ready_video.public_id)}
    s = phone.post("/api/v1/playback/", body, format="json").json()
    err = assert_error(tablet.post("/api/v1/playback/", body, format="json"), 409, "too_many_screens")
    assert err["extra"] == {"screens": 1, "in_use": 1}
    # Signing out frees the phone's screen.
    phone.post("/api/v1/auth/sign-out/")
    assert tablet.post("/api/v1/playback/", body, format="json").status_code == 201
    # Another subscriber: not their session, not their profile.
    intruder_user, intruder_profile = subscriber_make()
    intruder = bearer(intruder_user)
    assert_error(intruder.post(f"/api/v1/playback/{s['id']}/heartbeat/", {"position": 1}, format="json"),
                 404, "not_found")
    assert_error(intruder.post(f"/api/v1/playback/{s['id']}/stop/", {}, format="json"), 404, "not_found")
    assert_error(intruder.post("/api/v1/playback/", body, format="json"), 404, "not_found")
    # Kids profile: a 13+ title does not play.
    kid = intruder.post("/api/v1/profiles/", {"name": "Kid", "kids": True}, format="json").json()
    assert_error(intruder.post("/api/v1/playback/", {**body, "profile": kid["id"]}, format="json"), 403,
                 "not_for_kids")
    # No active subscription.
    intruder_user.subscription.status = "cancelled"
    intruder_user.subscription.save()
    assert_error(intruder.post("/api/v1/playback/", {**body, "profile": intruder_profile.pk}, format="json"),
                 403, "no_subscription")
    assert_error(intruder.post("/api/v1/playback/", {"profile": intruder_profile.pk, "video": "nope"},
                               format="json"), 400, "invalid")
