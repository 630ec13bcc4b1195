"""Sign-up, sign-in, refresh, sign-out, the subscription; sign-in failures
and throttling."""
from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from streaming.core.models import ApiSession
from streaming.core.tokens import token_hash
from tests.factories import subscriber_make
from tests.fixtures.api import PASSWORD, assert_error


def test_plans_are_public(anon, db):
    response = anon.get("/api/v1/plans/")
    assert response.status_code == 200
    assert {p["slug"] for p in response.json()} >= {"basic", "standard", "premium"}


def test_sign_up_answers_tokens_and_refuses_a_taken_name_with_fields(anon, db):
    body = {"username": "asha", "email": "asha@example.com", "password": "a-Strong-pass-123", "plan": "basic"}
    response = anon.post("/api/v1/auth/sign-up/", body, format="json")
    assert response.status_code == 201, response.content
    tokens = response.json()
    assert tokens["access_token"].startswith("sa_") and tokens["refresh_token"].startswith("sr_")
    me = anon.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}").json()
    assert me["subscription"]["plan"]["slug"] == "basic" and me["subscription"]["status"] == "active"
    again = anon.post("/api/v1/auth/sign-up/", {**body, "email": "other@example.com"}, format="json")
    assert assert_error(again, 409, "taken")["fields"] == {"username": ["That user name is taken."]}
    bad = assert_error(anon.post("/api/v1/auth/sign-up/", {"username": "x"}, format="json"), 400, "invalid")
    assert {"email", "password", "plan"} <= set(bad["fields"])


def test_tokens_are_stored_hashed_and_refresh_rotates_once(anon, db):
    user, _ = subscriber_make()
    response = anon.post("/api/v1/auth/sign-in/", {"username": user.username, "password": PASSWORD,
                                                   "device_name": "Pixel"}, format="json")
    assert response.status_code == 200
    first = response.json()
    session = ApiSession.objects.get(user=user)
    assert session.access_hash == token_hash(first["access_token"])
    assert first["access_token"] not in str(ApiSession.objects.values())
    refreshed = anon.post("/api/v1/auth/refresh/", {"refresh_token": first["refresh_token"]}, format="json")
    assert refreshed.status_code == 200
    second = refreshed.json()
    assert second["access_token"] != first["access_token"]
    # The old access token no longer works; the new one does.
    assert_error(anon.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {first['access_token']}"), 401,
                 "token_invalid")
    assert anon.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {second['access_token']}").status_code == 200
    # Replaying the first refresh token: it was copied, so the whole sign-in is revoked.
    assert_error(anon.post("/api/v1/auth/refresh/", {"refresh_token": first["refresh_token"]}, format="json"),
                 401, "token_invalid")
    assert_error(anon.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {second['access_token']}"), 401)


def test_an_expired_access_token_says_so_and_refresh_recovers(member):
    client, user, _ = member
    ApiSession.objects.filter(user=user).update(access_expires_at=timezone.now() - timedelta(seconds=1))
    body = assert_error(client.get("/api/v1/me/"), 401, "token_expired")
    assert "refresh" in body["message"]
    assert client.get("/api/v1/me/")["WWW-Authenticate"].startswith("Bearer")
    refreshed = client.post("/api/v1/auth/refresh/", {"refresh_token": client.issued.refresh_token}, format="json")
    assert refreshed.status_code == 200
    ApiSession.objects.filter(user=user).update(refresh_expires_at=timezone.now() - timedelta(seconds=1))
    assert_error(client.post("/api/v1/auth/refresh/", {"refresh_token": refreshed.json()["refresh_token"]},
                             format="json"), 401, "token_expired")


def test_sign_out_revokes_both_tokens(member):
    client, _, _ = member
    assert client.post("/api/v1/auth/sign-out/").status_code == 204
    assert_error(client.get("/api/v1/me/"), 401, "token_invalid")
    assert_error(client.post("/api/v1/auth/refresh/", {"refresh_token": client.issued.refresh_token},
                             format="json"), 401, "token_invalid")


def test_sign_in_failures_reuse_the_web_counters_then_429(anon, db, settings):
    settings.LOGIN_MAX_FAILURES = 3
    user, _ = subscriber_make()
    for _ in range(3):
        assert_error(anon.post("/api/v1/auth/sign-in/", {"username": user.username, "password": "wrong"},
                               format="json"), 401, "bad_credentials")
    body = assert_error(anon.post("/api/v1/auth/sign-in/", {"username": user.username, "password": PASSWORD},
                                  format="json"), 429, "throttled")
    assert "Too many failed sign-in attempts" in body["message"]


def test_sign_in_endpoint_is_rate_limited_per_address(anon, db, monkeypatch):
    from rest_framework.throttling import ScopedRateThrottle

    # The rates are read once, into the class: patch (and restore) that dict itself.
    monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "sign_in", "2/minute")
    for _ in range(2):
        anon.post("/api/v1/auth/sign-in/", {"username": "x", "password": "y"}, format="json")
    response = anon.post("/api/v1/auth/sign-in/", {"username": "x", "password": "y"}, format="json")
    body = assert_error(response, 429, "throttled")
    assert int(response["Retry-After"]) > 0 and body["extra"]["retry_after"] > 0


def test_subscription_change_plan(member):
    client, _, _ = member
    assert client.get("/api/v1/me/subscription/").json()["plan"]["slug"] == "standard"
    response = client.put("/api/v1/me/subscription/", {"plan": "premium"}, format="json")
    assert response.status_code == 200 and response.json()["plan"]["screens"] == 4
    assert_error(client.put("/api/v1/me/subscription/", {"plan": "gold"}, format="json"), 400, "invalid")
