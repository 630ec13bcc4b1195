"""The subscriber side's admin writes through services; a rule a service
refuses reaches staff as a message, never as a server error."""
from __future__ import annotations

from django.contrib.messages import get_messages
from django.urls import reverse

from streaming.subscribers.models import Plan, Profile, Subscription, WatchProgress
from tests.factories import subscriber_make


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_a_sixth_profile_added_in_the_admin_is_refused_with_the_rule(admin_client, db):
    user, _ = subscriber_make()
    for n in range(Profile.MAX_PER_ACCOUNT - 1):
        Profile.objects.create(user=user, name=f"P{n}")
    response = admin_client.post(reverse("admin:streaming_profile_add"), {"user": user.pk, "name": "Sixth"})
    assert response.status_code == 302
    assert "An account has at most 5 profiles." in messages_of(response)
    assert Profile.objects.filter(user=user).count() == Profile.MAX_PER_ACCOUNT


def test_the_last_profile_cannot_be_deleted_in_the_admin(admin_client, db):
    user, profile = subscriber_make()
    response = admin_client.post(reverse("admin:streaming_profile_delete", args=[profile.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert "An account keeps at least one profile." in messages_of(response)
    assert Profile.objects.filter(pk=profile.pk).exists()


def test_cancelling_a_subscription_in_the_admin_ends_it(admin_client, db):
    user, _ = subscriber_make(plan="standard")
    subscription = Subscription.objects.get(user=user)
    response = admin_client.post(reverse("admin:streaming_subscription_change", args=[subscription.pk]), {
        "plan": Plan.objects.get(slug="premium").pk, "status": "cancelled",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    subscription.refresh_from_db()
    assert (subscription.plan.slug, subscription.status) == ("premium", "cancelled")
    assert subscription.ends_at is not None, "subscription_cancel sets the end"


def test_watch_progress_is_read_only_in_the_admin(admin_client, db):
    assert admin_client.get(reverse("admin:streaming_watchprogress_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:streaming_watchprogress_add")).status_code == 403
    assert WatchProgress.objects.count() == 0
