"""Per-account sign-in throttling: guessing one account's password from many
addresses slows to one guess per LOGIN_ACCOUNT_MAX_DELAY, while the real
user's own browser or app (which signed in before) is not slowed, and a new
device waits seconds, not the window."""
from __future__ import annotations

import pytest
from django.core.cache import cache
from django.urls import reverse
from rest_framework.test import APIClient

from streaming.core.errors import ApplicationError
from streaming.subscribers import services
from streaming.subscribers.services import api_sign_in, login_account_wait
from tests.factories import subscriber_make as make_subscriber

PASSWORD = "a-Strong-pass-123"
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock(monkeypatch, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # hundreds of checks
    cache.clear()
    now = [1_800_000_000.0]
    monkeypatch.setattr(services.accounts, "_now", lambda: now[0])
    yield now
    cache.clear()


def guess(username: str, ip: str, password: str = "wrong", proof: str = "") -> str:
    try:
        api_sign_in(username=username, password=password, ip=ip, trusted_device=proof)
    except ApplicationError as exc:
        return exc.code
    return "ok"


def test_ten_addresses_times_five_guesses_no_longer_go_unthrottled(settings, clock):
    user, _ = make_subscriber(username="target")
    answers = [guess("target", f"10.0.0.{a}") for a in range(10) for _ in range(5)]
    checked = answers.count("bad_credentials")
    assert checked == settings.LOGIN_ACCOUNT_FREE_FAILURES, "then the account's delay"
    assert answers.count("throttled") == 50 - checked
    # A patient attacker with a thousand addresses, for a day: one guess per turn.
    day = 0
    for step in range(24 * 60):  # one attempt a minute from a new address
        clock[0] += 60
        day += guess("target", f"10.1.{step // 250}.{step % 250}") == "bad_credentials"
    assert day <= 24 * 3600 / settings.LOGIN_ACCOUNT_MAX_DELAY + 10
    print(f"\nguesses checked: {checked} of the first 50 (10 addresses x 5), then {day} in a day")


def test_the_real_users_app_is_not_slowed_and_a_new_device_waits_seconds(settings, clock):
    make_subscriber(username="owner")
    app = APIClient().post("/api/v1/auth/sign-in/", {"username": "owner", "password": PASSWORD}, format="json")
    proof = app.json()["trusted_device"]
    for a in range(30):
        guess("owner", f"10.2.0.{a}")
    assert login_account_wait(username="owner") > 0
    assert guess("owner", "192.0.2.1", PASSWORD, proof) == "ok", "the app that signed in before"
    with pytest.raises(ApplicationError) as exc:
        api_sign_in(username="owner", password=PASSWORD, ip="192.0.2.2")
    assert exc.value.code == "throttled" and exc.value.extra["retry_after"] <= settings.LOGIN_ACCOUNT_MAX_DELAY
    clock[0] += exc.value.extra["retry_after"]
    assert guess("owner", "192.0.2.2", PASSWORD) == "ok", "a new device gets in after the wait"


def test_one_turn_lets_one_attempt_through(settings, clock):
    make_subscriber(username="raced")
    for a in range(settings.LOGIN_ACCOUNT_FREE_FAILURES + 1):
        guess("raced", f"10.3.0.{a}")
    clock[0] += settings.LOGIN_ACCOUNT_MAX_DELAY
    assert login_account_wait(username="raced") == 0
    assert login_account_wait(username="raced") > 0, "a second attempt in the same turn waits"


def test_a_browser_that_signed_in_before_is_trusted_until_the_password_changes(client, settings):
    user, _ = make_subscriber(username="browser")
    signed_in = client.post(reverse("login"), {"username": "browser", "password": PASSWORD})
    proof = client.cookies["trusted_device"].value
    assert signed_in.status_code == 302 and proof
    client.logout()  # (the test client forgets every cookie here; a browser keeps this one)
    client.cookies["trusted_device"] = proof
    for a in range(30):
        guess("browser", f"10.4.0.{a}")
    again = client.post(reverse("login"), {"username": "browser", "password": PASSWORD})
    assert again.status_code == 302, "the browser the user signed in on before"
    stranger = client.__class__()
    refused = stranger.post(reverse("login"), {"username": "browser", "password": PASSWORD})
    assert b"at this account. Wait" in refused.content
    user.set_password("another-Strong-pass-456")
    user.save()
    assert not services.trusted_device_check(proof=proof, username="browser")
    assert not services.trusted_device_check(proof=proof, username="someone-else")
    assert not services.trusted_device_check(proof="forged" + proof, username="browser")
