"""The catalog's API: staff create titles (subscribers may not); countries
are checked."""
from __future__ import annotations

from tests.fixtures.api import assert_error


def test_staff_only_endpoints(anon, member, staff):
    client, _, _ = member
    staff_client, _, _ = staff
    body = {"name": "New Film", "genres": ["Drama"], "countries": ["in", "DE"], "maturity_rating": "7"}
    assert_error(anon.post("/api/v1/staff/titles/", body, format="json"), 401, "not_authenticated")
    assert_error(client.post("/api/v1/staff/titles/", body, format="json"), 403, "permission_denied")
    created = staff_client.post("/api/v1/staff/titles/", body, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["countries"] == ["DE", "IN"] and created.json()["genres"] == ["Drama"]
    assert_error(staff_client.post("/api/v1/staff/titles/", {**body, "countries": ["XYZ"]}, format="json"), 400)
    assert_error(staff_client.post("/api/v1/staff/titles/", {**body, "countries": ["1x"]}, format="json"), 400,
                 "bad_country")
