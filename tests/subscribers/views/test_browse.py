"""The browse, search and title pages: what a viewer sees depends on where
they are (the trusted CDN header, or ?country= while DEBUG is on)."""
from __future__ import annotations

import pytest
from django.urls import reverse

from catalog import selectors
from catalog.models import Title
from catalog.services import genre_get_or_create, title_create
from tests.fixtures.catalog import playable_title, video_ready_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def drama():
    return genre_get_or_create(name="Drama")


def test_browse_has_a_row_per_genre_with_titles(viewer_client, settings, drama):
    client = viewer_client
    settings.DEFAULT_COUNTRY = "US"
    comedy = genre_get_or_create(name="Comedy")
    genre_get_or_create(name="Empty Genre")
    playable_title(name="Funny", genres=[comedy])
    playable_title(name="Sad", genres=[drama])
    playable_title(name="Hidden Here", genres=[drama], countries="IN")
    response = client.get(reverse("catalog:browse"))
    assert response.status_code == 200
    rows = {row.name: [t.name for t in row.titles] for row in response.context["rows"]}
    assert rows == {"New": ["Sad", "Funny"], "Comedy": ["Funny"], "Drama": ["Sad"]}
    assert b"Hidden Here" not in response.content


def test_title_page_is_404_outside_its_countries(viewer_client, settings, drama):
    client = viewer_client
    settings.DEFAULT_COUNTRY = "US"
    title = playable_title(name="Monsoon", genres=[drama], countries="IN")
    url = reverse("catalog:title", args=[title.slug])
    assert client.get(url).status_code == 404
    settings.DEFAULT_COUNTRY = "IN"
    response = client.get(url)
    assert response.status_code == 200
    assert b"Monsoon" in response.content


def test_debug_country_override_shows_another_catalog(viewer_client, settings, drama):
    client = viewer_client
    settings.DEBUG = True
    playable_title(name="Only India", genres=[drama], countries="IN")
    assert b"Only India" not in client.get("/browse/").content
    assert b"Only India" in client.get("/browse/?country=IN").content
    # remembered for the session
    assert b"Only India" in client.get("/browse/").content


def test_country_override_is_ignored_in_production(viewer_client, settings, drama):
    client = viewer_client
    settings.DEBUG = False
    settings.DEFAULT_COUNTRY = "US"
    playable_title(name="Only India", genres=[drama], countries="IN")
    assert b"Only India" not in client.get("/browse/?country=IN").content


def test_trusted_cdn_country_header_decides(viewer_client, settings, drama):
    client = viewer_client
    settings.GEO_COUNTRY_HEADER = "CloudFront-Viewer-Country"
    playable_title(name="Only India", genres=[drama], countries="IN")
    assert b"Only India" in client.get("/browse/", HTTP_CLOUDFRONT_VIEWER_COUNTRY="IN").content
    assert b"Only India" not in client.get("/browse/", HTTP_CLOUDFRONT_VIEWER_COUNTRY="US").content


def test_search_finds_by_name_and_genre(viewer_client, drama):
    client = viewer_client
    playable_title(name="The Last Signal", genres=[drama])
    assert [t.name for t in client.get("/search/?q=signal").context["results"]] == ["The Last Signal"]
    assert [t.name for t in client.get("/search/?q=drama").context["results"]] == ["The Last Signal"]
    assert client.get("/search/?q=nothing-like-this").context["results"] == []


# --- nothing playable, nothing shown (subscribers); staff see why --------------------------


def test_a_failed_upload_is_hidden_from_subscribers_everywhere_and_staff_see_the_reason(
        viewer_client, client, django_user_model, drama):
    from tests.factories import subscriber_make
    from tests.fixtures.accounts import sign_in

    failed = title_create(name="Broken Upload", genres=[drama], synopsis="It never transcoded.")
    video_ready_make(title=failed, status="failed", error="ffmpeg: moov atom not found")
    processing = title_create(name="Still Cooking", genres=[drama])
    video_ready_make(title=processing, status="processing")
    title_create(name="No Video Yet", genres=[drama])
    playable_title(name="Plays Fine", genres=[drama])
    for path in ("/browse/", "/search/?q=e"):
        page = viewer_client.get(path).content.decode()
        assert "Plays Fine" in page
        for hidden in ("Broken Upload", "Still Cooking", "No Video Yet"):
            assert hidden not in page, (path, hidden)
    page = viewer_client.get(reverse("catalog:title", args=[failed.slug]))
    assert page.status_code == 404 and b"moov atom" not in page.content
    # Staff: listed, marked hidden, and the title page says why.
    staff, profile = subscriber_make(username="editor")
    staff.is_staff = True
    staff.save()
    staff_client = sign_in(client, staff, profile)
    browse = staff_client.get("/browse/").content.decode()
    assert "Broken Upload" in browse and 'class="card-badge"' in browse
    detail = staff_client.get(reverse("catalog:title", args=[failed.slug])).content.decode()
    assert "Hidden from subscribers" in detail and "moov atom not found" in detail
    assert selectors.title_hidden_reason(title=processing) == "Nothing playable yet: the video is processing"
    staff_client.force_login(staff)
    staff.is_superuser = True
    staff.save()
    listing = staff_client.get(reverse("admin:catalog_title_changelist")).content.decode()
    assert "Nothing playable: the transcode failed (ffmpeg: moov atom not found)" in listing
    assert selectors.title_hidden_reason(title=Title.objects.get(name="Plays Fine")) == ""


def test_a_newer_failed_video_does_not_hide_the_one_that_plays(viewer_client, drama):
    title = playable_title(name="Re-cut", genres=[drama])
    video_ready_make(title=title, status="failed", error="ffmpeg died")
    page = viewer_client.get(reverse("catalog:title", args=[title.slug])).content.decode()
    assert "Play" in page and "ffmpeg died" not in page


def test_the_new_row_shows_a_new_upload_without_a_genre_first(viewer_client):
    older = playable_title(name="Older")
    newest = playable_title(name="Genre-less Upload")
    rows = viewer_client.get("/browse/").context["rows"]
    assert rows[0].key == "new" and [t.name for t in rows[0].titles] == [newest.name, older.name]
    assert b"Genre-less Upload" in viewer_client.get("/browse/").content


def test_the_api_lists_only_playable_titles_to_subscribers(client, drama):
    from tests.factories import subscriber_make

    user, profile = subscriber_make()
    failed = title_create(name="Broken Upload", genres=[drama])
    video_ready_make(title=failed, status="failed", error="ffmpeg: moov atom not found")
    playable_title(name="Plays Fine", genres=[drama])
    token = client.post("/api/v1/auth/sign-in/", {"username": user.username, "password": "a-Strong-pass-123",
                                                  "device_name": "test"}, content_type="application/json").json()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token['access_token']}"}
    titles = client.get(f"/api/v1/profiles/{profile.pk}/titles/", **auth).json()
    assert [t["name"] for t in titles["results"]] == ["Plays Fine"]
    home = client.get(f"/api/v1/profiles/{profile.pk}/home/", **auth).json()
    assert all("Broken Upload" not in [t["name"] for t in row["titles"]] for row in home)
    assert client.get(f"/api/v1/profiles/{profile.pk}/titles/{failed.slug}/", **auth).status_code == 404
