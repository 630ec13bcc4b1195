"""Writes of seasons and episodes."""
from __future__ import annotations

from django.db import IntegrityError, transaction

from streaming.core.errors import ApplicationError

from ..models import Episode, Season, Title


def season_save(*, title: Title, number: int, name: str = "", season: Season | None = None) -> Season:
    """Create a season of ``title``, or change ``season``."""
    season = season or Season(title=title)
    season.title, season.number, season.name = title, number, name
    try:
        with transaction.atomic():
            season.save()
    except IntegrityError as exc:
        raise ApplicationError(f"{title} already has a season {number}.", code="taken",
                               extra={"field": "number"}) from exc
    return season


def season_delete(*, season: Season) -> None:
    season.delete()


def episode_save(*, season: Season, number: int, name: str, synopsis: str = "",
                 episode: Episode | None = None) -> Episode:
    """Create an episode of ``season``, or change ``episode``."""
    if not name.strip():
        raise ApplicationError("An episode needs a name.", code="required", extra={"field": "name"})
    episode = episode or Episode(season=season)
    episode.season, episode.number, episode.name, episode.synopsis = season, number, name.strip(), synopsis
    try:
        with transaction.atomic():
            episode.save()
    except IntegrityError as exc:
        raise ApplicationError(f"{season} already has an episode {number}.", code="taken",
                               extra={"field": "number"}) from exc
    return episode


def episode_delete(*, episode: Episode) -> None:
    episode.delete()
