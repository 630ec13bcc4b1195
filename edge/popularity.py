"""What is popular in each zone, for push fill, without the edge app knowing
who watches.

Playback sessions belong to the subscriber side, which sits above the edge
app in the app ladder: the edge app may not import it. So the dependency is
inverted: the edge app declares the shape it needs (a provider: plays per
video per viewer zone since a moment), and the subscriber side registers
its selector here from its AppConfig.ready. Nothing is copied into an edge
table (no write on the playback hot path, nothing to keep in sync); without
a provider (an edge-only installation), popularity is empty and no title
is pushed."""
from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from django.conf import settings
from django.utils import timezone

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TitlePlays:
    video_public_id: uuid.UUID
    plays: int


class PopularityProvider(Protocol):
    def __call__(self, *, since: datetime) -> Mapping[str, Sequence[TitlePlays]]:
        """Plays since ``since`` per viewer zone code, most played first."""
        ...


_providers: list[PopularityProvider] = []


def popularity_provider_register(provider: PopularityProvider) -> None:
    """Called once by the app that owns playback (the subscriber side)."""
    if provider not in _providers:
        _providers.append(provider)


def popularity_by_zone(*, days: int | None = None, now: datetime | None = None) -> dict[str, list[TitlePlays]]:
    """Plays per video per viewer zone over the last ``days``
    (EDGE_FILL_POPULARITY_DAYS), most played first, summed over providers."""
    days = settings.EDGE_FILL_POPULARITY_DAYS if days is None else days
    since = (now or timezone.now()) - timedelta(days=days)
    if not _providers:
        logger.warning("No popularity provider is registered: push fill has nothing to plan.")
    totals: dict[str, dict[uuid.UUID, int]] = {}
    for provider in _providers:
        for zone, rows in provider(since=since).items():
            zone_totals = totals.setdefault(zone, {})
            for row in rows:
                zone_totals[row.video_public_id] = zone_totals.get(row.video_public_id, 0) + row.plays
    return {
        zone: [TitlePlays(video, plays) for video, plays in sorted(counts.items(), key=lambda i: (-i[1], str(i[0])))]
        for zone, counts in totals.items()
    }
