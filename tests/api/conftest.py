"""API clients: anonymous, a subscriber with a bearer token, another
subscriber, staff."""
from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from streaming.subscribers.services import api_sign_in
from tests.fixtures.accounts import make_subscriber

PASSWORD = "a-Strong-pass-123"  # make_subscriber's


@pytest.fixture(autouse=True)
def fresh_counters():
    """Throttles and sign-in failure counters live in the cache."""
    cache.clear()
    yield
    cache.clear()


def bearer(user, *, device_name: str = "test") -> APIClient:
    client = APIClient()
    issued = api_sign_in(username=user.get_username(), password=PASSWORD, ip="127.0.0.9", device_name=device_name)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.access_token}")
    client.issued = issued
    return client


@pytest.fixture
def anon():
    return APIClient()


@pytest.fixture
def member(db):
    """(client, user, profile) of a Standard subscriber signed in with a token."""
    user, profile = make_subscriber()
    return bearer(user), user, profile


@pytest.fixture
def other(db):
    user, profile = make_subscriber()
    return bearer(user), user, profile


@pytest.fixture
def staff(db):
    user, profile = make_subscriber(plan="premium")
    user.is_staff = True
    user.save()
    return bearer(user), user, profile


def assert_error(response, status: int, code: str | None = None):
    """The one error format."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    body = response.json()
    assert set(body) == {"code", "message", "fields", "extra"}, body
    assert isinstance(body["message"], str) and body["message"]
    assert isinstance(body["fields"], dict) and isinstance(body["extra"], dict)
    if code:
        assert body["code"] == code, body
    return body
