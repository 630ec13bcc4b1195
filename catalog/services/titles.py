"""Writes of titles, genres and where titles are available."""
from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils.text import slugify

from streaming.core.errors import ApplicationError
from streaming.core.validators import countries_parse

from ..models import Availability, Genre, Title


def genre_get_or_create(*, name: str) -> Genre:
    genre, _ = Genre.objects.get_or_create(slug=slugify(name), defaults={"name": name})
    return genre


def genre_save(*, genre: Genre) -> Genre:
    """Create or change a genre (name, slug, its row's position on Home)."""
    genre.full_clean()
    genre.save()
    return genre


def genre_delete(*, genre: Genre) -> None:
    genre.delete()


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
    slug: str = "",
) -> Title:
    if not name.strip():
        raise ApplicationError("A title needs a name.", code="required", extra={"field": "name"})
    if slug and Title.objects.filter(slug=slug).exists():
        raise ApplicationError("Another title has that slug.", code="taken", extra={"field": "slug"})
    title = Title.objects.create(
        name=name.strip(),
        slug=slug or _unique_slug(name),
        kind=kind,
        synopsis=synopsis,
        year=year,
        maturity_rating=maturity_rating,
        published=published,
    )
    title.genres.set(list(genres))
    title_set_countries(title=title, countries=countries)
    return title


TITLE_FIELDS = ("name", "slug", "kind", "synopsis", "year", "maturity_rating", "published")


@transaction.atomic
def title_update(*, title: Title, genres: Iterable[Genre] | None = None,
                 countries: Iterable[str] | str | None = None, **fields) -> Title:
    """Change a title's fields (any of TITLE_FIELDS), genres and countries."""
    unknown = set(fields) - set(TITLE_FIELDS)
    if unknown:
        raise ValueError(f"title_update cannot set {sorted(unknown)}")
    if "name" in fields and not str(fields["name"]).strip():
        raise ApplicationError("A title needs a name.", code="required", extra={"field": "name"})
    slug = fields.get("slug")
    if slug and Title.objects.filter(slug=slug).exclude(pk=title.pk).exists():
        raise ApplicationError("Another title has that slug.", code="taken", extra={"field": "slug"})
    for name, value in fields.items():
        setattr(title, name, value.strip() if name == "name" else value)
    title.full_clean(exclude=["genres"])
    title.save()
    if genres is not None:
        title.genres.set(list(genres))
    if countries is not None:
        title_set_countries(title=title, countries=countries)
    return title


def title_delete(*, title: Title) -> None:
    """Remove a title with its seasons and videos' rows (sources stay in storage)."""
    title.delete()


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
