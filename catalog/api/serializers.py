"""How the catalog's rows look in the API, shared by every app's views."""
from __future__ import annotations

from rest_framework import serializers

from ..models import Title


class TitleSummarySerializer(serializers.Serializer):
    slug = serializers.SlugField(help_text="The title's id in URLs.")
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Title.Kind.choices)
    year = serializers.IntegerField(allow_null=True)
    maturity_rating = serializers.ChoiceField(choices=Title.Rating.choices)
    synopsis = serializers.CharField(allow_blank=True)
    genres = serializers.SerializerMethodField()

    def get_genres(self, title) -> list[str]:
        return [g.name for g in title.genres.all()]


class GenreSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()
