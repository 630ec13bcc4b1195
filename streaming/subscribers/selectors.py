"""Reads of the subscriber side: home rows, a title as a profile sees it,
my list and history, plans, sessions, QoE figures. The pages and the API
render these same results."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, QuerySet, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone

from catalog.models import Episode, Season, Title, Video
from catalog.selectors import (
    browse_rows,
    title_get_visible,
    title_hidden_reason,
    titles_new,
    titles_similar,
    titles_visible,
    video_is_playable,
)
from edge.popularity import TitlePlays

from .models import MyListItem, Plan, PlaybackSession, Profile, QoEReport, WatchProgress

POPULAR_WINDOW = timedelta(days=30)


@dataclass
class Row:
    key: str
    name: str
    titles: list[Title]
    progress: dict[int, WatchProgress] = field(default_factory=dict)


def profiles_of(*, user: Any) -> list[Profile]:
    """An account's profiles, oldest first (at most Profile.MAX_PER_ACCOUNT)."""
    return list(Profile.objects.filter(user=user))


def plans_offered() -> list[Plan]:
    return list(Plan.objects.filter(active=True))


def continue_watching(*, profile: Profile, country: str, limit: int = 20) -> Row:
    visible = titles_visible(country=country, kids=profile.kids)
    items = list(
        WatchProgress.objects.filter(profile=profile, completed=False, position__gte=1, title__in=visible)
        .select_related("title").prefetch_related("title__artwork")[:limit]
    )
    return Row(key="continue", name="Continue watching", titles=[p.title for p in items],
               progress={p.title_id: p for p in items})


def popular_in_country(*, profile: Profile, country: str, limit: int = 20) -> Row:
    since = timezone.now() - POPULAR_WINDOW
    visible = titles_visible(country=country, kids=profile.kids)
    counts = (
        PlaybackSession.objects.filter(country=country, started_at__gte=since, video__title__in=visible)
        .values("video__title").annotate(n=Count("id")).order_by("-n")[:limit]
    )
    by_id = {t.pk: t for t in Title.objects.filter(pk__in=[c["video__title"] for c in counts])
             .prefetch_related("artwork")}
    return Row(key="popular", name=f"Popular in {country}",
               titles=[by_id[c["video__title"]] for c in counts if c["video__title"] in by_id])


def my_list_items(*, profile: Profile, country: str) -> QuerySet[MyListItem]:
    """A profile's list, newest first, limited to what it may see here."""
    visible = titles_visible(country=country, kids=profile.kids)
    return (MyListItem.objects.filter(profile=profile, title__in=visible).select_related("title")
            .prefetch_related("title__genres", "title__artwork").order_by("-added_at", "-pk"))


def my_list(*, profile: Profile, country: str) -> Row:
    return Row(key="my-list", name="My list", titles=[i.title for i in my_list_items(profile=profile, country=country)])


def history_items(*, profile: Profile, country: str, completed: bool | None = None) -> QuerySet[WatchProgress]:
    """Watch progress, latest first, limited to what the profile may see here."""
    visible = titles_visible(country=country, kids=profile.kids)
    items = (WatchProgress.objects.filter(profile=profile, title__in=visible)
             .select_related("title", "video").prefetch_related("title__genres").order_by("-updated_at", "-pk"))
    return items if completed is None else items.filter(completed=completed)


def progress_get(*, profile: Profile, video: Video) -> WatchProgress | None:
    """Where ``profile`` is in ``video``, and when the server heard it."""
    return WatchProgress.objects.filter(profile=profile, video=video).first()


def new_titles(*, profile: Profile, country: str, staff: bool = False) -> Row:
    return Row(key="new", name="New", titles=titles_new(country=country, staff=staff, kids=profile.kids))


def home_rows(*, profile: Profile, country: str, staff: bool = False) -> list[Row]:
    """Continue watching, my list, new, popular here, then one row per genre
    (empty rows left out). The first title of the first row is the hero."""
    rows = [continue_watching(profile=profile, country=country), my_list(profile=profile, country=country),
            new_titles(profile=profile, country=country, staff=staff),
            popular_in_country(profile=profile, country=country)]
    rows += [Row(key=f"genre-{r.genre.slug}", name=r.genre.name, titles=r.titles)
             for r in browse_rows(country=country, staff=staff, kids=profile.kids)]
    return [r for r in rows if r.titles]


@dataclass(frozen=True)
class VideoEntry:
    """A video as a profile sees it on a title page."""

    video: Video
    playable: bool
    progress: WatchProgress | None


@dataclass(frozen=True)
class EpisodeEntry:
    episode: Episode
    video: VideoEntry | None


@dataclass(frozen=True)
class SeasonEntry:
    season: Season
    episodes: list[EpisodeEntry]


@dataclass(frozen=True)
class TitleDetail:
    """Everything a title page shows a profile: the film's video (or the
    seasons and their episodes' videos), what is playable, where the
    profile stopped, whether it is in the profile's list, titles like it,
    and (for staff) why subscribers cannot see it."""

    title: Title
    film: VideoEntry | None
    seasons: list[SeasonEntry]
    in_my_list: bool
    similar: list[Title] = field(default_factory=list)
    hidden_reason: str = ""  # staff only: why subscribers do not see it ("" when they do)

    @property
    def episode_count(self) -> int:
        return sum(len(s.episodes) for s in self.seasons)

    @property
    def next_episode(self) -> EpisodeEntry | None:
        """Where a series goes on: the first playable episode not watched to
        the end (the first playable one when all are)."""
        playable = [e for s in self.seasons for e in s.episodes if e.video and e.video.playable]
        unfinished = (e for e in playable if not (e.video and e.video.progress and e.video.progress.completed))
        return next(unfinished, None) or (playable[0] if playable else None)


def title_detail(*, slug: str, profile: Profile, country: str, staff: bool = False) -> TitleDetail | None:
    """A title a profile may see here, or None (the same answer for "does not
    exist" and "not for you here", so nothing leaks)."""
    title = title_get_visible(slug=slug, country=country, staff=staff, kids=profile.kids)
    if title is None:
        return None
    videos = list(title.videos.all())
    progress = {p.video_id: p for p in WatchProgress.objects.filter(profile=profile, title=title)}

    def entry(video: Video | None) -> VideoEntry | None:
        if video is None:
            return None
        return VideoEntry(video=video, playable=video_is_playable(video=video), progress=progress.get(video.pk))

    # Newest first (titles_visible's order); a newer video that failed or is
    # still processing does not hide an older one that plays.
    playable = [v for v in videos if video_is_playable(video=v)]
    by_episode = {v.episode_id: v for v in videos if v.episode_id}
    film = next((v for v in playable if v.episode_id is None), None) or next(
        (v for v in videos if v.episode_id is None), None)
    return TitleDetail(
        title=title,
        film=entry(film),
        seasons=[SeasonEntry(season=s, episodes=[EpisodeEntry(episode=e, video=entry(by_episode.get(e.pk)))
                                                 for e in s.episodes.all()])
                 for s in title.seasons.all()],
        in_my_list=MyListItem.objects.filter(profile=profile, title=title).exists(),
        similar=titles_similar(title=title, country=country, staff=staff, kids=profile.kids),
        hidden_reason=title_hidden_reason(title=title) if staff else "",
    )


def sessions_active(*, user) -> list[PlaybackSession]:
    fresh = timezone.now() - timedelta(seconds=settings.PLAYBACK_SESSION_TTL)
    return list(PlaybackSession.objects.filter(user=user, ended_at__isnull=True, last_heartbeat_at__gte=fresh)
                .select_related("video__title", "profile"))


def percentile(values: Sequence[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


@dataclass(frozen=True)
class EdgeQoE:
    edge: str
    zone: str
    sessions: int
    startup_p50_ms: float | None
    startup_p95_ms: float | None
    rebuffer_percent: float
    errors: int


def qoe_by_edge(*, since=None) -> list[EdgeQoE]:
    """Startup p50/p95 and rebuffer percentage per edge (CTA-2066 terms)."""
    reports = QoEReport.objects.all()
    if since is not None:
        reports = reports.filter(session__started_at__gte=since)
    groups: dict[tuple[str, str], list[QoEReport]] = {}
    for report in reports:
        groups.setdefault((report.edge_name or "?", report.zone_code or "?"), []).append(report)
    out = []
    for (edge, zone), items in sorted(groups.items()):
        startups = [r.startup_ms for r in items if r.startup_ms is not None]
        watch = sum(r.watch_ms for r in items)
        stall = sum(r.stall_ms for r in items)
        out.append(EdgeQoE(
            edge=edge, zone=zone, sessions=len(items),
            startup_p50_ms=percentile(startups, 0.5), startup_p95_ms=percentile(startups, 0.95),
            rebuffer_percent=100.0 * stall / (watch + stall) if watch + stall else 0.0,
            errors=sum(r.error_count for r in items),
        ))
    return out


def playback_popularity_by_zone(*, since) -> dict[str, list[TitlePlays]]:
    """Plays per video per viewer zone since ``since``, most played first:
    the popularity provider the edge app's push fill reads (registered in
    SubscribersConfig.ready). Sessions from before viewer zones were
    recorded count for the zone that served them."""
    zone = Coalesce(NullIf("viewer_zone", Value("")), "zone_code")
    rows = (PlaybackSession.objects.filter(started_at__gte=since).annotate(zone=zone)
            .exclude(zone="").values("zone", "video__public_id").annotate(plays=Count("id"))
            .order_by("zone", "-plays", "video__public_id"))
    out: dict[str, list[TitlePlays]] = {}
    for row in rows:
        out.setdefault(row["zone"], []).append(TitlePlays(video_public_id=row["video__public_id"], plays=row["plays"]))
    return out
