"""Profiles, catalog (country and kids filters), my list, history; the
permissions of another subscriber's profile."""
from __future__ import annotations

from catalog.models import Title
from catalog.services import genre_get_or_create
from streaming.subscribers.models import Profile
from tests.fixtures.catalog import playable_title

from .conftest import assert_error


def test_profiles_crud_limit_and_last_profile(member, other):
    client, user, profile = member
    assert [p["id"] for p in client.get("/api/v1/profiles/").json()] == [profile.pk]
    kid = client.post("/api/v1/profiles/", {"name": "Kid", "kids": True}, format="json")
    assert kid.status_code == 201 and kid.json()["kids"] is True
    assert_error(client.post("/api/v1/profiles/", {"name": "kid"}, format="json"), 409, "taken")
    for n in range(3):
        client.post("/api/v1/profiles/", {"name": f"P{n}"}, format="json")
    assert_error(client.post("/api/v1/profiles/", {"name": "Sixth"}, format="json"), 409, "limit")
    kid_id = kid.json()["id"]
    renamed = client.patch(f"/api/v1/profiles/{kid_id}/", {"name": "Kiddo"}, format="json")
    assert renamed.json()["name"] == "Kiddo"
    assert client.delete(f"/api/v1/profiles/{kid_id}/").status_code == 204
    # Another subscriber's profile does not exist for this account.
    other_client, _, other_profile = other
    for method in ("get", "patch", "delete"):
        assert_error(getattr(client, method)(f"/api/v1/profiles/{other_profile.pk}/"), 404, "not_found")
    # An account keeps one profile.
    assert_error(other_client.delete(f"/api/v1/profiles/{other_profile.pk}/"), 409, "last_profile")
    assert Profile.objects.filter(pk=other_profile.pk).exists()


def catalog_fixture():
    drama = genre_get_or_create(name="Drama")
    everywhere = playable_title(name="Open Sky", genres=[drama], maturity_rating=Title.Rating.ALL,
                                synopsis="Clouds.")
    india_only = playable_title(name="Monsoon", genres=[drama], countries="IN")
    adult = playable_title(name="Night Shift", genres=[drama], maturity_rating=Title.Rating.EIGHTEEN)
    return everywhere, india_only, adult


def test_titles_filtered_by_country_and_kids_and_searchable(member, settings):
    client, user, profile = member
    everywhere, india_only, adult = catalog_fixture()
    settings.GEO_COUNTRY_HEADER = "CloudFront-Viewer-Country"
    us = client.get(f"/api/v1/profiles/{profile.pk}/titles/", HTTP_CLOUDFRONT_VIEWER_COUNTRY="US").json()
    assert {t["slug"] for t in us["results"]} == {everywhere.slug, adult.slug} and us["count"] == 2
    india = client.get(f"/api/v1/profiles/{profile.pk}/titles/", HTTP_CLOUDFRONT_VIEWER_COUNTRY="IN").json()
    assert india_only.slug in {t["slug"] for t in india["results"]}
    kid = client.post("/api/v1/profiles/", {"name": "Kid", "kids": True}, format="json").json()
    kids = client.get(f"/api/v1/profiles/{kid['id']}/titles/").json()
    assert [t["slug"] for t in kids["results"]] == [everywhere.slug]
    found = client.get(f"/api/v1/profiles/{profile.pk}/titles/", {"q": "cloud"}).json()
    assert [t["slug"] for t in found["results"]] == [everywhere.slug]
    page = client.get(f"/api/v1/profiles/{profile.pk}/titles/", {"page_size": 1, "genre": "drama"}).json()
    assert page["count"] == 2 and len(page["results"]) == 1 and page["next"].startswith("http")
    assert_error(client.get(f"/api/v1/profiles/{profile.pk}/titles/", {"kind": "opera"}), 400, "invalid")
    # Detail: the same 404 for "not here" and "does not exist".
    detail = client.get(f"/api/v1/profiles/{profile.pk}/titles/{everywhere.slug}/").json()
    assert detail["video"]["playable"] is True and detail["seasons"] == [] and detail["in_my_list"] is False
    assert_error(client.get(f"/api/v1/profiles/{profile.pk}/titles/{india_only.slug}/"), 404, "not_found")
    assert_error(client.get(f"/api/v1/profiles/{kid['id']}/titles/{adult.slug}/"), 404, "not_found")
    assert_error(client.get(f"/api/v1/profiles/{profile.pk}/titles/nope/"), 404, "not_found")
    rows = client.get(f"/api/v1/profiles/{profile.pk}/home/").json()
    assert any(r["key"] == "genre-drama" for r in rows)
    assert {"slug": "drama", "name": "Drama"} in client.get("/api/v1/genres/").json()


def test_another_subscribers_profile_is_not_found_everywhere(member, other):
    client, _, _ = member
    _, _, theirs = other
    for path in ("home/", "titles/", "my-list/", "history/"):
        assert_error(client.get(f"/api/v1/profiles/{theirs.pk}/{path}"), 404, "not_found")


def test_my_list_add_list_remove(member):
    client, _, profile = member
    everywhere, india_only, _ = catalog_fixture()
    url = f"/api/v1/profiles/{profile.pk}/my-list/"
    assert client.post(url, {"title": everywhere.slug}, format="json").status_code == 201
    assert client.post(url, {"title": everywhere.slug}, format="json").status_code == 201  # idempotent
    assert_error(client.post(url, {"title": india_only.slug}, format="json"), 404, "not_found")
    listed = client.get(url).json()
    assert listed["count"] == 1 and listed["results"][0]["title"]["slug"] == everywhere.slug
    assert client.get(f"/api/v1/profiles/{profile.pk}/titles/{everywhere.slug}/").json()["in_my_list"]
    assert client.delete(f"{url}{everywhere.slug}/").status_code == 204
    assert client.get(url).json()["count"] == 0
