"""What a viewer sees depends on where they are."""
from __future__ import annotations

import pytest
from django.urls import reverse

from catalog import selectors
from catalog.demo_data import demo_catalog_load
from catalog.services import genre_get_or_create, title_create
from streaming.core.errors import ApplicationError
from streaming.core.validators import countries_parse

pytestmark = pytest.mark.django_db


@pytest.fixture
def drama():
    return genre_get_or_create(name="Drama")


def test_unlimited_title_is_visible_everywhere(drama):
    title_create(name="Everywhere", genres=[drama])
    assert [t.name for t in selectors.titles_visible(country="IN")] == ["Everywhere"]
    assert [t.name for t in selectors.titles_visible(country="US")] == ["Everywhere"]


def test_limited_title_is_visible_only_in_its_countries(drama):
    title_create(name="Only India", genres=[drama], countries="IN")
    title_create(name="Germany and Austria", genres=[drama], countries=["de", "AT"])
    assert {t.name for t in selectors.titles_visible(country="IN")} == {"Only India"}
    assert {t.name for t in selectors.titles_visible(country="at")} == {"Germany and Austria"}
    assert not selectors.titles_visible(country="US").exists()


def test_unpublished_title_is_for_staff_only(drama):
    title_create(name="Draft", genres=[drama], published=False)
    assert not selectors.titles_visible(country="US").exists()
    assert selectors.titles_visible(country="US", staff=True).count() == 1


def test_bad_country_code_is_refused_with_a_clear_message():
    with pytest.raises(ApplicationError, match="Not a two-letter country code: INDIA"):
        countries_parse("IN, india")


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


def test_demo_catalog_loads_once_and_renders(viewer_client, settings):
    client = viewer_client
    settings.DEBUG = True
    assert demo_catalog_load() == 6
    assert demo_catalog_load() == 0
    response = client.get("/browse/?country=DE")
    assert response.status_code == 200
    assert b"Frankfurt Nights" in response.content
    series = selectors.title_get_visible(slug="orbit-school", country="US")
    page = client.get(reverse("catalog:title", args=[series.slug]))
    assert b"Zero-G Lunch" in page.content


def test_anonymous_visitors_get_the_landing_page_and_sign_in_for_the_catalog(client):
    response = client.get("/")
    assert response.status_code == 200 and b"Choose a plan" in response.content
    assert b"Premium" in response.content and b"17.99" in response.content
    response = client.get("/browse/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_signed_in_without_a_profile_is_asked_to_choose_one(client, subscriber):
    user, profile = subscriber
    client.force_login(user)
    response = client.get("/browse/")
    assert response.status_code == 302 and response["Location"].startswith("/profiles/")
