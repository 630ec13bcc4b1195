"""The catalog as a profile sees it: home rows, titles (search, filters),
a title's detail. They render the same selectors as the pages; the device's
country and the profile's kids setting apply everywhere."""
from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response

from catalog.api.serializers import TitleArtworkSerializer, TitleSummarySerializer, artwork_data
from catalog.models import Title, Video
from catalog.selectors import title_list
from streaming.core.api.base import PAGE_PARAMETERS, ApiView, paginate, paginated
from streaming.core.api.errors import error_responses

from .. import selectors
from .common import country_of, profile_of

TAG = "Catalog"


class ProgressSerializer(serializers.Serializer):
    position = serializers.FloatField(help_text="Seconds watched to (the resume point).")
    duration = serializers.FloatField()
    percent = serializers.FloatField()
    completed = serializers.BooleanField()


class RowTitleSerializer(TitleSummarySerializer):
    progress = serializers.SerializerMethodField(help_text="Set in 'Continue watching'.")

    @extend_schema_field(ProgressSerializer(allow_null=True))
    def get_progress(self, title) -> dict | None:
        progress = self.context.get("progress", {}).get(title.pk)
        return ProgressSerializer(progress).data if progress else None


class RowSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="continue, my-list, new, popular, genre-<slug>.")
    name = serializers.CharField()
    titles = serializers.SerializerMethodField()

    @extend_schema_field(RowTitleSerializer(many=True))
    def get_titles(self, row) -> list[dict]:
        return list(RowTitleSerializer(row.titles, many=True,
                                       context={**self.context, "progress": row.progress}).data)


class VideoSerializer(serializers.Serializer):
    """A selectors.VideoEntry."""

    public_id = serializers.UUIDField(source="video.public_id", help_text="Pass as `video` to POST /playback/.")
    status = serializers.ChoiceField(source="video.status", choices=Video.Status.choices)
    playable = serializers.BooleanField(help_text="Transcoded: playback can start.")
    duration = serializers.FloatField(source="video.duration", allow_null=True)
    progress = ProgressSerializer(allow_null=True)


class EpisodeSerializer(serializers.Serializer):
    """A selectors.EpisodeEntry."""

    number = serializers.IntegerField(source="episode.number")
    name = serializers.CharField(source="episode.name")
    synopsis = serializers.CharField(source="episode.synopsis", allow_blank=True)
    video = VideoSerializer(allow_null=True)


class SeasonSerializer(serializers.Serializer):
    """A selectors.SeasonEntry."""

    number = serializers.IntegerField(source="season.number")
    name = serializers.CharField(source="season.name", allow_blank=True)
    episodes = EpisodeSerializer(many=True)


class TitleDetailSerializer(serializers.Serializer):
    """A selectors.TitleDetail: the title's summary fields, then its videos."""

    slug = serializers.SlugField(source="title.slug", help_text="The title's id in URLs.")
    name = serializers.CharField(source="title.name")
    kind = serializers.ChoiceField(source="title.kind", choices=Title.Kind.choices)
    year = serializers.IntegerField(source="title.year", allow_null=True)
    maturity_rating = serializers.ChoiceField(source="title.maturity_rating", choices=Title.Rating.choices)
    synopsis = serializers.CharField(source="title.synopsis", allow_blank=True)
    genres = serializers.SerializerMethodField()
    artwork = serializers.SerializerMethodField()
    video = VideoSerializer(source="film", allow_null=True, help_text="A film's video; null for a series.")
    seasons = SeasonSerializer(many=True)
    in_my_list = serializers.BooleanField()
    countries = serializers.ListField(source="title.countries", child=serializers.CharField(),
                                      help_text="Where it is limited to; empty: everywhere.")

    def get_genres(self, detail) -> list[str]:
        return [g.name for g in detail.title.genres.all()]

    @extend_schema_field(TitleArtworkSerializer)
    def get_artwork(self, detail) -> dict:
        return artwork_data(detail.title, self.context)


class HomeApi(ApiView):
    @extend_schema(tags=[TAG], operation_id="catalog_home", summary="Home rows for a profile",
                   description="Continue watching, my list, new, popular in the device's country, then one row "
                               "per genre; empty rows are left out.",
                   responses={200: RowSerializer(many=True), **error_responses(401, 404)})
    def get(self, request, profile_id: int):
        profile = profile_of(request, profile_id)
        rows = selectors.home_rows(profile=profile, country=country_of(request), staff=request.user.is_staff)
        return Response(RowSerializer(rows, many=True, context={"request": request}).data)


class TitleListApi(ApiView):
    class FilterSerializer(serializers.Serializer):
        class Meta:
            ref_name = "TitleListFilter"

        q = serializers.CharField(required=False, max_length=100, allow_blank=True,
                                  help_text="Search names, synopses and genres.")
        genre = serializers.SlugField(required=False, help_text="A genre slug from GET /genres/.")
        kind = serializers.ChoiceField(choices=Title.Kind.choices, required=False)

    @extend_schema(tags=[TAG], operation_id="catalog_titles_list", summary="Titles a profile may see; search",
                   parameters=[FilterSerializer, *PAGE_PARAMETERS],
                   responses={200: paginated(TitleSummarySerializer), **error_responses(400, 401, 404)})
    def get(self, request, profile_id: int):
        profile = profile_of(request, profile_id)
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        f = filters.validated_data
        titles = title_list(country=country_of(request), staff=request.user.is_staff, kids=profile.kids,
                            query=f.get("q", ""), genre=f.get("genre", ""), kind=f.get("kind", ""))
        return paginate(self, request, titles.order_by("name", "pk"), TitleSummarySerializer)


class TitleDetailApi(ApiView):
    @extend_schema(tags=[TAG], operation_id="catalog_titles_retrieve",
                   summary="A title with its seasons, episodes and playable videos",
                   description="404 when the title does not exist or is not for this country or profile "
                               "(the same answer, so nothing leaks).",
                   responses={200: TitleDetailSerializer, **error_responses(401, 404)})
    def get(self, request, profile_id: int, slug: str):
        profile = profile_of(request, profile_id)
        detail = selectors.title_detail(slug=slug, profile=profile, country=country_of(request),
                                        staff=request.user.is_staff)
        if detail is None:
            raise Http404
        return Response(TitleDetailSerializer(detail, context={"request": request}).data)
