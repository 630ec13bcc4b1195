"""Staff: a video's state, its transcode job's progress, retry."""
from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response

from catalog.models import Video
from streaming.core.api.auth import IsStaff
from streaming.core.api.base import ApiView
from streaming.core.api.errors import error_responses

from .. import selectors, services
from ..models import Codec, CodecLadder, TranscodeJob

TAG = "Staff"


class ChunkProgressSerializer(serializers.Serializer):
    # "label" is the API's key; DRF's metaclass moves declared fields off the class,
    # so it does not shadow Field.label at run time.
    label = serializers.CharField()  # type: ignore[assignment]
    codec = serializers.CharField(allow_blank=True, help_text="h264, av1 or hevc; blank for the audio.")
    status = serializers.CharField()
    progress = serializers.FloatField(help_text="Percent, 0-100.")
    attempts = serializers.IntegerField()
    worker = serializers.CharField(allow_blank=True, help_text="host:pid of the last worker.")


class LadderProgressSerializer(serializers.Serializer):
    codec = serializers.ChoiceField(choices=Codec.choices)
    status = serializers.ChoiceField(choices=CodecLadder.Status.choices)
    progress = serializers.FloatField(help_text="Percent, 0-100, of this codec's ladder.")
    error = serializers.CharField(allow_blank=True, help_text="Why this codec failed (the others still ship).")
    rungs = serializers.ListField(child=serializers.CharField(), help_text="Planned rung folders, tallest first.")


class JobProgressSerializer(serializers.Serializer):
    job_id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=TranscodeJob.Status.choices)
    progress = serializers.FloatField(help_text="Percent, 0-100, over the whole job (every codec).")
    error = serializers.CharField(allow_blank=True, help_text="Why it failed, in plain words.")
    playable = serializers.BooleanField(help_text="The H.264 ladder is merged: the title plays.")
    master_key = serializers.CharField(allow_blank=True, help_text=(
        "Storage name of the stored master playlist, over the codecs merged so far (manifest.mpd beside it)."))
    ladders = LadderProgressSerializer(many=True, help_text="One per codec: H.264 first, then AV1, HEVC.")
    chunks = ChunkProgressSerializer(many=True)


class VideoStateSerializer(serializers.Serializer):
    public_id = serializers.UUIDField()
    title = serializers.SlugField(source="title.slug")
    status = serializers.ChoiceField(choices=Video.Status.choices)
    error = serializers.CharField(allow_blank=True)
    source_name = serializers.CharField(allow_blank=True)
    source_size = serializers.IntegerField(allow_null=True)
    source_sha256 = serializers.CharField(allow_blank=True)
    duration = serializers.FloatField(allow_null=True)
    width = serializers.IntegerField(allow_null=True)
    height = serializers.IntegerField(allow_null=True)
    job = serializers.SerializerMethodField(help_text="The latest transcode job, if any.")

    @extend_schema_field(JobProgressSerializer(allow_null=True))
    def get_job(self, video) -> dict | None:
        job = selectors.job_latest_for_video(video=video)
        return JobProgressSerializer(selectors.job_progress(job_id=job.pk)).data if job else None


class VideoStateApi(ApiView):
    permission_classes = [IsStaff]

    @extend_schema(tags=[TAG], operation_id="staff_videos_retrieve", summary="A video and its latest job (staff)",
                   responses={200: VideoStateSerializer, **error_responses(401, 403, 404)})
    def get(self, request, public_id):
        video = get_object_or_404(Video.objects.select_related("title"), public_id=public_id)
        return Response(VideoStateSerializer(video).data)


class JobDetailApi(ApiView):
    permission_classes = [IsStaff]

    @extend_schema(tags=[TAG], operation_id="staff_jobs_retrieve", summary="Transcode progress (staff)",
                   responses={200: JobProgressSerializer, **error_responses(401, 403, 404)})
    def get(self, request, job_id: int):
        job = get_object_or_404(TranscodeJob, pk=job_id)
        return Response(JobProgressSerializer(selectors.job_progress(job_id=job.pk)).data)


class JobRetryApi(ApiView):
    permission_classes = [IsStaff]

    @extend_schema(tags=[TAG], operation_id="staff_jobs_retry", request=None,
                   summary="Retry a failed or cancelled job, or a failed codec (staff)",
                   description="Redoes only what is missing: a done job whose AV1 or HEVC ladder failed redoes "
                               "that codec's chunks alone. A job in any other state: 400.",
                   responses={202: JobProgressSerializer, **error_responses(400, 401, 403, 404, 409)})
    def post(self, request, job_id: int):
        job = services.job_retry(job=get_object_or_404(TranscodeJob, pk=job_id))
        return Response(JobProgressSerializer(selectors.job_progress(job_id=job.pk)).data,
                        status=status.HTTP_202_ACCEPTED)
