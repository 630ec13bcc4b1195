"""Writes to the catalog. Keyword-only, typed, named <noun>_<verb>."""
from __future__ import annotations

import hashlib
import logging
from typing import Iterable

from django.core.files import File
from django.db import transaction
from django.utils.text import slugify

from streaming.errors import ApplicationError

from .models import Availability, Episode, Genre, Title, Video, country_code_validator

logger = logging.getLogger(__name__)

READ_CHUNK = 1024 * 1024


def countries_parse(raw: str | Iterable[str]) -> list[str]:
    """'in, de ,US' -> ['DE', 'IN', 'US']; raises ApplicationError on a bad code."""
    items = raw.replace(";", ",").split(",") if isinstance(raw, str) else list(raw)
    codes = sorted({item.strip().upper() for item in items if item and item.strip()})
    bad = [c for c in codes if not country_code_is_valid(c)]
    if bad:
        raise ApplicationError(
            f"Not a two-letter country code: {', '.join(bad)}. Use ISO 3166 codes such as IN, DE, US.",
            code="bad_country",
        )
    return codes


def country_code_is_valid(code: str) -> bool:
    try:
        country_code_validator(code)
    except Exception:
        return False
    return True


def genre_get_or_create(*, name: str) -> Genre:
    genre, _ = Genre.objects.get_or_create(slug=slugify(name), defaults={"name": name})
    return genre


def _unique_slug(name: str, *, exclude_pk: int | None = None) -> str:
    base = slugify(name)[:200] or "title"
    slug, n = base, 2
    qs = Title.objects.all()
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    while qs.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def title_create(
    *,
    name: str,
    kind: str = Title.Kind.FILM,
    synopsis: str = "",
    year: int | None = None,
    maturity_rating: str = Title.Rating.THIRTEEN,
    genres: Iterable[Genre] = (),
    countries: Iterable[str] | str = (),
    published: bool = True,
) -> Title:
    if not name.strip():
        raise ApplicationError("A title needs a name.", code="required")
    title = Title.objects.create(
        name=name.strip(),
        slug=_unique_slug(name),
        kind=kind,
        synopsis=synopsis,
        year=year,
        maturity_rating=maturity_rating,
        published=published,
    )
    title.genres.set(list(genres))
    title_set_countries(title=title, countries=countries)
    return title


@transaction.atomic
def title_set_countries(*, title: Title, countries: Iterable[str] | str) -> list[str]:
    """Limit a title to these countries; an empty list makes it available everywhere."""
    codes = countries_parse(countries)
    title.availability.exclude(country__in=codes).delete()
    existing = set(title.availability.values_list("country", flat=True))
    Availability.objects.bulk_create(
        [Availability(title=title, country=c) for c in codes if c not in existing]
    )
    return codes


def video_create(*, title: Title, source: File, episode: Episode | None = None) -> Video:
    """Store an uploaded source and hand it to the workers.

    The file is streamed to storage in chunks (Django spools large uploads to
    a temporary file; S3 storage sends it as a multipart upload), so its size
    is bounded by the disk, not by memory.
    """
    if episode is not None and episode.season.title_id != title.pk:
        raise ApplicationError("That episode belongs to another title.", code="episode_mismatch")
    if not getattr(source, "name", None):
        raise ApplicationError("Choose a source video file to upload.", code="required")
    if source.size == 0:
        # Kept anyway (nothing uploaded is thrown away), but marked failed at once.
        logger.info("empty source uploaded for %s", title)
    video = Video(title=title, episode=episode, source_name=source.name[:255])
    with transaction.atomic():
        # Storage first, row second: a row never points at a file that isn't there.
        video.source.save(source.name, source, save=False)
        video.save()
        transaction.on_commit(lambda: video_source_saved(video_id=video.pk))
    return video


def video_create_from_storage(*, title: Title, name: str, source_name: str, public_id,
                              episode: Episode | None = None) -> Video:
    """A Video for a source already in storage under ``name`` (an upload that
    went straight to the bucket, never through Django); then the same steps as
    ``video_create``: fingerprint, and transcode when TRANSCODE_ON_UPLOAD."""
    from django.core.files.storage import default_storage

    if episode is not None and episode.season.title_id != title.pk:
        raise ApplicationError("That episode belongs to another title.", code="episode_mismatch")
    if not default_storage.exists(name):
        raise ApplicationError("The uploaded source is not in storage.", code="not_found")
    with transaction.atomic():
        video = Video(title=title, episode=episode, source_name=source_name[:255], public_id=public_id)
        video.source.name = name
        video.save()
        transaction.on_commit(lambda: video_source_saved(video_id=video.pk))
    return video


def video_source_saved(*, video_id: int) -> None:
    """Everything that follows a new source starts here, after commit."""
    from django.conf import settings

    from transcoding.services import job_start

    from . import tasks

    tasks.video_source_fingerprint.send(video_id)
    if settings.TRANSCODE_ON_UPLOAD:
        video = Video.objects.get(pk=video_id)
        if video.status == Video.Status.UPLOADED:
            job_start(video=video)


def video_fingerprint_record(*, video_id: int) -> Video | None:
    """Measure the stored source (size, SHA-256) by streaming it from storage.

    Idempotent: running it twice writes the same figures. Returns None when the
    video is gone (deleted while the message waited)."""
    video = Video.objects.filter(pk=video_id).first()
    if video is None:
        return None
    digest = hashlib.sha256()
    size = 0
    try:
        with video.source.open("rb") as fh:
            while chunk := fh.read(READ_CHUNK):
                digest.update(chunk)
                size += len(chunk)
    except FileNotFoundError:
        Video.objects.filter(pk=video_id).update(
            status=Video.Status.FAILED, error="The source file is missing from storage."
        )
        return None
    updates = {"source_size": size, "source_sha256": digest.hexdigest()}
    if size == 0:
        updates.update(status=Video.Status.FAILED, error="The uploaded file is empty (0 bytes).")
    Video.objects.filter(pk=video_id).update(**updates)
    video.refresh_from_db()
    return video
