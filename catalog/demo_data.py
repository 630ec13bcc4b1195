"""A small demo catalog, so a newcomer's first page is not empty."""
from __future__ import annotations

from typing import NotRequired, TypedDict

from django.db import transaction

from . import services
from .models import Title

GENRES = ["Documentaries", "Drama", "Science & Nature", "Kids & Family", "Thrillers"]

class DemoTitle(TypedDict):
    name: str
    kind: str
    year: int
    rating: str
    genres: list[str]
    countries: str
    synopsis: str
    seasons: NotRequired[dict[int, list[str]]]


TITLES: list[DemoTitle] = [
    {
        "name": "Tides of the Malabar Coast", "kind": "film", "year": 2024, "rating": "all",
        "genres": ["Documentaries", "Science & Nature"], "countries": "",
        "synopsis": "A year with the fishing villages of Kerala, from the monsoon's first storm to the festival boats.",
    },
    {
        "name": "The Last Signal", "kind": "film", "year": 2023, "rating": "16",
        "genres": ["Thrillers", "Drama"], "countries": "",
        "synopsis": "A radio engineer at a remote relay station hears a broadcast that should not exist.",
    },
    {
        "name": "Orbit School", "kind": "series", "year": 2025, "rating": "7",
        "genres": ["Kids & Family", "Science & Nature"], "countries": "",
        "synopsis": "Five friends, one very old space station, and a teacher who is secretly a robot.",
        "seasons": {1: ["Launch Day", "Zero-G Lunch", "The Comet Club"]},
    },
    {
        "name": "Frankfurt Nights", "kind": "series", "year": 2022, "rating": "16",
        "genres": ["Drama", "Thrillers"], "countries": "DE, AT, CH",
        "synopsis": ("A banker, a cab driver and a detective cross paths on the same rainy night. "
                     "Available in DE, AT and CH."),
        "seasons": {1: ["Main Station", "The Tower", "Last Train"]},
    },
    {
        "name": "Monsoon Kitchen", "kind": "film", "year": 2021, "rating": "all",
        "genres": ["Documentaries"], "countries": "IN",
        "synopsis": "Grandmothers of Mumbai teach the dishes they only cook when it rains. Available in India.",
    },
    {
        "name": "Deep Blue Atlas", "kind": "film", "year": 2020, "rating": "7",
        "genres": ["Science & Nature", "Documentaries"], "countries": "",
        "synopsis": "Mapping the ocean floor with the crews who do it by sound.",
    },
]


@transaction.atomic
def demo_catalog_load() -> int:
    """Create the demo titles that are missing; returns how many were created."""
    genres = {name: services.genre_get_or_create(name=name) for name in GENRES}
    for i, name in enumerate(GENRES):
        genres[name].position = i
        services.genre_save(genre=genres[name])
    created = 0
    for spec in TITLES:
        if Title.objects.filter(name=spec["name"]).exists():
            continue
        title = services.title_create(
            name=spec["name"], kind=spec["kind"], year=spec["year"], synopsis=spec["synopsis"],
            maturity_rating=spec["rating"], genres=[genres[g] for g in spec["genres"]],
            countries=spec["countries"],
        )
        for number, episodes in spec.get("seasons", {}).items():
            season = services.season_save(title=title, number=number)
            for n, ep_name in enumerate(episodes, start=1):
                services.episode_save(season=season, number=n, name=ep_name)
        created += 1
    return created
