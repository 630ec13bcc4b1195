"""Profiles through the API: create, rename, delete, the limit, the last
profile; another subscriber's profiles do not exist for this account."""
from __future__ import annotations

from streaming.subscribers.models import Profile
from tests.fixtures.api import assert_error


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
