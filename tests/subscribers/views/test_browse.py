"""The browse, search and title pages: what a viewer sees depends on where
they are (the trusted CDN header, or ?country= while DEBUG is on)."""
from __future__ import annotations

import pytest
from django.urls import reverse

from catalog.services import genre_get_or_create, title_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def drama():
    return genre_get_or_create(name="Drama")


def test_browse_has_a_row_per_genre_with_titles(viewer_client, settings, drama):
    client = viewer_client
    settings.DEFAULT_COUNTRY = "US"
    comedy = genre_get_or_create(name="Comedy")
    genre_get_or_create(name="Empty Genre")
    title_create(name="Funny", genres=[comedy])
    title_create(name="Sad", genres=[drama])
    title_create(name="Hidden Here", genres=[drama], countries="IN")
    response = client.get(reverse("catalog:browse"))
    assert response.status_code == 200
    rows = {row.name: [t.name for t in row.titles] for row in response.context["rows"]}
    assert rows == {"Comedy": ["Funny"], "Drama": ["Sad"]}
    assert b"Hidden Here" not in response.content


def test_title_page_is_404_outside_its_countries(viewer_client, settings, drama):
    client = viewer_client
    settings.DEFAULT_COUNTRY = "US"
    title = title_create(name="Monsoon", genres=[drama], countries="IN")
    url = reverse("catalog:title", args=[title.slug])
    assert client.get(url).status_code == 404
    settings.DEFAULT_COUNTRY = "IN"
    response = client.get(url)
    assert response.status_code == 200
    assert b"Monsoon" in response.content


def test_debug_country_override_shows_another_catalog(viewer_client, settings, drama):
    client = viewer_client
    settings.DEBUG = True
    title_create(name="Only India", genres=[drama], countries="IN")
    assert b"Only India" not in client.get("/browse/").content
    assert b"Only India" in client.get("/browse/?country=IN").content
    # remembered for the session
    assert b"Only India" in client.get("/browse/").content


def test_country_override_is_ignored_in_production(viewer_client, settings, drama):
    client = viewer_client
    settings.DEBUG = False
    settings.DEFAULT_COUNTRY = "US"
    title_create(name="Only India", genres=[drama], countries="IN")
    assert b"Only India" not in client.get("/browse/?country=IN").content


def test_trusted_cdn_country_header_decides(viewer_client, settings, drama):
    client = viewer_client
    settings.GEO_COUNTRY_HEADER = "CloudFront-Viewer-Country"
    title_create(name="Only India", genres=[drama], countries="IN")
    assert b"Only India" in client.get("/browse/", HTTP_CLOUDFRONT_VIEWER_COUNTRY="IN").content
    assert b"Only India" not in client.get("/browse/", HTTP_CLOUDFRONT_VIEWER_COUNTRY="US").content


def test_search_finds_by_name_and_genre(viewer_client, drama):
    client = viewer_client
    title_create(name="The Last Signal", genres=[drama])
    assert [t.name for t in client.get("/search/?q=signal").context["results"]] == ["The Last Signal"]
    assert [t.name for t in client.get("/search/?q=drama").context["results"]] == ["The Last Signal"]
    assert client.get("/search/?q=nothing-like-this").context["results"] == []
