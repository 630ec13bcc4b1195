"""What a profile sees through the API: home rows, the catalog (country and
kids filters, search, genres, pages) and title detail."""
from __future__ import annotations

from tests.fixtures.api import assert_error


def test_titles_filtered_by_country_and_kids_and_searchable(member, settings, three_titles):
    client, user, profile = member
    everywhere, india_only, adult = three_titles
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
