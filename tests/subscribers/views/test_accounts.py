"""The account pages: the landing page, sign-up with a plan, sign-in
(rate-limited), choosing a profile, password reset."""
from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from streaming.subscribers.models import Plan, Profile, Subscription
from tests.factories import subscriber_make

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
    subscriber_make(username="taken")
    plan = Plan.objects.get(slug="basic")
    weak = client.post(reverse("signup"), {"username": "new", "email": "n@example.com",
                                           "password": "12345678", "plan": plan.pk})
    assert weak.status_code == 200 and b"too common" in weak.content
    taken = client.post(reverse("signup"), {"username": "taken", "email": "t2@example.com",
                                            "password": "monsoon-Kitchen-42", "plan": plan.pk})
    assert b"That user name is taken." in taken.content


def test_sign_in_is_rate_limited_after_repeated_failures(client, settings):
    settings.LOGIN_MAX_FAILURES = 3
    user, _ = subscriber_make(username="target")
    for _ in range(3):
        response = client.post(reverse("login"), {"username": "target", "password": "wrong"})
        assert b"Please enter a correct username and password" in response.content
    blocked = client.post(reverse("login"), {"username": "target", "password": "a-Strong-pass-123"})
    assert b"Too many failed sign-in attempts" in blocked.content
    assert "_auth_user_id" not in client.session


def test_sign_in_leads_to_profile_choice_then_back_to_the_page(client):
    user, profile = subscriber_make(username="returning")
    response = client.post(reverse("login") + "?next=/search/%3Fq%3Dx",
                           {"username": "returning", "password": "a-Strong-pass-123", "next": "/search/?q=x"})
    assert response.status_code == 302 and response["Location"].startswith("/profiles/?next=/search/")
    chosen = client.post("/profiles/", {"profile": profile.pk, "next": "/search/?q=x"})
    assert chosen["Location"] == "/search/?q=x"
    # Someone else's profile cannot be chosen.
    other_user, other_profile = subscriber_make()
    assert client.post("/profiles/", {"profile": other_profile.pk}).status_code == 404


def test_password_reset_sends_a_link_by_email(client):
    subscriber_make(username="forgetful")
    response = client.post(reverse("password_reset"), {"email": "forgetful@example.com"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1 and "/reset/" in mail.outbox[0].body


def test_the_sign_in_wait_named_to_a_throttled_person_is_the_configured_window(client, settings):
    settings.LOGIN_MAX_FAILURES = 1
    settings.LOGIN_FAILURE_WINDOW = 2 * 3600
    subscriber_make(username="slow")
    client.post(reverse("login"), {"username": "slow", "password": "wrong"})
    page = client.post(reverse("login"), {"username": "slow", "password": "wrong"}).content.decode()
    assert "Wait 2 hours, or reset your password." in page


def test_anonymous_visitors_get_the_landing_page_and_sign_in_for_the_catalog(client):
    response = client.get("/")
    assert response.status_code == 200 and b"Choose a plan" in response.content
    assert b"Premium" in response.content and b"17.99" in response.content
    response = client.get("/browse/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_signed_in_without_a_profile_is_asked_to_choose_one(client, subscriber):
    user, profile = subscriber
    client.force_login(user)
    response = client.get("/browse/")
    assert response.status_code == 302 and response["Location"].startswith("/profiles/")
