"""The catalog's own endpoints: genres (for filters), and, for staff,
creating a title."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from streaming.core.api.auth import IsStaff
from streaming.core.api.base import ApiView
from streaming.core.api.errors import error_responses

from .. import services
from ..models import Genre, Title
from .serializers import GenreSerializer, TitleSummarySerializer


class GenreListApi(ApiView):
    @extend_schema(tags=["Catalog"], operation_id="catalog_genres_list", summary="Genres (for the titles filter)",
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
