"""Reads of the catalog. Every list a viewer sees goes through
``titles_visible`` so that country limits apply everywhere."""
from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.urls import reverse

from .keys import ARTWORK_ROOT
from .models import Artwork, Availability, Genre, Title, Video


def videos_playable() -> QuerySet[Video]:
    """The videos playback can start on: ``video_is_playable`` as a query."""
    return Video.objects.filter(status=Video.Status.READY)


def titles_allowed(*, country: str, staff: bool = False, kids: bool = False) -> QuerySet[Title]:
    """Titles a viewer in ``country`` is allowed: published (staff: any),
    limited to nothing or available there, rated for children on a kids
    profile. Whether anything in them plays is ``titles_visible``'s business."""
    limited = Availability.objects.filter(title=OuterRef("pk"))
    here = limited.filter(country=country.upper())
    qs = Title.objects.annotate(_limited=Exists(limited), _here=Exists(here)).filter(
        Q(_limited=False) | Q(_here=True))
    if not staff:
        qs = qs.filter(published=True)
    if kids:
        qs = qs.filter(maturity_rating__in=Title.KIDS_RATINGS)
    return qs


def titles_visible(*, country: str, staff: bool = False, kids: bool = False) -> QuerySet[Title]:
    """Titles a viewer in ``country`` may see: published, with something
    playable (a film's video or at least one episode's), and either limited
    to nothing or available in that country; on a kids profile, only titles
    rated for children. Staff also see unpublished and unplayable titles:
    each title carries ``has_playable`` and, through ``title_hidden_reason``,
    why subscribers do not see it."""
    playable = videos_playable().filter(title=OuterRef("pk"))
    qs = titles_allowed(country=country, staff=staff, kids=kids).annotate(
        has_playable=Exists(playable),
        newest_playable_at=Subquery(playable.order_by("-created_at").values("created_at")[:1]),
    )
    if not staff:
        qs = qs.filter(has_playable=True)
    return qs.prefetch_related(
        "genres",
        "artwork",
        Prefetch("videos", queryset=Video.objects.order_by("-created_at")),
    )


def title_hidden_reason(*, title: Title) -> str:
    """Why subscribers do not see ``title`` ("" when they do), in words for
    staff. Uses the videos prefetched by ``titles_visible`` when there."""
    reasons = []
    if not title.published:
        reasons.append("unpublished")
    videos = list(title.videos.all())
    if not any(video_is_playable(video=v) for v in videos):
        if not videos:
            reasons.append("no video uploaded yet")
        else:
            newest = max(videos, key=lambda v: v.created_at)
            if newest.status == Video.Status.FAILED:
                reasons.append(f"nothing playable: the transcode failed ({newest.error or 'no reason recorded'})")
            else:
                reasons.append(f"nothing playable yet: the video is {newest.get_status_display().lower()}")
    text = "; ".join(reasons)
    return text[:1].upper() + text[1:]


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


def titles_new(*, country: str, staff: bool = False, kids: bool = False, limit: int = 20) -> list[Title]:
    """The "New" row: what became watchable most recently (newest playable
    video first), genre or not, so a new upload is on Home at once."""
    qs = titles_visible(country=country, staff=staff, kids=kids)
    return list(qs.order_by(F("newest_playable_at").desc(nulls_last=True), "-created_at", "-pk")[:limit])


def titles_similar(*, title: Title, country: str, staff: bool = False, kids: bool = False,
                   limit: int = 12) -> list[Title]:
    """Titles sharing a genre with ``title``, the most genres in common first."""
    genres = [g.pk for g in title.genres.all()]
    if not genres:
        return []
    qs = (titles_visible(country=country, staff=staff, kids=kids).exclude(pk=title.pk)
          .filter(genres__in=genres).annotate(shared=Count("genres", filter=Q(genres__in=genres), distinct=True))
          .order_by("-shared", F("newest_playable_at").desc(nulls_last=True), "name"))
    return list(qs[:limit])


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


# --- artwork ------------------------------------------------------------------------------


def artwork_for(*, title: Title, kind: str) -> Artwork | None:
    """The title's artwork of ``kind``, else of the other kind (a card with
    only a backdrop shows the backdrop), else None. Uses the prefetched rows."""
    found = {a.kind: a for a in title.artwork.all()}
    return found.get(kind) or next(iter(found.values()), None)


@dataclass(frozen=True)
class ArtworkSource:
    url: str  # on this site
    width: int
    height: int


def artwork_sources(*, artwork: Artwork) -> list[ArtworkSource]:
    """Each width of ``artwork`` and where it is served, smallest first."""
    return [ArtworkSource(url=reverse("artwork", args=[r["key"].removeprefix(f"{ARTWORK_ROOT}/")]),
                          width=r["width"], height=r["height"])
            for r in sorted(artwork.renditions, key=lambda r: r["width"])]


def artwork_url(*, title: Title, kind: str, width: int = 960) -> str:
    """One width of the title's artwork (the smallest at least ``width``), or ""."""
    artwork = artwork_for(title=title, kind=kind)
    if artwork is None:
        return ""
    sources = artwork_sources(artwork=artwork)
    return next((s.url for s in sources if s.width >= width), sources[-1].url)
