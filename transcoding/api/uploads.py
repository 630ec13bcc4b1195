"""Staff: upload a title's source, which then transcodes. S3: presigned
multipart, bytes never pass through Django. Local storage: resumable chunks.
The uploads themselves are the catalog's (catalog/services/uploads.py); the
answers name the transcode job that follows, so the views live here."""
from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import UnsupportedMediaType, ValidationError
from rest_framework.parsers import BaseParser
from rest_framework.response import Response

from catalog.models import Episode, SourceUpload, Title
from catalog.services import (
    source_upload_abort,
    source_upload_chunk_write,
    source_upload_complete,
    source_upload_create,
    source_upload_state,
)
from streaming.core.api.auth import IsStaff
from streaming.core.api.base import ApiView
from streaming.core.api.errors import error_responses
from streaming.core.errors import ApplicationError

from ..selectors import job_latest_for_video

TAG = "Staff"
CHUNK_TYPE = "application/offset+octet-stream"  # as tus clients send
CHUNK_TYPES = (CHUNK_TYPE, "application/octet-stream")


class PartSerializer(serializers.Serializer):
    number = serializers.IntegerField(help_text="S3 part number, from 1.")
    url = serializers.URLField(help_text="PUT exactly `size` bytes of the file here (no auth header); "
                                         "keep the ETag response header.")
    size = serializers.IntegerField(help_text="Bytes of this part: from (number-1)*part_size.")


class UploadSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    mode = serializers.ChoiceField(choices=SourceUpload.Mode.choices, help_text=(
        "`s3_multipart`: PUT each part to its URL in `parts`, then POST complete. `chunked`: PATCH this "
        "upload with chunks (Content-Type application/octet-stream, header Upload-Offset), then "
        "POST complete."))
    status = serializers.ChoiceField(choices=SourceUpload.Status.choices)
    title = serializers.SlugField(source="upload.title.slug")
    filename = serializers.CharField(source="upload.filename")
    size = serializers.IntegerField(source="upload.size", help_text="Declared bytes of the whole file.")
    part_size = serializers.IntegerField(source="upload.part_size",
                                         help_text="S3: bytes per part. Chunked: a good chunk size.")
    offset = serializers.IntegerField(help_text="Bytes received so far: resume from here.")
    key = serializers.CharField(source="upload.key", help_text="Storage name: sources/<video public id>/<file>.")
    parts = PartSerializer(many=True, help_text="S3: presigned URLs of the parts not yet uploaded.")
    urls_expire_at = serializers.DateTimeField(allow_null=True)
    video = serializers.UUIDField(allow_null=True, help_text="After complete: the new video's public id.")
    job = serializers.IntegerField(allow_null=True, help_text="After complete: its transcode job id.")


def upload_payload(upload: SourceUpload) -> dict:
    state = source_upload_state(upload=upload)
    video = upload.video
    job = job_latest_for_video(video=video) if video else None
    return {
        "id": upload.pk, "mode": upload.mode, "status": upload.status, "upload": upload, "offset": state.offset,
        "parts": state.parts, "urls_expire_at": state.url_expires_at,
        "video": video.public_id if video else None, "job": job.pk if job else None,
    }


class UploadCreateApi(ApiView):
    permission_classes = [IsStaff]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "UploadCreateInput"

        title = serializers.SlugRelatedField(slug_field="slug", queryset=Title.objects.all(),
                                             help_text="The title's slug.")
        episode = serializers.PrimaryKeyRelatedField(queryset=Episode.objects.all(), required=False,
                                                     allow_null=True, help_text="For a series: the episode id.")
        filename = serializers.CharField(max_length=255, help_text="e.g. film.mp4")
        size = serializers.IntegerField(min_value=1, max_value=5 * 1024**4, help_text="Bytes of the whole file.")
        part_size = serializers.IntegerField(min_value=1024 * 1024, max_value=5 * 1024**3, required=False,
                                             help_text="S3 part size wish (at least 5 MiB there).")

    @extend_schema(tags=[TAG], operation_id="staff_uploads_create", request=InputSerializer,
                   summary="Begin uploading a title's source (staff)",
                   description="The answer's `mode` says how to send the bytes; see UploadSerializer.",
                   responses={201: UploadSerializer, **error_responses(400, 401, 403, 502)})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = source_upload_create(user=request.user, **data.validated_data)
        return Response(UploadSerializer(upload_payload(upload)).data, status=status.HTTP_201_CREATED)


def _upload(upload_id) -> SourceUpload:
    return get_object_or_404(SourceUpload.objects.select_related("title", "video"), pk=upload_id)


class ChunkParser(BaseParser):
    """Declares the chunk media type; the view reads the body as a stream."""

    media_type = CHUNK_TYPE

    def parse(self, stream, media_type=None, parser_context=None):
        return stream


class UploadDetailApi(ApiView):
    permission_classes = [IsStaff]
    parser_classes = [ChunkParser]

    @extend_schema(tags=[TAG], operation_id="staff_uploads_retrieve",
                   summary="Upload state: the offset to resume from (also HEAD)",
                   description="HEAD answers the same headers without a body: Upload-Offset, Upload-Length.",
                   responses={200: UploadSerializer, **error_responses(401, 403, 404, 502)})
    def get(self, request, upload_id):
        payload = upload_payload(_upload(upload_id))
        response = Response(UploadSerializer(payload).data)
        response["Upload-Offset"] = str(payload["offset"])
        response["Upload-Length"] = str(payload["upload"].size)
        response["Cache-Control"] = "no-store"
        return response

    @extend_schema(tags=[TAG], operation_id="staff_uploads_chunk",
                   summary="Send a chunk (chunked mode)",
                   description="Body: raw bytes, Content-Type application/octet-stream (or tus's "
                               "application/offset+octet-stream); Upload-Offset "
                               "must equal the bytes received so far (else 409 `offset_mismatch` with "
                               "`extra.offset`). After a broken connection, GET/HEAD the upload and go on "
                               "from its offset. A Content-Length is required (411 `length_required` "
                               "for chunked transfer encoding).",
                   parameters=[OpenApiParameter("Upload-Offset", int, OpenApiParameter.HEADER, required=True,
                                                description="Byte offset of this chunk in the file.")],
                   request={"application/octet-stream": OpenApiTypes.BINARY},
                   responses={204: OpenApiResponse(description="Stored; the Upload-Offset header is the new offset."),
                              **error_responses(400, 401, 403, 404, 409, 411, 415)})
    def patch(self, request, upload_id):
        upload = _upload(upload_id)
        if request.content_type.split(";")[0].strip() not in CHUNK_TYPES:
            raise UnsupportedMediaType(request.content_type)
        if "chunked" in request.headers.get("Transfer-Encoding", "").lower() \
                or not request.headers.get("Content-Length", "").strip().isdigit():
            # Django reads exactly Content-Length bytes of a body: without it a chunk
            # would be stored as 0 bytes and answered 204 as if all went well.
            raise ApplicationError("Send each chunk with a Content-Length header; chunked transfer "
                                   "encoding is not accepted here.", code="length_required")
        try:
            offset = int(request.headers.get("Upload-Offset", ""))
        except ValueError as exc:
            raise ValidationError({"Upload-Offset": ["Send the chunk's byte offset as an integer."]}) from exc
        length = int(request.headers["Content-Length"])
        if offset < 0:
            raise ValidationError({"Upload-Offset": ["Must be 0 or more."]})
        new_offset = source_upload_chunk_write(upload=upload, offset=offset, stream=request._request,
                                               length=length)
        response = Response(status=status.HTTP_204_NO_CONTENT)
        response["Upload-Offset"] = str(new_offset)
        return response

    @extend_schema(tags=[TAG], operation_id="staff_uploads_abort", summary="Abandon an upload",
                   responses={204: None, **error_responses(401, 403, 404)})
    def delete(self, request, upload_id):
        source_upload_abort(upload=_upload(upload_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class PartDoneSerializer(serializers.Serializer):
    number = serializers.IntegerField(min_value=1, max_value=10000)
    etag = serializers.CharField(max_length=200)


class UploadCompleteApi(ApiView):
    permission_classes = [IsStaff]

    class InputSerializer(serializers.Serializer):
        class Meta:
            ref_name = "UploadCompleteInput"

        parts = PartDoneSerializer(many=True, required=False, help_text=(
            "S3, optional: [{number, etag}] as the PUTs answered; checked against the bucket. "
            "Without it the bucket's own list of parts is used."))

    @extend_schema(tags=[TAG], operation_id="staff_uploads_complete", request=InputSerializer,
                   summary="Finish an upload: make the Video and start its transcode",
                   description="409 `offset_mismatch` (with `extra.offset`) while bytes are missing. "
                               "Completing again answers the same video.",
                   responses={200: UploadSerializer, **error_responses(400, 401, 403, 404, 409, 502)})
    def post(self, request, upload_id):
        upload = _upload(upload_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = source_upload_complete(upload=upload, parts=data.validated_data.get("parts") or None)
        return Response(UploadSerializer(upload_payload(upload)).data)
