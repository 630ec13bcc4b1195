"""Sign-up with a plan, sign-in (rate-limited), profiles, password reset."""
from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from streaming.core.errors import ApplicationError
from streaming.subscribers.models import Plan, Profile, Subscription
from streaming.subscribers.services import profile_create
from tests.fixtures.accounts import make_subscriber

pytestmark = pytest.mark.django_db


def test_sign_up_activates_the_chosen_plan_and_makes_a_profile(client):
    premium = Plan.objects.get(slug="premium")
    response = client.post(reverse("signup"), {"username": "asha", "email": "asha@example.com",
                                               "password": "monsoon-Kitchen-42", "plan": premium.pk})
    assert response.status_code == 302 and response["Location"] == reverse("profiles")
    subscription = Subscription.objects.get(user__username="asha")
    assert subscription.plan == premium and subscription.status == Subscription.Status.ACTIVE
    assert subscription.billing_reference.startswith("free-")
    assert Profile.objects.filter(user__username="asha").count() == 1


def test_sign_up_rejects_a_weak_password_and_a_taken_name(client):
    make_subscriber(username="taken")
    plan = Plan.objects.get(slug="basic")
    weak = client.post(reverse("signup"), {"username": "new", "email": "n@example.com",
                                           "password": "12345678", "plan": plan.pk})
    assert weak.status_code == 200 and b"too common" in weak.content
    taken = client.post(reverse("signup"), {"username": "taken", "email": "t2@example.com",
                                            "password": "monsoon-Kitchen-42", "plan": plan.pk})
    assert b"That user name is taken." in taken.content


def test_sign_in_is_rate_limited_after_repeated_failures(client, settings):
    settings.LOGIN_MAX_FAILURES = 3
    user, _ = make_subscriber(username="target")
    for _ in range(3):
        response = client.post(reverse("login"), {"username": "target", "password": "wrong"})
        assert b"Please enter a correct username and password" in response.content
    blocked = client.post(reverse("login"), {"username": "target", "password": "a-Strong-pass-123"})
    assert b"Too many failed sign-in attempts" in blocked.content
    assert "_auth_user_id" not in client.session


def test_sign_in_leads_to_profile_choice_then_back_to_the_page(client):
    user, profile = make_subscriber(username="returning")
    response = client.post(reverse("login") + "?next=/search/%3Fq%3Dx",
                           {"username": "returning", "password": "a-Strong-pass-123", "next": "/search/?q=x"})
    assert response.status_code == 302 and response["Location"].startswith("/profiles/?next=/search/")
    chosen = client.post("/profiles/", {"profile": profile.pk, "next": "/search/?q=x"})
    assert chosen["Location"] == "/search/?q=x"
    # Someone else's profile cannot be chosen.
    other_user, other_profile = make_subscriber()
    assert client.post("/profiles/", {"profile": other_profile.pk}).status_code == 404


def test_an_account_has_at_most_five_profiles():
    user, _ = make_subscriber()
    for n in range(4):
        profile_create(user=user, name=f"P{n}")
    with pytest.raises(ApplicationError, match="at most 5 profiles"):
        profile_create(user=user, name="Sixth")


def test_password_reset_sends_a_link_by_email(client):
    make_subscriber(username="forgetful")
    response = client.post(reverse("password_reset"), {"email": "forgetful@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and "/reset/" in mail.outbox[0].body


def test_the_sign_in_wait_named_to_a_throttled_person_is_the_configured_window(client, settings):
    settings.LOGIN_MAX_FAILURES = 1
    settings.LOGIN_FAILURE_WINDOW = 2 * 3600
    make_subscriber(username="slow")
    client.post(reverse("login"), {"username": "slow", "password": "wrong"})
    page = client.post(reverse("login"), {"username": "slow", "password": "wrong"}).content.decode()
    assert "Wait 2 hours, or reset your password." in page
