"""Accounts and subscriptions: sign-up, plan changes, sign-in throttling."""
from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

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
# Two limits. Per address (and per account from one address): LOGIN_MAX_FAILURES
# and LOGIN_MAX_FAILURES_PER_IP failures in LOGIN_FAILURE_WINDOW, then refused
# for the window. Per account from every address together: after
# LOGIN_ACCOUNT_FREE_FAILURES failures in LOGIN_ACCOUNT_WINDOW, each further
# attempt waits 1, 2, 4 ... up to LOGIN_ACCOUNT_MAX_DELAY seconds after the
# last failure, and only one attempt takes each turn: guessing from many
# addresses slows to one guess per LOGIN_ACCOUNT_MAX_DELAY. The real user is
# not locked out by it: a browser or app that signed in to the account
# before holds a trusted-device proof, and is not slowed by the account's
# delay (only by its own address's limit).


def _now() -> float:
    return time.time()


def _keys(username: str, ip: str) -> tuple[str, str]:
    return f"login-fail:{ip}:{username.lower()[:150]}", f"login-fail-ip:{ip}"


def _account_keys(username: str) -> tuple[str, str]:
    name = username.lower()[:150]
    return f"login-fail-account:{name}", f"login-fail-account-last:{name}"


def login_attempt_allowed(*, username: str, ip: str) -> bool:
    account_key, ip_key = _keys(username, ip)
    return (cache.get(account_key, 0) < settings.LOGIN_MAX_FAILURES
            and cache.get(ip_key, 0) < settings.LOGIN_MAX_FAILURES_PER_IP)


def login_account_wait(*, username: str, trusted: bool = False) -> int:
    """Seconds before an attempt at this account may be checked, whatever the
    address; 0 lets this attempt through (and takes its turn: a second
    attempt at the same moment waits)."""
    if trusted:
        return 0
    count_key, last_key = _account_keys(username)
    failures = cache.get(count_key, 0)
    over = failures - settings.LOGIN_ACCOUNT_FREE_FAILURES
    if over < 0:
        return 0
    delay = min(settings.LOGIN_ACCOUNT_MAX_DELAY, 2 ** min(over, 30))
    wait = cache.get(last_key, 0.0) + delay - _now()
    if wait > 0:
        return max(1, round(wait))
    turn = f"login-turn:{count_key}:{failures}"
    return 0 if cache.add(turn, 1, settings.LOGIN_ACCOUNT_WINDOW) else max(1, delay)


def login_failure_record(*, username: str, ip: str) -> None:
    count_key, last_key = _account_keys(username)
    windows = [(key, settings.LOGIN_FAILURE_WINDOW) for key in _keys(username, ip)]
    for key, window in [*windows, (count_key, settings.LOGIN_ACCOUNT_WINDOW)]:
        cache.add(key, 0, window)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, window)
    cache.set(last_key, _now(), settings.LOGIN_ACCOUNT_WINDOW)


def login_success_record(*, username: str, ip: str) -> None:
    cache.delete(_keys(username, ip)[0])


_TRUSTED_SALT = "streaming.trusted-device"


def trusted_device_proof(*, user) -> str:
    """A proof, kept by a browser (cookie) or an app, that it signed in to
    this account before. It stops working when the password changes."""
    check = salted_hmac(_TRUSTED_SALT, user.password).hexdigest()[:24]
    return signing.dumps({"u": user.pk, "c": check}, salt=_TRUSTED_SALT)


def trusted_device_check(*, proof: str, username: str) -> bool:
    if not proof or len(proof) > 500:
        return False
    try:
        data = signing.loads(proof, salt=_TRUSTED_SALT, max_age=settings.LOGIN_TRUSTED_DEVICE_SECONDS)
        user = get_user_model().objects.filter(pk=int(data["u"])).first()
        check = str(data["c"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return False
    return bool(user and user.get_username().lower() == username.lower()
                and constant_time_compare(check, salted_hmac(_TRUSTED_SALT, user.password).hexdigest()[:24]))


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


def login_account_wait_text(seconds: int) -> str:
    return (f"Too many failed sign-in attempts at this account. Wait {seconds} second{'s' if seconds != 1 else ''}, "
            "sign in from a device you used before, or reset your password.")
