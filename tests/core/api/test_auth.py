"""Bearer authentication: a call without a token, or with one that is not
ours, gets a 401 in the one error format, whichever app owns the endpoint."""
from __future__ import annotations

from tests.fixtures.api import assert_error


def test_anonymous_gets_401_in_the_error_format(anon, db):
    for path in ("/api/v1/me/", "/api/v1/profiles/", "/api/v1/genres/", "/api/v1/playback/"):
        assert_error(anon.get(path), 401, "not_authenticated")
    assert_error(anon.get("/api/v1/me/", HTTP_AUTHORIZATION="Bearer nonsense"), 401, "token_invalid")
