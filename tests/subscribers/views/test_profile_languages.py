"""The profile page links to each profile's languages; the form saves them
(canonical BCP 47) and the player's endpoint changes them for the
session's profile only."""
from __future__ import annotations

import pytest
from django.urls import reverse

from streaming.subscribers.models import Profile
from streaming.subscribers.services import playback_start
from tests.factories import subscriber_make, video_ready_make

pytestmark = pytest.mark.django_db


def test_languages_page_saves_the_profiles_choice(client):
    user, profile = subscriber_make()
    client.force_login(user)
    page = client.get(reverse("profiles")).content.decode()
    assert reverse("profile-languages", args=[profile.pk]) in page
    form = client.get(reverse("profile-languages", args=[profile.pk])).content.decode()
    assert '<option value="" selected>Off</option>' in form and '<option value="de">German</option>' in form
    response = client.post(reverse("profile-languages", args=[profile.pk]),
                           {"audio_language": "de", "subtitle_language": "pt"})
    assert response.status_code == 302
    profile.refresh_from_db()
    assert (profile.audio_language, profile.subtitle_language) == ("de", "pt")
    other, _ = subscriber_make()
    client.force_login(other)
    assert client.get(reverse("profile-languages", args=[profile.pk])).status_code == 404


def test_player_endpoint_sets_the_sessions_profile_languages(client):
    user, profile = subscriber_make()
    session = playback_start(user=user, profile=profile, video=video_ready_make(), device="web", country="US",
                             client_ip="127.0.0.1")
    client.force_login(user)
    url = reverse("playback-languages", args=[session.pk])
    answer = client.post(url, {"subtitles": "FRE"}, content_type="application/json")
    assert answer.status_code == 200 and answer.json() == {"audio": "", "subtitles": "fr"}
    assert client.post(url, {"audio": "x-klingon!"}, content_type="application/json").status_code == 400
    assert Profile.objects.get(pk=profile.pk).subtitle_language == "fr"
    other, _ = subscriber_make()
    client.force_login(other)
    assert client.post(url, {"subtitles": ""}, content_type="application/json").status_code == 404
