"""Reads of the catalog. Every list a viewer sees goes through
``titles_visible`` so that country limits apply everywhere."""
from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from .models import Availability, Genre, Title, Video


def titles_visible(*, country: str, staff: bool = False, kids: bool = False) -> QuerySet[Title]:
    """Titles a viewer in ``country`` may see: published, and either limited
    to nothing or available in that country; on a kids profile, only titles
    rated for children."""
    limited = Availability.objects.filter(title=OuterRef("pk"))
    here = limited.filter(country=country.upper())
    qs = Title.objects.annotate(_limited=Exists(limited), _here=Exists(here)).filter(
        Q(_limited=False) | Q(_here=True)
    )
    if not staff:
        qs = qs.filter(published=True)
    if kids:
        qs = qs.filter(maturity_rating__in=Title.KIDS_RATINGS)
    return qs.prefetch_related(
        "genres",
        Prefetch("videos", queryset=Video.objects.order_by("-created_at")),
    )


@dataclass(frozen=True)
class BrowseRow:
    genre: Genre
    titles: list[Title]


def browse_rows(*, country: str, staff: bool = False, kids: bool = False, per_row: int = 20) -> list[BrowseRow]:
    """One row per genre that has something to show in ``country``."""
    titles = list(titles_visible(country=country, staff=staff, kids=kids).order_by("-created_at"))
    rows: dict[int, BrowseRow] = {}
    for genre in Genre.objects.all():
        in_genre = [t for t in titles if any(g.pk == genre.pk for g in t.genres.all())][:per_row]
        if in_genre:
            rows[genre.pk] = BrowseRow(genre=genre, titles=in_genre)
    return list(rows.values())


def title_get_visible(*, slug: str, country: str, staff: bool = False, kids: bool = False) -> Title | None:
    return (
        titles_visible(country=country, staff=staff, kids=kids)
        .prefetch_related("seasons__episodes", "availability")
        .filter(slug=slug)
        .first()
    )


def title_list(*, country: str, staff: bool = False, kids: bool = False, query: str = "",
               genre: str = "", kind: str = "") -> QuerySet[Title]:
    """Titles a viewer may see, narrowed by a search ``query`` (names,
    synopses, genres), a genre slug and a kind. The search page and the
    API's title list both render this."""
    qs = titles_visible(country=country, staff=staff, kids=kids)
    query = query.strip()
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(synopsis__icontains=query) | Q(genres__name__icontains=query))
    if genre:
        qs = qs.filter(genres__slug=genre)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.distinct() if query or genre else qs


def video_is_playable(*, video: Video) -> bool:
    """Can playback start? The one rule pages, the API and playback share:
    the transcode marked it ready (its ladder for every client is merged)."""
    return video.status == Video.Status.READY
