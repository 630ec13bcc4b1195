"""Who has media access, read from the playback sessions themselves: the
screens rule, and the revocation list the edges are handed (edge.revocation).

A session loses its media access when it ends (stopped, its device signed
out, or the device started something else) or when its heartbeats stop for
PLAYBACK_SESSION_TTL, which is also when it loses its screen. That moment
is its revocation: edges learn it with their next heartbeat, the origin
pathway at once. Its screen is released only once every healthy edge has
applied the revocation (its cursor is past it), so that on a 1-screen plan
a second device cannot start while the first one's token still plays
somewhere; an edge that lags is waited for EDGE_HEARTBEAT_TTL at most."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from edge.revocation import RevocationProvider, RevokedSession
from edge.selectors import revocations_applied_everywhere_at

from .models import PlaybackSession


def _ttl() -> timedelta:
    return timedelta(seconds=settings.PLAYBACK_SESSION_TTL)


def playback_sessions_revoked_since(*, since: datetime | None, now: datetime) -> list[RevokedSession]:
    """Sessions that lost their media access in (since, now] and may still
    hold a valid token (they end after ``now``); since None: all of those."""
    ttl = _ttl()
    if since is None:  # nothing revoked before this holds an unexpired token
        since = now - timedelta(seconds=settings.PLAYBACK_SESSION_LIFETIME) - ttl
    ended = Q(ended_at__gt=since, ended_at__lte=now)
    stale = Q(ended_at__isnull=True, last_heartbeat_at__gt=since - ttl, last_heartbeat_at__lte=now - ttl)
    rows = (PlaybackSession.objects.filter(ended | stale, expires_at__gt=now)
            .values_list("pk", "ended_at", "last_heartbeat_at", "expires_at"))
    return [
        RevokedSession(session_id=str(pk), revoked_at=min(ended_at or last + ttl, last + ttl), until=expires_at)
        for pk, ended_at, last, expires_at in rows
    ]


def playback_session_revoked(*, session_id: str, now: datetime) -> bool:
    """Whether the tokens of ``session_id`` must be refused: it ended, or
    lost its screen. Ids that are no session id of ours (the push fill's,
    tests') are not sessions and never revoked; a session id whose row is
    gone (its account deleted) is."""
    try:
        pk = uuid.UUID(session_id)
    except ValueError:
        return False
    row = PlaybackSession.objects.filter(pk=pk).values("ended_at", "last_heartbeat_at").first()
    if row is None:
        return True
    return row["ended_at"] is not None or row["last_heartbeat_at"] <= now - _ttl()


revocation_provider = RevocationProvider(revoked_since=playback_sessions_revoked_since,
                                         is_revoked=playback_session_revoked)


@dataclass(frozen=True)
class Screens:
    in_use: int  # devices playing (fresh heartbeats) or whose token may still play somewhere
    releasing: int  # of these, devices that stopped but whose revocation some edge has yet to apply


def screens_held(*, user: Any, exclude_device: str = "", now: datetime | None = None) -> Screens:
    """The devices of ``user`` holding a screen at ``now``, but ``exclude_device``."""
    now = now or timezone.now()
    ttl = _ttl()
    fresh = now - ttl
    live = Q(ended_at__isnull=True, last_heartbeat_at__gte=fresh)
    sessions = PlaybackSession.objects.filter(user=user).exclude(device=exclude_device)
    applied = revocations_applied_everywhere_at(now=now)
    if applied is None:  # no edge keeps a list: the origin pathway refuses at once
        in_use = sessions.filter(live).values("device").distinct().count()
        return Screens(in_use=in_use, releasing=0)
    horizon = max(applied, now - timedelta(seconds=settings.EDGE_HEARTBEAT_TTL))
    # Revoked (at the earlier of ended_at and last heartbeat + TTL) after the horizon.
    releasing = Q(last_heartbeat_at__gt=horizon - ttl) & (
        Q(ended_at__gt=horizon) | Q(ended_at__isnull=True, last_heartbeat_at__lt=fresh))
    in_use = sessions.filter(live | releasing).values("device").distinct().count()
    playing = sessions.filter(live).values("device").distinct().count()
    return Screens(in_use=in_use, releasing=in_use - playing)
