"""Fuzzing the player's page endpoints (start, heartbeat, stop) and the API
with hypothesis: any JSON (NaN, Infinity, huge numbers, deep nesting, wrong
types, lone surrogates), broken bodies and odd content types. Never a 500;
every error answer is JSON in the one error format.

Deterministic (derandomize) so CI is stable; set FUZZ_EXAMPLES to search
longer on a developer's machine."""
from __future__ import annotations

import json
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import subscriber_make as make_subscriber
from tests.fixtures.api import bearer
from tests.fixtures.playback import make_ready_video, ready_session_start

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "120"))
FUZZ = settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large])

numbers = st.one_of(
    st.integers(), st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([0, -0.0, 1e308, -1e308, 2**31, 2**63, 2**64]),
)
scalars = st.one_of(st.none(), st.booleans(), numbers, st.text(max_size=40),
                    st.sampled_from(["nan", "inf", "-1", "1e400", "\x00", "\ud800", "playing", "ended"]))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(st.text(max_size=12), inner, max_size=4)),
                      max_leaves=12)
QOE_KEYS = ["startup_ms", "watch_ms", "stall_count", "stall_ms", "switch_count", "error_count", "last_error",
            "level_height", "edge"]
heartbeats = st.fixed_dictionaries({}, optional={
    "position": st.one_of(numbers, scalars), "duration": st.one_of(numbers, scalars),
    "state": st.one_of(st.sampled_from(["playing", "paused", "buffering", "ended"]), scalars),
    "qoe": st.one_of(values, st.dictionaries(st.sampled_from(QOE_KEYS), st.one_of(numbers, scalars), max_size=9)),
})


def deep(n: int, kind: str) -> str:
    return ("[" * n + "]" * n) if kind == "list" else ('{"a":' * n + "1" + "}" * n)


def raw_json(value) -> str:
    return json.dumps(value)  # writes NaN, Infinity, -Infinity and \ud800 escapes as Python allows


bodies = st.one_of(
    heartbeats.map(raw_json), values.map(raw_json),
    st.builds(deep, st.integers(min_value=1, max_value=6000), st.sampled_from(["list", "dict"])),
    st.binary(max_size=64).map(lambda b: b.decode("latin-1")),
    st.sampled_from(["", "{", '{"position": 1e400}', '{"position": 1' + "0" * 5000 + "}", "null", "[]"]),
)
content_types = st.sampled_from(["application/json", "application/json; charset=utf-16", "text/plain",
                                 "application/x-www-form-urlencoded", "application/octet-stream"])


def assert_no_500_and_the_format(response, where: str) -> None:
    status = response.status_code
    assert status < 500, (where, status, response.content[:300])
    if status >= 400:
        assert response["Content-Type"].startswith("application/json"), (where, status, response.content[:200])
        body = response.json()
        assert set(body) == {"code", "message", "fields", "extra"} and body["message"], (where, body)


@pytest.fixture
def page(db, client):
    client.raise_request_exception = False
    return ready_session_start(client)


@pytest.fixture
def app(db, fresh_counters):
    """A subscriber's app, signed in, with no throttle counted yet (earlier
    tests here sign in and up hundreds of times)."""
    user, profile = make_subscriber()
    client = bearer(user)
    client.raise_request_exception = False
    return client, user, profile


@FUZZ
@given(body=bodies, content_type=content_types, endpoint=st.sampled_from(["heartbeat", "stop", "start"]))
def test_the_players_page_endpoints_never_fail(page, body, content_type, endpoint):
    client, session = page
    url = {"heartbeat": f"/play/{session.pk}/heartbeat", "stop": f"/play/{session.pk}/stop",
           "start": f"/play/start/{session.video.public_id}"}[endpoint]
    assert_no_500_and_the_format(client.post(url, body, content_type=content_type), url)


@FUZZ
@given(form=st.dictionaries(st.sampled_from(["position", "csrfmiddlewaretoken", "x"]),
                            st.one_of(numbers.map(str), st.text(max_size=30)), max_size=3))
def test_the_stop_beacons_form_never_fails(page, form):
    client, session = page
    assert_no_500_and_the_format(client.post(f"/play/{session.pk}/stop", form), "stop form")


@FUZZ
@given(body=bodies, content_type=content_types,
       endpoint=st.sampled_from(["heartbeat", "stop", "start", "sign-in", "sign-up", "refresh", "profiles",
                                 "subscription", "my-list"]))
def test_the_api_never_fails(app, page, body, content_type, endpoint):
    client, user, profile = app
    _page_client, session = page
    session_id = session.pk  # another account's session: a 404 in the format
    method, url = {
        "heartbeat": ("post", f"/api/v1/playback/{session_id}/heartbeat/"),
        "stop": ("post", f"/api/v1/playback/{session_id}/stop/"),
        "start": ("post", "/api/v1/playback/"),
        "sign-in": ("post", "/api/v1/auth/sign-in/"),
        "sign-up": ("post", "/api/v1/auth/sign-up/"),
        "refresh": ("post", "/api/v1/auth/refresh/"),
        "profiles": ("post", "/api/v1/profiles/"),
        "subscription": ("put", "/api/v1/me/subscription/"),
        "my-list": ("post", f"/api/v1/profiles/{profile.pk}/my-list/"),
    }[endpoint]
    response = getattr(client, method)(url, body, content_type=content_type)
    assert_no_500_and_the_format(response, url)


@pytest.fixture
def own_session_url(app):
    client, user, profile = app
    video = make_ready_video()
    started = client.post("/api/v1/playback/", {"profile": profile.pk, "video": str(video.public_id)},
                          format="json")
    assert started.status_code == 201, started.content
    return client, f"/api/v1/playback/{started.json()['id']}/heartbeat/"


@FUZZ
@given(body=heartbeats)
def test_the_api_heartbeat_of_ones_own_session_never_fails(own_session_url, body):
    client, url = own_session_url
    assert_no_500_and_the_format(client.post(url, raw_json(body), content_type="application/json"), url)
