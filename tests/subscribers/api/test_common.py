"""Every profile-scoped endpoint answers 404 for another account's profile."""
from __future__ import annotations

from tests.fixtures.api import assert_error


def test_another_subscribers_profile_is_not_found_everywhere(member, other):
    client, _, _ = member
    _, _, theirs = other
    for path in ("home/", "titles/", "my-list/", "history/"):
        assert_error(client.get(f"/api/v1/profiles/{theirs.pk}/{path}"), 404, "not_found")
