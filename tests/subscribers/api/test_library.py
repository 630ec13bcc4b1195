"""My list through the API (history is in test_playback.py, where it is made)."""
from __future__ import annotations

from tests.fixtures.api import assert_error


def test_my_list_add_list_remove(member, three_titles):
    client, _, profile = member
    everywhere, india_only, _ = three_titles
    url = f"/api/v1/profiles/{profile.pk}/my-list/"
    assert client.post(url, {"title": everywhere.slug}, format="json").status_code == 201
    assert client.post(url, {"title": everywhere.slug}, format="json").status_code == 201  # idempotent
    assert_error(client.post(url, {"title": india_only.slug}, format="json"), 404, "not_found")
    listed = client.get(url).json()
    assert listed["count"] == 1 and listed["results"][0]["title"]["slug"] == everywhere.slug
    assert client.get(f"/api/v1/profiles/{profile.pk}/titles/{everywhere.slug}/").json()["in_my_list"]
    assert client.delete(f"{url}{everywhere.slug}/").status_code == 204
    assert client.get(url).json()["count"] == 0
