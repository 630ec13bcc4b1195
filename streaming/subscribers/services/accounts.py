"""Accounts and subscriptions: sign-up, plan changes, sign-in throttling."""
from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from streaming.core.errors import ApplicationError

from ..billing import billing_provider
from ..models import Plan, Profile, Subscription


@transaction.atomic
def account_create(*, username: str, email: str, password: str, plan: Plan,
                   profile_name: str | None = None):
    """A new account with its subscription (through the billing seam) and a
    first profile named after the user."""
    User = get_user_model()
    username = username.strip()
    if not username:
        raise ApplicationError("Choose a user name.", code="required", extra={"field": "username"})
    if User.objects.filter(username__iexact=username).exists():
        raise ApplicationError("That user name is taken.", code="taken", extra={"field": "username"})
    if email and User.objects.filter(email__iexact=email).exists():
        raise ApplicationError("An account with that email exists; sign in or reset the password.",
                               code="taken", extra={"field": "email"})
    if not plan.active:
        raise ApplicationError("That plan is no longer offered.", code="plan_inactive", extra={"field": "plan"})
    user = User(username=username, email=email.strip())
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ApplicationError(" ".join(exc.messages), code="weak_password", extra={"field": "password"}) from exc
    user.set_password(password)
    user.save()
    subscription_start(user=user, plan=plan)
    Profile.objects.create(user=user, name=(profile_name or username)[:40])
    return user


def subscription_start(*, user, plan: Plan) -> Subscription:
    subscription, _ = Subscription.objects.update_or_create(
        user=user, defaults={"plan": plan, "status": Subscription.Status.PENDING}
    )
    result = billing_provider().subscription_begin(subscription=subscription)
    subscription.billing_reference = result.reference
    if result.active:
        subscription.status = Subscription.Status.ACTIVE
        subscription.started_at = timezone.now()
    subscription.save()
    return subscription


def subscription_activate(*, subscription: Subscription, reference: str = "") -> Subscription:
    """Called by a billing provider's webhook once payment clears."""
    subscription.status = Subscription.Status.ACTIVE
    subscription.started_at = subscription.started_at or timezone.now()
    if reference:
        subscription.billing_reference = reference
    subscription.save()
    return subscription


def subscription_change_plan(*, user, plan: Plan) -> Subscription:
    subscription = Subscription.objects.filter(user=user).first()
    if subscription is None:
        return subscription_start(user=user, plan=plan)
    result = billing_provider().subscription_change(subscription=subscription, plan=plan)
    subscription.plan = plan
    if result.active and subscription.status != Subscription.Status.ACTIVE:
        subscription.status = Subscription.Status.ACTIVE
        subscription.started_at = timezone.now()
    subscription.save()
    return subscription


def subscription_cancel(*, user) -> None:
    Subscription.objects.filter(user=user).update(status=Subscription.Status.CANCELLED, ends_at=timezone.now())


def subscription_update(*, subscription: Subscription, plan: Plan, status: str) -> Subscription:
    """Staff changing a subscription by hand (the admin): a plan change goes
    through the billing seam; a status change activates or cancels."""
    if plan.pk != subscription.plan_id:
        subscription = subscription_change_plan(user=subscription.user, plan=plan)
    if status == Subscription.Status.ACTIVE and subscription.status != status:
        subscription = subscription_activate(subscription=subscription)
    elif status == Subscription.Status.CANCELLED and subscription.status != status:
        subscription_cancel(user=subscription.user)
        subscription.refresh_from_db()
    elif status == Subscription.Status.PENDING and subscription.status != status:
        Subscription.objects.filter(pk=subscription.pk).update(status=status)
        subscription.refresh_from_db()
    return subscription


def plan_delete(*, plan: Plan) -> None:
    """Remove a plan no subscription uses (the database protects the others)."""
    plan.delete()


def plan_save(*, plan: Plan) -> Plan:
    """Create or change a plan (its cap, screens, price, whether it is offered)."""
    plan.full_clean()
    plan.save()
    return plan


# --- sign-in throttling -----------------------------------------------------------------


def _keys(username: str, ip: str) -> tuple[str, str]:
    return f"login-fail:{ip}:{username.lower()[:150]}", f"login-fail-ip:{ip}"


def login_attempt_allowed(*, username: str, ip: str) -> bool:
    account_key, ip_key = _keys(username, ip)
    return (cache.get(account_key, 0) < settings.LOGIN_MAX_FAILURES
            and cache.get(ip_key, 0) < settings.LOGIN_MAX_FAILURES_PER_IP)


def login_failure_record(*, username: str, ip: str) -> None:
    for key in _keys(username, ip):
        cache.add(key, 0, settings.LOGIN_FAILURE_WINDOW)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, settings.LOGIN_FAILURE_WINDOW)


def login_success_record(*, username: str, ip: str) -> None:
    cache.delete(_keys(username, ip)[0])


def login_wait_text() -> str:
    """How long a throttled sign-in waits, in words (LOGIN_FAILURE_WINDOW)."""
    seconds = settings.LOGIN_FAILURE_WINDOW
    if seconds >= 3600 and seconds % 3600 == 0:
        n, unit = seconds // 3600, "hour"
    elif seconds >= 60:
        n, unit = round(seconds / 60), "minute"
    else:
        n, unit = seconds, "second"
    return f"{n} {unit}{'s' if n != 1 else ''}"
