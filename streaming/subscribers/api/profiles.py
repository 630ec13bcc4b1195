"""Profiles: up to five per account; a kids profile sees children's titles only."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from streaming.core.api.base import ApiView
from streaming.core.api.errors import error_responses

from .. import services
from ..models import Profile
from .common import profile_of

TAG = "Profiles"


class ProfileSerializer(serializers.ModelSerializer):
    class Meta:
        model = Profile
        fields = ["id", "name", "kids", "audio_language", "subtitle_language", "created_at"]
        extra_kwargs = {"id": {"help_text": "Pass as profile_id to the catalog, my list, history and playback."}}


class ProfileListApi(ApiView):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ProfileListInput"

        name = serializers.CharField(max_length=40)
        kids = serializers.BooleanField(default=False, help_text="Only titles rated for children (all, 7+).")

    @extend_schema(tags=[TAG], operation_id="profiles_list", summary="The account's profiles (at most 5)",
                   responses={200: ProfileSerializer(many=True), **error_responses(401)})
    def get(self, request):
        return Response(ProfileSerializer(Profile.objects.filter(user=request.user), many=True).data)

    @extend_schema(tags=[TAG], operation_id="profiles_create", request=InputSerializer,
                   summary="Add a profile",
                   description="409 `limit` past five profiles; 409 `taken` when the name is in use.",
                   responses={201: ProfileSerializer, **error_responses(400, 401, 409)})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        profile = services.profile_create(user=request.user, **data.validated_data)
        return Response(ProfileSerializer(profile).data, status=status.HTTP_201_CREATED)


class ProfileDetailApi(ApiView):
    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "ProfileDetailInput"

        name = serializers.CharField(max_length=40, required=False)
        kids = serializers.BooleanField(required=False)
        audio_language = serializers.CharField(max_length=35, required=False, allow_blank=True,
                                               help_text="BCP 47; blank: each title's original audio.")
        subtitle_language = serializers.CharField(max_length=35, required=False, allow_blank=True,
                                                  help_text="BCP 47; blank: subtitles off.")

    @extend_schema(tags=[TAG], operation_id="profiles_retrieve", summary="One profile",
                   responses={200: ProfileSerializer, **error_responses(401, 404)})
    def get(self, request, profile_id: int):
        return Response(ProfileSerializer(profile_of(request, profile_id)).data)

    @extend_schema(tags=[TAG], operation_id="profiles_update", request=InputSerializer,
                   summary="Rename a profile, change its kids setting or its preferred languages",
                   responses={200: ProfileSerializer, **error_responses(400, 401, 404, 409)})
    def patch(self, request, profile_id: int):
        profile = profile_of(request, profile_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        profile = services.profile_update(profile=profile, **data.validated_data)
        return Response(ProfileSerializer(profile).data)

    @extend_schema(tags=[TAG], operation_id="profiles_destroy", summary="Delete a profile",
                   description="409 `last_profile`: an account keeps at least one.",
                   responses={204: None, **error_responses(401, 404, 409)})
    def delete(self, request, profile_id: int):
        services.profile_delete(profile=profile_of(request, profile_id))
        return Response(status=status.HTTP_204_NO_CONTENT)
