"""A profile's my list and watch history."""
from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from catalog.api.serializers import TitleSummarySerializer
from catalog.models import Title
from streaming.core.api.base import PAGE_PARAMETERS, ApiView, paginate, paginated
from streaming.core.api.errors import error_responses

from .. import selectors
from ..services import my_list_add, my_list_remove
from .common import country_of, profile_of

TAG = "My list and history"


class MyListItemSerializer(serializers.Serializer):
    title = TitleSummarySerializer()
    added_at = serializers.DateTimeField()


class MyListApi(ApiView):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "MyListInput"

        title = serializers.SlugField(help_text="The title's slug.")

    @extend_schema(tags=[TAG], operation_id="my_list_list", summary="A profile's list (newest first)",
                   parameters=PAGE_PARAMETERS,
                   responses={200: paginated(MyListItemSerializer), **error_responses(401, 404)})
    def get(self, request, profile_id: int):
        profile = profile_of(request, profile_id)
        items = selectors.my_list_items(profile=profile, country=country_of(request))
        return paginate(self, request, items, MyListItemSerializer)

    @extend_schema(tags=[TAG], operation_id="my_list_add", request=InputSerializer,
                   summary="Add a title (adding twice keeps one entry)",
                   responses={201: MyListItemSerializer, **error_responses(400, 401, 404)})
    def post(self, request, profile_id: int):
        profile = profile_of(request, profile_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        title = get_object_or_404(Title, slug=data.validated_data["title"])
        item = my_list_add(profile=profile, title=title, country=country_of(request))
        return Response(MyListItemSerializer(item).data, status=status.HTTP_201_CREATED)


class MyListItemApi(ApiView):
    @extend_schema(tags=[TAG], operation_id="my_list_remove", summary="Remove a title from the list",
                   responses={204: None, **error_responses(401, 404)})
    def delete(self, request, profile_id: int, slug: str):
        profile = profile_of(request, profile_id)
        my_list_remove(profile=profile, title=get_object_or_404(Title, slug=slug))
        return Response(status=status.HTTP_204_NO_CONTENT)


class HistoryItemSerializer(serializers.Serializer):
    title = TitleSummarySerializer()
    video = serializers.UUIDField(source="video.public_id", help_text="Play it again with POST /playback/.")
    position = serializers.FloatField(help_text="Resume point, seconds.")
    duration = serializers.FloatField()
    percent = serializers.FloatField()
    completed = serializers.BooleanField(help_text="Watched to the end.")
    updated_at = serializers.DateTimeField(help_text="Last watched.")


class HistoryApi(ApiView):
    @extend_schema(tags=[TAG], operation_id="history_list", summary="Watch progress and history (latest first)",
                   parameters=[OpenApiParameter("completed", bool, description="Only watched (true) or "
                                                "unfinished (false) videos."), *PAGE_PARAMETERS],
                   responses={200: paginated(HistoryItemSerializer), **error_responses(400, 401, 404)})
    def get(self, request, profile_id: int):
        profile = profile_of(request, profile_id)
        completed = request.query_params.get("completed")
        flag = None if completed is None else serializers.BooleanField().to_internal_value(completed)
        items = selectors.history_items(profile=profile, country=country_of(request), completed=flag)
        return paginate(self, request, items, HistoryItemSerializer)
