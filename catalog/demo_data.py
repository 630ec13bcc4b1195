"""A small demo catalog, so a newcomer's first page is not empty."""
from __future__ import annotations

from typing import NotRequired, TypedDict

from django.db import transaction

from . import services
from .models import Artwork, Title

GENRES = ["Documentaries", "Drama", "Science & Nature", "Kids & Family", "Thrillers"]

class DemoTitle(TypedDict):
    name: str
    motif: str  # the scene catalog/demo_art.py draws for it
    kind: str
    year: int
    rating: str
    genres: list[str]
    countries: str
    synopsis: str
    seasons: NotRequired[dict[int, list[tuple[str, str]]]]  # season number: [(episode name, synopsis)]


TITLES: list[DemoTitle] = [
    {
        "name": "Tides of the Malabar Coast", "motif": "coast", "kind": "film", "year": 2024, "rating": "all",
        "genres": ["Documentaries", "Science & Nature"], "countries": "",
        "synopsis": "A year with the fishing villages of Kerala, from the monsoon's first storm to the festival boats.",
    },
    {
        "name": "The Last Signal", "motif": "signal", "kind": "film", "year": 2023, "rating": "16",
        "genres": ["Thrillers", "Drama"], "countries": "",
        "synopsis": "A radio engineer at a remote relay station hears a broadcast that should not exist.",
    },
    {
        "name": "Orbit School", "motif": "space", "kind": "series", "year": 2025, "rating": "7",
        "genres": ["Kids & Family", "Science & Nature"], "countries": "",
        "synopsis": "Five friends, one very old space station, and a teacher who is secretly a robot.",
        "seasons": {1: [
            ("Launch Day", "The new class arrives at Orbit School, and the lift to the station breaks on the way up."),
            ("Zero-G Lunch", "Soup does not stay in bowls up here. Mira invents a spoon that might fix it."),
            ("The Comet Club", "A comet passes close enough to see from the dome: nobody sleeps that night."),
        ]},
    },
    {
        "name": "Frankfurt Nights", "motif": "city", "kind": "series", "year": 2022, "rating": "16",
        "genres": ["Drama", "Thrillers"], "countries": "DE, AT, CH",
        "synopsis": "A banker, a cab driver and a detective cross paths on the same rainy night. "
                    "Available in DE, AT and CH.",
        "seasons": {1: [
            ("Main Station", "11:40 pm, Hauptbahnhof: a briefcase changes hands and the cab meter starts running."),
            ("The Tower", "On the 38th floor a banker works late; twelve floors down, someone is waiting."),
            ("Last Train", "The detective has until the last S-Bahn leaves to find the driver again."),
        ]},
    },
    {
        "name": "Monsoon Kitchen", "motif": "monsoon", "kind": "film", "year": 2021, "rating": "all",
        "genres": ["Documentaries"], "countries": "IN",
        "synopsis": "Grandmothers of Mumbai teach the dishes they only cook when it rains. Available in India.",
    },
    {
        "name": "Deep Blue Atlas", "motif": "ocean", "kind": "film", "year": 2020, "rating": "7",
        "genres": ["Science & Nature", "Documentaries"], "countries": "",
        "synopsis": "Mapping the ocean floor with the crews who do it by sound.",
    },
]


def demo_artwork_load() -> int:
    """Generated artwork for the demo titles that have none; returns how many got some."""
    from .demo_art import demo_art

    done = 0
    for spec in TITLES:
        title = Title.objects.filter(name=spec["name"]).prefetch_related("artwork").first()
        if title is None or title.artwork.exists():
            continue
        for kind, data in demo_art(motif=spec["motif"], seed=title.slug).items():
            services.artwork_save(title=title, kind=kind, data=data, origin=Artwork.Origin.GENERATED)
        done += 1
    return done


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
            for n, (ep_name, ep_synopsis) in enumerate(episodes, start=1):
                services.episode_save(season=season, number=n, name=ep_name, synopsis=ep_synopsis)
        created += 1
    return created
