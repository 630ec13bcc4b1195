"""Catalog for a profile: home rows, titles (search, filters), title detail;
and, for staff, creating a title. What a profile sees always goes through
catalog.selectors.titles_visible: the device's country and the profile's kids
setting apply everywhere."""
from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from catalog import selectors, services
from catalog.models import Genre, Title, Video
from streaming.api.auth import IsStaff
from streaming.api.common import PAGE_PARAMETERS, ApiView, country_of, paginate, paginated, profile_of
from streaming.api.errors import error_responses
from streaming.models import MyListItem, WatchProgress
from streaming.selectors import home_rows
from transcoding.selectors import renditions_playable

TAG = "Catalog"


class ProgressSerializer(serializers.Serializer):
    position = serializers.FloatField(help_text="Seconds watched to (the resume point).")
    duration = serializers.FloatField()
    percent = serializers.FloatField()
    completed = serializers.BooleanField()


class TitleSummarySerializer(serializers.Serializer):
    slug = serializers.SlugField(help_text="The title's id in URLs.")
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Title.Kind.choices)
    year = serializers.IntegerField(allow_null=True)
    maturity_rating = serializers.ChoiceField(choices=Title.Rating.choices)
    synopsis = serializers.CharField(allow_blank=True)
    genres = serializers.SerializerMethodField()

    def get_genres(self, title) -> list[str]:
        if isinstance(title, dict):  # an already serialized payload
            return title["genres"]
        return [g.name for g in title.genres.all()]


class RowTitleSerializer(TitleSummarySerializer):
    progress = serializers.SerializerMethodField(help_text="Set in 'Continue watching'.")

    def get_progress(self, title) -> ProgressSerializer(allow_null=True):
        progress = self.context.get("progress", {}).get(title.pk)
        return ProgressSerializer(progress).data if progress else None


class RowSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="continue, my-list, popular, genre-<slug>.")
    name = serializers.CharField()
    titles = serializers.SerializerMethodField()

    def get_titles(self, row) -> RowTitleSerializer(many=True):
        return RowTitleSerializer(row.titles, many=True, context={"progress": row.progress}).data


class VideoSerializer(serializers.Serializer):
    public_id = serializers.UUIDField(help_text="Pass as `video` to POST /playback/.")
    status = serializers.ChoiceField(choices=Video.Status.choices)
    playable = serializers.BooleanField(help_text="Transcoded: playback can start.")
    duration = serializers.FloatField(allow_null=True)
    progress = ProgressSerializer(allow_null=True)


class EpisodeSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    name = serializers.CharField()
    synopsis = serializers.CharField(allow_blank=True)
    video = VideoSerializer(allow_null=True)


class SeasonSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    name = serializers.CharField(allow_blank=True)
    episodes = EpisodeSerializer(many=True)


class TitleDetailSerializer(TitleSummarySerializer):
    video = VideoSerializer(allow_null=True, help_text="A film's video; null for a series.")
    seasons = SeasonSerializer(many=True)
    in_my_list = serializers.BooleanField()
    countries = serializers.ListField(child=serializers.CharField(),
                                      help_text="Where it is limited to; empty: everywhere.")


def title_detail_payload(*, title: Title, profile) -> dict:
    videos = list(title.videos.all())
    progress = {p.video_id: p for p in WatchProgress.objects.filter(profile=profile, title=title)}

    def video(v: Video | None):
        if v is None:
            return None
        playable = v.status == Video.Status.READY and bool(renditions_playable(video=v))
        return {"public_id": v.public_id, "status": v.status, "playable": playable, "duration": v.duration,
                "progress": progress.get(v.pk)}

    by_episode = {v.episode_id: v for v in videos if v.episode_id}
    return {
        **TitleSummarySerializer(title).data,
        "video": video(next((v for v in videos if v.episode_id is None), None)),
        "seasons": [
            {"number": s.number, "name": s.name, "episodes": [
                {"number": e.number, "name": e.name, "synopsis": e.synopsis, "video": video(by_episode.get(e.pk))}
                for e in s.episodes.all()]}
            for s in title.seasons.all()
        ],
        "in_my_list": MyListItem.objects.filter(profile=profile, title=title).exists(),
        "countries": title.countries,
    }


class HomeApi(ApiView):
    @extend_schema(tags=[TAG], operation_id="catalog_home", summary="Home rows for a profile",
                   description="Continue watching, my list, popular in the device's country, then one row per "
                               "genre; empty rows are left out.",
                   responses={200: RowSerializer(many=True), **error_responses(401, 404)})
    def get(self, request, profile_id: int):
        profile = profile_of(request, profile_id)
        rows = home_rows(profile=profile, country=country_of(request), staff=request.user.is_staff)
        return Response(RowSerializer(rows, many=True).data)


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
        args = dict(country=country_of(request), staff=request.user.is_staff, kids=profile.kids)
        qs = selectors.title_search(query=f["q"], **args) if f.get("q") else selectors.titles_visible(**args)
        if f.get("genre"):
            qs = qs.filter(genres__slug=f["genre"]).distinct()
        if f.get("kind"):
            qs = qs.filter(kind=f["kind"])
        return paginate(self, request, qs.order_by("name", "pk"), TitleSummarySerializer)


class TitleDetailApi(ApiView):
    @extend_schema(tags=[TAG], operation_id="catalog_titles_retrieve",
                   summary="A title with its seasons, episodes and playable videos",
                   description="404 when the title does not exist or is not for this country or profile "
                               "(the same answer, so nothing leaks).",
                   responses={200: TitleDetailSerializer, **error_responses(401, 404)})
    def get(self, request, profile_id: int, slug: str):
        profile = profile_of(request, profile_id)
        title = selectors.title_get_visible(slug=slug, country=country_of(request), staff=request.user.is_staff,
                                            kids=profile.kids)
        if title is None:
            raise Http404
        return Response(TitleDetailSerializer(title_detail_payload(title=title, profile=profile)).data)


class GenreSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()


class GenreListApi(ApiView):
    @extend_schema(tags=[TAG], operation_id="catalog_genres_list", summary="Genres (for the titles filter)",
                   responses={200: GenreSerializer(many=True), **error_responses(401)})
    def get(self, request):
        return Response(GenreSerializer(Genre.objects.all(), many=True).data)


class StaffTitleSerializer(TitleSummarySerializer):
    published = serializers.BooleanField()
    countries = serializers.ListField(child=serializers.CharField())


class StaffTitleCreateApi(ApiView):
    permission_classes = [IsStaff]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "StaffTitleCreateInput"

        name = serializers.CharField(max_length=200)
        kind = serializers.ChoiceField(choices=Title.Kind.choices, default=Title.Kind.FILM)
        synopsis = serializers.CharField(required=False, default="", allow_blank=True, max_length=5000)
        year = serializers.IntegerField(required=False, allow_null=True, min_value=1880, max_value=2100)
        maturity_rating = serializers.ChoiceField(choices=Title.Rating.choices, default=Title.Rating.THIRTEEN)
        genres = serializers.ListField(child=serializers.CharField(max_length=80), required=False, default=list,
                                       max_length=20, help_text="Genre names; missing ones are created.")
        countries = serializers.ListField(child=serializers.CharField(max_length=2), required=False,
                                          default=list, max_length=250,
                                          help_text="ISO 3166 codes it is limited to; empty: everywhere.")
        published = serializers.BooleanField(default=True)

    @extend_schema(tags=["Staff"], operation_id="staff_titles_create", request=InputSerializer,
                   summary="Create a title (staff)",
                   responses={201: StaffTitleSerializer, **error_responses(400, 401, 403)})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = dict(data.validated_data)
        genres = [services.genre_get_or_create(name=n.strip()) for n in v.pop("genres") if n.strip()]
        title = services.title_create(**v, genres=genres)
        return Response(StaffTitleSerializer(title).data, status=status.HTTP_201_CREATED)
