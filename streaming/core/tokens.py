"""Token sign-ins for apps: short-lived access tokens, long-lived refresh
tokens, both random and stored hashed (see ``models.ApiSession``). Checking
a password and what signing out ends belong to the subscriber side; this
module only issues, rotates, revokes and looks up tokens."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .errors import ApplicationError
from .models import ApiSession

ACCESS_PREFIX, REFRESH_PREFIX = "sa_", "sr_"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedTokens:
    session: ApiSession
    access_token: str
    refresh_token: str


def _new_pair(session: ApiSession, now: datetime) -> tuple[str, str]:
    access = ACCESS_PREFIX + secrets.token_urlsafe(32)
    refresh = REFRESH_PREFIX + secrets.token_urlsafe(48)
    session.access_hash = token_hash(access)
    session.access_expires_at = now + timedelta(seconds=settings.API_ACCESS_TOKEN_TTL)
    session.refresh_hash = token_hash(refresh)
    session.refresh_expires_at = now + timedelta(seconds=settings.API_REFRESH_TOKEN_TTL)
    return access, refresh


def api_session_open(*, user, device_name: str = "") -> IssuedTokens:
    """A new sign-in for one app install of an already authenticated user."""
    session = ApiSession(user=user, device_name=device_name[:80])
    access, refresh = _new_pair(session, timezone.now())
    session.save()
    return IssuedTokens(session=session, access_token=access, refresh_token=refresh)


def api_token_refresh(*, refresh_token: str) -> IssuedTokens:
    """Trade a refresh token for a new pair (both rotate). A refresh token
    used twice was copied: the whole sign-in is revoked."""
    digest = token_hash(refresh_token or "")
    now = timezone.now()
    if not ApiSession.objects.filter(refresh_hash=digest).exists():
        # Not current: if it is the one just rotated away, someone copied it. Revoke (committed
        # before the error is raised, not rolled back with it).
        if ApiSession.objects.filter(previous_refresh_hash=digest, revoked_at__isnull=True).update(revoked_at=now):
            raise ApplicationError("This refresh token was already used; sign in again.", code="token_invalid")
        raise ApplicationError("Unknown refresh token; sign in again.", code="token_invalid")
    with transaction.atomic():
        session = ApiSession.objects.select_for_update().filter(refresh_hash=digest).first()
        if session is None:  # rotated by a concurrent refresh
            raise ApplicationError("This refresh token was already used; sign in again.", code="token_invalid")
        if session.revoked_at is not None or not session.user.is_active:
            raise ApplicationError("You signed out on this device; sign in again.", code="token_invalid")
        if session.refresh_expires_at <= now:
            raise ApplicationError("Your sign-in has expired; sign in again.", code="token_expired")
        session.previous_refresh_hash = session.refresh_hash
        access, refresh = _new_pair(session, now)
        session.last_used_at = now
        session.save()
    return IssuedTokens(session=session, access_token=access, refresh_token=refresh)


def api_session_revoke(*, session: ApiSession) -> None:
    """Both tokens of this sign-in stop working."""
    ApiSession.objects.filter(pk=session.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


def api_session_for_access_token(*, token: str) -> ApiSession:
    """The sign-in an access token belongs to, or ApplicationError."""
    session = ApiSession.objects.select_related("user").filter(access_hash=token_hash(token)).first()
    if session is None or session.revoked_at is not None or not session.user.is_active:
        raise ApplicationError("This access token is not valid; sign in again.", code="token_invalid")
    now = timezone.now()
    if session.access_expires_at <= now:
        raise ApplicationError("The access token has expired; refresh it with your refresh token.",
                               code="token_expired")
    if session.last_used_at is None or now - session.last_used_at > timedelta(minutes=1):
        ApiSession.objects.filter(pk=session.pk).update(last_used_at=now)  # at most once a minute
    return session
