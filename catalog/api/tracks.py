"""A video's text and audio tracks, for staff: list them, upload subtitles
(SRT or WebVTT) or a dub, replace (``replace=true``) or remove a track.
Viewers get the playable tracks in their session's manifests and payload."""
from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from streaming.core.api.auth import IsStaff
from streaming.core.api.base import ApiView
from streaming.core.api.errors import error_responses
from streaming.core.errors import ApplicationError

from .. import services
from ..models import AudioTrack, TextTrack, Video

MAX_SUBTITLE_UPLOAD = 5 * 1024 * 1024


class TextTrackSerializer(serializers.ModelSerializer):
    label = serializers.CharField(source="display_label")  # type: ignore[assignment]

    class Meta:
        model = TextTrack
        fields = ["id", "language", "kind", "source", "label", "status", "error", "warnings", "cue_count",
                  "source_name", "codec_name", "stream_index", "revision", "updated_at"]


class AudioTrackSerializer(serializers.ModelSerializer):
    label = serializers.CharField(source="display_label")  # type: ignore[assignment]

    class Meta:
        model = AudioTrack
        fields = ["id", "language", "name", "label", "source", "stream_index", "described_video", "channels",
                  "codec_name", "status", "error", "position"]


class TracksSerializer(serializers.Serializer):
    audio = AudioTrackSerializer(many=True)
    text = TextTrackSerializer(many=True)


def _video(public_id) -> Video:
    return get_object_or_404(Video, public_id=public_id)


def _tracks(video: Video) -> dict:
    return TracksSerializer({"audio": video.audio_tracks.all(), "text": video.text_tracks.all()}).data


class StaffVideoTracksApi(ApiView):
    permission_classes = [IsStaff]
    parser_classes = [MultiPartParser, FormParser]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "StaffTextTrackUploadInput"

        file = serializers.FileField(allow_empty_file=True,
                                     help_text="SRT or WebVTT, any common encoding; up to 5 MiB.")
        language = serializers.CharField(max_length=35, help_text="BCP 47: en, pt-BR, es-419.")
        kind = serializers.ChoiceField(choices=TextTrack.Kind.choices, default=TextTrack.Kind.SUBTITLES)
        label = serializers.CharField(  # type: ignore[assignment]
            max_length=100, required=False, default="", allow_blank=True)
        replace = serializers.BooleanField(default=False, help_text="Replace the track in that language and "
                                                                    "kind if there is one (else 409).")

    @extend_schema(tags=["Staff"], operation_id="staff_video_tracks_list", summary="A video's tracks (staff)",
                   responses={200: TracksSerializer, **error_responses(401, 403, 404)})
    def get(self, request, public_id):
        return Response(_tracks(_video(public_id)))

    @extend_schema(tags=["Staff"], operation_id="staff_video_text_track_upload", request=InputSerializer,
                   summary="Upload subtitles or captions (staff)",
                   responses={201: TextTrackSerializer, **error_responses(400, 401, 403, 404, 409)})
    def post(self, request, public_id):
        video = _video(public_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        upload = v["file"]
        if upload.size > MAX_SUBTITLE_UPLOAD:
            raise ApplicationError("The file is over the 5 MiB limit for subtitles; check that it is a "
                                   "subtitle file.", code="bad_subtitles", extra={"field": "file"})
        track = services.text_track_upload(video=video, data=upload.read(), filename=upload.name,
                                           language=v["language"], kind=v["kind"], label=v["label"],
                                           replace=v["replace"])
        return Response(TextTrackSerializer(track).data, status=status.HTTP_201_CREATED)


class StaffVideoTextTrackApi(ApiView):
    permission_classes = [IsStaff]

    @extend_schema(tags=["Staff"], operation_id="staff_video_text_track_delete", summary="Remove a text track",
                   responses={204: None, **error_responses(401, 403, 404)})
    def delete(self, request, public_id, track_id):
        track = get_object_or_404(TextTrack, pk=track_id, video__public_id=public_id)
        services.text_track_delete(track=track)
        return Response(status=status.HTTP_204_NO_CONTENT)


class StaffVideoAudioTrackApi(ApiView):
    permission_classes = [IsStaff]
    parser_classes = [MultiPartParser, FormParser]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "StaffAudioTrackUploadInput"

        file = serializers.FileField(help_text="The dub's audio (WAV, FLAC, AAC, MP3...), as long as the video.")
        language = serializers.CharField(max_length=35)
        name = serializers.CharField(max_length=100, required=False, default="", allow_blank=True)
        described_video = serializers.BooleanField(default=False)
        replace = serializers.BooleanField(default=False)

    @extend_schema(tags=["Staff"], operation_id="staff_video_audio_track_upload", request=InputSerializer,
                   summary="Upload a dub (staff); encoded by the video's next transcode",
                   responses={201: AudioTrackSerializer, **error_responses(400, 401, 403, 404, 409)})
    def post(self, request, public_id):
        video = _video(public_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        track = services.audio_track_upload(video=video, file=v["file"], language=v["language"], name=v["name"],
                                            described_video=v["described_video"], replace=v["replace"])
        return Response(AudioTrackSerializer(track).data, status=status.HTTP_201_CREATED)
