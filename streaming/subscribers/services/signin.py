"""App sign-in and sign-out: the password check with the web sign-in's
failure counting, and what signing a device out ends (its playback, in the
app or in a browser)."""
from __future__ import annotations

from django.conf import settings
from django.contrib.auth import authenticate
from django.utils import timezone

from streaming.core.errors import ApplicationError
from streaming.core.models import ApiSession
from streaming.core.tokens import IssuedTokens, api_session_open, api_session_revoke

from ..models import PlaybackSession
from ..viewer import device_id
from .accounts import (
    login_account_wait,
    login_account_wait_text,
    login_attempt_allowed,
    login_failure_record,
    login_success_record,
    login_wait_text,
    trusted_device_check,
)


def api_sign_in(*, username: str, password: str, ip: str, device_name: str = "",
                trusted_device: str = "") -> IssuedTokens:
    """Check the password with the same failure counting as the web sign-in
    (``trusted_device``: the proof an earlier sign-in gave this app), then
    open a sign-in for this app install."""
    if not login_attempt_allowed(username=username, ip=ip):
        raise ApplicationError(f"Too many failed sign-in attempts. Wait {login_wait_text()}, "
                               "or reset your password.", code="throttled",
                               extra={"retry_after": settings.LOGIN_FAILURE_WINDOW})
    trusted = trusted_device_check(proof=trusted_device, username=username)
    wait = login_account_wait(username=username, trusted=trusted)
    if wait:
        raise ApplicationError(login_account_wait_text(wait), code="throttled", extra={"retry_after": wait})
    user = authenticate(username=username, password=password)
    if user is None or not user.is_active:
        login_failure_record(username=username, ip=ip)
        raise ApplicationError("Wrong user name or password.", code="bad_credentials")
    login_success_record(username=username, ip=ip)
    return api_session_open(user=user, device_name=device_name)


def api_sign_out(*, session: ApiSession) -> None:
    """Revoke both tokens, and end this device's playback."""
    api_session_revoke(session=session)
    playback_device_end(user_id=session.user_id, device=session.device)


def playback_device_end(*, user_id: int, device: str) -> int:
    """End the playback sessions of one device (it signed out, on the web or
    in the app): its screen is released and its tokens revoked at every
    edge (streaming.subscribers.access). Returns how many ended."""
    return PlaybackSession.objects.filter(user=user_id, device=device, ended_at__isnull=True).update(
        ended_at=timezone.now())


def web_sign_out_received(sender, request, user, **kwargs) -> None:
    """``user_logged_out``: a browser signing out (the page, or the admin's)
    ends its playback, as an app's sign-out does. Django sends it before the
    browser's session is flushed, so its device id is still known."""
    if user is None or request is None or not getattr(request, "session", None):
        return
    if request.session.session_key:
        playback_device_end(user_id=user.pk, device=device_id(request))
