"""How the catalog's rows look in the API, shared by every app's views."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import Artwork, Title
from ..selectors import artwork_sources


class ArtworkSizeSerializer(serializers.Serializer):
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    url = serializers.CharField(help_text="Absolute; cacheable for good (it changes with the picture).")


class ArtworkSerializer(serializers.Serializer):
    color = serializers.CharField(help_text="Average colour (#rrggbb), to paint while the image loads.")
    sizes = ArtworkSizeSerializer(many=True, help_text="Every width, smallest first; all 16:9.")


def artwork_data(title: Title, context: Mapping[str, Any]) -> dict:
    """A title's poster and backdrop (null when it has none), with absolute
    URLs when the request is known."""
    request = context.get("request")
    found = {a.kind: a for a in title.artwork.all()}
    out: dict = {}
    for kind in Artwork.Kind.values:
        artwork = found.get(kind)
        out[kind] = None if artwork is None else {
            "color": artwork.color,
            "sizes": [{"width": src.width, "height": src.height,
                       "url": request.build_absolute_uri(src.url) if request else src.url}
                      for src in artwork_sources(artwork=artwork)],
        }
    return out


class TitleArtworkSerializer(serializers.Serializer):
    poster = ArtworkSerializer(allow_null=True, help_text="For cards.")
    backdrop = ArtworkSerializer(allow_null=True, help_text="For a hero behind the title's name.")


class TitleSummarySerializer(serializers.Serializer):
    slug = serializers.SlugField(help_text="The title's id in URLs.")
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Title.Kind.choices)
    year = serializers.IntegerField(allow_null=True)
    maturity_rating = serializers.ChoiceField(choices=Title.Rating.choices)
    synopsis = serializers.CharField(allow_blank=True)
    genres = serializers.SerializerMethodField()
    artwork = serializers.SerializerMethodField()

    def get_genres(self, title) -> list[str]:
        return [g.name for g in title.genres.all()]

    @extend_schema_field(TitleArtworkSerializer)
    def get_artwork(self, title) -> dict:
        return artwork_data(title, self.context)


class GenreSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
