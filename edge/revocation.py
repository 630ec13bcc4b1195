"""Revoked playback sessions: how a token stops working at every edge
before it expires, without an edge ever asking origin about a request.

A playback token names its session. When a session loses its media access
(stopped, its device signed out or started something else, or its
heartbeats stopped for PLAYBACK_SESSION_TTL so that it lost its screen),
its id goes on a revocation list that every heartbeat answer hands the
edges (edge.selectors.nodes heartbeat_answer, section ``revoked``): runedge
keeps it in memory (edge.server.revoked), the nginx agent writes one empty
file per session that njs tests (edge.agent_revoke). So a revocation
reaches an edge with its next heartbeat (EDGE_HEARTBEAT_INTERVAL), and the
origin pathway, which has the database, refuses at once.

The list stays short because tokens already expire: an entry is kept only
until every token of its session has expired (``until``, the session's
end), and an edge asks only for what is new since its last answer (a
cursor on the control plane's clock, sent back in each heartbeat).

Sessions belong to the subscriber side, above the edge app in the app
ladder, so the edge app declares what it needs (a provider, below) and the
subscriber side registers its selectors from its AppConfig.ready, as it
does for popularity (edge.popularity). Nothing is copied into an edge
table: the sessions' own columns (ended_at, last_heartbeat_at) are the
list. Without a provider (an edge-only installation) nothing is revoked."""
from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from django.conf import settings
from django.utils import timezone

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RevokedSession:
    session_id: str
    revoked_at: datetime  # when it lost its media access (control plane clock)
    until: datetime  # every token of the session has expired by then


class RevokedSince(Protocol):
    def __call__(self, *, since: datetime | None, now: datetime) -> Iterable[RevokedSession]:
        """Sessions revoked in (since, now] whose tokens may still be valid at
        ``now``; ``since`` None: every one whose tokens may still be valid."""
        ...


class IsRevoked(Protocol):
    def __call__(self, *, session_id: str, now: datetime) -> bool:
        """Whether tokens naming ``session_id`` must be refused now."""
        ...


@dataclass(frozen=True)
class RevocationProvider:
    revoked_since: RevokedSince
    is_revoked: IsRevoked


_providers: list[RevocationProvider] = []


def revocation_provider_register(provider: RevocationProvider) -> None:
    """Called once by the app that owns playback sessions (the subscriber side)."""
    if provider not in _providers:
        _providers.append(provider)


def sessions_revoked_since(*, since: datetime | None, now: datetime) -> list[RevokedSession]:
    if not _providers:
        logger.warning("No revocation provider is registered: edges are told of no revoked session.")
    return [row for provider in _providers for row in provider.revoked_since(since=since, now=now)]


def session_is_revoked(*, session_id: str, now: datetime | None = None) -> bool:
    """For the origin pathway and steering, which can ask the database."""
    now = now or timezone.now()
    return any(provider.is_revoked(session_id=session_id, now=now) for provider in _providers)


def revocation_overlap() -> timedelta:
    """How far back each answer re-sends, and how long after a revocation an
    edge's cursor must reach before the edge counts as having it: a session
    ended in a transaction that commits after an answer was read would
    otherwise fall between two answers (clock skew between web machines
    included)."""
    return timedelta(seconds=settings.EDGE_REVOCATION_OVERLAP)


def revoked_section(*, since: datetime | None, now: datetime) -> dict[str, Any]:
    """The heartbeat answer's ``revoked`` section for an edge whose list is
    up to date until ``since`` (None: it has none, send all):

    - ``cursor``: the control plane's clock (Unix seconds) this answer is
      complete until; the edge sends it back in its next heartbeat;
    - ``full``: the list replaces the edge's (else it adds to it);
    - ``sessions``: ``[session id, until (Unix seconds)]`` pairs; an edge
      drops an entry at its ``until`` (its tokens have expired by then)."""
    query_since = None if since is None else since - revocation_overlap()
    rows = sessions_revoked_since(since=query_since, now=now)
    return {
        "cursor": round(now.timestamp(), 3),
        "full": since is None,
        "sessions": [[row.session_id, int(row.until.timestamp()) + 1] for row in rows],
    }


def cursor_from_report(value: float | None, *, now: datetime) -> datetime | None:
    """An edge's reported cursor as a moment, never later than ``now``."""
    if value is None:
        return None
    return min(datetime.fromtimestamp(value, tz=UTC), now)
