"""Source uploads for staff apps, without the bytes held in a Django worker.

S3 storage: presigned multipart upload. The client PUTs each part straight to
the bucket with the URLs given here, then asks us to complete: we complete
the multipart upload and create the Video pointing at the object.
Local storage: resumable chunks (tus-like). The client PATCHes chunks at byte
offsets; they stream to a temporary file; after an interruption it asks the
offset and goes on from there; completing hands the file to video_create."""
from __future__ import annotations

import fcntl
import logging
import math
import os
import posixpath
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.text import get_valid_filename

from streaming.core.errors import ApplicationError
from streaming.core.storage import s3_client_and_bucket, s3_key, storage_is_s3

from ..keys import source_key
from ..models import Episode, SourceUpload, Title
from .videos import video_create, video_create_from_storage

logger = logging.getLogger(__name__)

S3_MIN_PART = 5 * 1024 * 1024
S3_MAX_PARTS = 10_000
COPY_CHUNK = 1024 * 1024


def temp_path(upload: SourceUpload) -> Path:
    folder = Path(settings.API_UPLOAD_TEMP_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{upload.pk}.part"


@dataclass(frozen=True)
class PartUrl:
    number: int
    url: str
    size: int


@dataclass(frozen=True)
class UploadState:
    upload: SourceUpload
    offset: int
    parts: list[PartUrl]
    url_expires_at: object


def filename_check(filename: str) -> str:
    """The file name as stored: its last path part, made safe; refused when
    nothing usable is left ("..", "/", "...")."""
    try:
        name = get_valid_filename(posixpath.basename(filename.replace("\\", "/")))
    except SuspiciousFileOperation:
        name = ""
    if not name or set(name) <= {"."}:
        raise ApplicationError("Choose a file name with letters or digits, e.g. film.mp4.", code="invalid",
                               extra={"field": "filename"})
    return name


def source_upload_create(*, user, title: Title, filename: str, size: int, episode: Episode | None = None,
                         part_size: int | None = None) -> SourceUpload:
    filename = filename_check(filename)
    if episode is not None and episode.season.title_id != title.pk:
        raise ApplicationError("That episode belongs to another title.", code="episode_mismatch",
                               extra={"field": "episode"})
    if size > settings.API_UPLOAD_MAX_BYTES:
        raise ApplicationError(f"Sources are limited to {settings.API_UPLOAD_MAX_BYTES} bytes.", code="too_large",
                               extra={"field": "size"})
    upload = SourceUpload(created_by=user, title=title, episode=episode, filename=filename[:255], size=size)
    upload.key = source_key(upload.video_public_id, filename)
    if storage_is_s3():
        upload.mode = SourceUpload.Mode.S3
        part = max(S3_MIN_PART, part_size or settings.API_UPLOAD_PART_SIZE, math.ceil(size / S3_MAX_PARTS))
        upload.part_size = part
        client, bucket = s3_client_and_bucket()
        try:
            answer = client.create_multipart_upload(Bucket=bucket, Key=s3_key(upload.key),
                                                    ContentType="application/octet-stream")
        except Exception as exc:  # botocore errors: the store is down or refuses
            logger.exception("create_multipart_upload failed")
            raise ApplicationError("Object storage refused the upload; try again later.",
                                   code="storage_error") from exc
        upload.s3_upload_id = answer["UploadId"]
    else:
        upload.mode = SourceUpload.Mode.CHUNKED
        upload.part_size = part_size or settings.API_UPLOAD_PART_SIZE
        upload.save()
        temp_path(upload).touch()
        return upload
    upload.save()
    return upload


def _s3_uploaded_parts(upload: SourceUpload) -> list[dict]:
    client, bucket = s3_client_and_bucket()
    parts, marker = [], 0
    while True:
        answer = client.list_parts(Bucket=bucket, Key=s3_key(upload.key), UploadId=upload.s3_upload_id,
                                   PartNumberMarker=marker)
        parts += answer.get("Parts", [])
        if not answer.get("IsTruncated"):
            return parts
        marker = answer["NextPartNumberMarker"]


def source_upload_state(*, upload: SourceUpload) -> UploadState:
    """Bytes received so far, and (S3) fresh presigned URLs of the parts still missing."""
    if upload.status != SourceUpload.Status.OPEN:
        return UploadState(upload=upload, offset=upload.size if upload.status == "complete" else 0, parts=[],
                           url_expires_at=None)
    if upload.mode == SourceUpload.Mode.CHUNKED:
        path = temp_path(upload)
        return UploadState(upload=upload, offset=path.stat().st_size if path.exists() else 0, parts=[],
                           url_expires_at=None)
    client, bucket = s3_client_and_bucket()
    try:
        done = {p["PartNumber"]: p["Size"] for p in _s3_uploaded_parts(upload)}
    except Exception as exc:
        raise ApplicationError("Object storage did not answer; try again.", code="storage_error") from exc
    count = max(1, math.ceil(upload.size / upload.part_size))
    ttl = settings.API_UPLOAD_URL_TTL
    parts = []
    for number in range(1, count + 1):
        if number in done:
            continue
        size = min(upload.part_size, upload.size - (number - 1) * upload.part_size)
        url = client.generate_presigned_url(
            "upload_part", ExpiresIn=ttl,
            Params={"Bucket": bucket, "Key": s3_key(upload.key), "UploadId": upload.s3_upload_id,
                    "PartNumber": number})
        parts.append(PartUrl(number=number, url=url, size=size))
    return UploadState(upload=upload, offset=sum(done.values()), parts=parts,
                       url_expires_at=timezone.now() + timedelta(seconds=ttl))


def source_upload_chunk_write(*, upload: SourceUpload, offset: int, stream, length: int) -> int:
    """Append ``length`` bytes read from ``stream`` at ``offset`` (which must be
    the bytes received so far). Returns the new offset. Bytes that arrived
    before a broken connection are kept: the client resumes after them."""
    if upload.mode != SourceUpload.Mode.CHUNKED:
        raise ApplicationError("This upload goes to S3 with presigned URLs, not in chunks here.",
                               code="wrong_mode")
    if upload.status != SourceUpload.Status.OPEN:
        raise ApplicationError(f"This upload is {upload.status}.", code="upload_closed")
    path = temp_path(upload)
    with path.open("r+b" if path.exists() else "w+b") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)  # one writer at a time per upload
        current = os.fstat(fh.fileno()).st_size
        if offset != current:
            raise ApplicationError(f"Upload-Offset is {offset} but {current} bytes were received; "
                                   "send from there.", code="offset_mismatch", extra={"offset": current})
        if current + length > upload.size:
            raise ApplicationError(f"The chunk goes past the declared size ({upload.size} bytes).",
                                   code="too_large", extra={"offset": current})
        fh.seek(current)
        remaining = length
        while remaining > 0:
            block = stream.read(min(COPY_CHUNK, remaining))
            if not block:
                break  # the client went away; keep what arrived
            fh.write(block)
            remaining -= len(block)
        fh.flush()
        return fh.tell()


def source_upload_complete(*, upload: SourceUpload, parts: list[dict] | None = None) -> SourceUpload:
    """All bytes are in: make the Video (which starts its transcode).
    Completing twice answers the same Video."""
    with transaction.atomic():
        upload = (SourceUpload.objects.select_for_update(of=("self",)).select_related("title", "episode")
                  .get(pk=upload.pk))
        if upload.status == SourceUpload.Status.COMPLETE:
            return upload
        if upload.status != SourceUpload.Status.OPEN:
            raise ApplicationError(f"This upload is {upload.status}.", code="upload_closed")
        if upload.mode == SourceUpload.Mode.CHUNKED:
            path = temp_path(upload)
            received = path.stat().st_size if path.exists() else 0
            if received != upload.size:
                raise ApplicationError(f"{received} of {upload.size} bytes received; send the rest first.",
                                       code="offset_mismatch", extra={"offset": received})
            with path.open("rb") as fh:
                # Under the key the upload named: sources/<the video's public id>/<file>.
                video = video_create(title=upload.title, episode=upload.episode,
                                     source=File(fh, name=upload.filename), public_id=upload.video_public_id)
            upload.key = video.source.name or upload.key
        else:
            client, bucket = s3_client_and_bucket()
            try:
                listed = _s3_uploaded_parts(upload)
            except Exception as exc:
                raise ApplicationError("Object storage did not answer; try again.", code="storage_error") from exc
            received = sum(p["Size"] for p in listed)
            if received != upload.size:
                raise ApplicationError(f"{received} of {upload.size} bytes are in the bucket; upload the "
                                       "missing parts first.", code="offset_mismatch", extra={"offset": received})
            etags = {p["PartNumber"]: p["ETag"] for p in listed}
            for part in parts or []:  # what the client saw must match what the store has
                if etags.get(part["number"], "").strip('"') != str(part["etag"]).strip('"'):
                    raise ApplicationError(f"Part {part['number']} does not match the bucket's copy; "
                                           "upload it again.", code="part_mismatch")
            try:
                client.complete_multipart_upload(
                    Bucket=bucket, Key=s3_key(upload.key), UploadId=upload.s3_upload_id,
                    MultipartUpload={"Parts": [{"PartNumber": n, "ETag": e} for n, e in sorted(etags.items())]})
            except Exception as exc:
                logger.exception("complete_multipart_upload failed")
                raise ApplicationError("Object storage refused to complete the upload.",
                                       code="storage_error") from exc
            video = video_create_from_storage(title=upload.title, episode=upload.episode, name=upload.key,
                                              source_name=upload.filename, public_id=upload.video_public_id)
        upload.status = SourceUpload.Status.COMPLETE
        upload.completed_at = timezone.now()
        upload.video = video
        upload.save(update_fields=["status", "completed_at", "video", "key"])
    if upload.mode == SourceUpload.Mode.CHUNKED:
        temp_path(upload).unlink(missing_ok=True)
    return upload


def source_upload_abort(*, upload: SourceUpload) -> None:
    if upload.status != SourceUpload.Status.OPEN:
        return
    if upload.mode == SourceUpload.Mode.CHUNKED:
        temp_path(upload).unlink(missing_ok=True)
    else:
        client, bucket = s3_client_and_bucket()
        try:
            client.abort_multipart_upload(Bucket=bucket, Key=s3_key(upload.key), UploadId=upload.s3_upload_id)
        except Exception:
            logger.warning("abort_multipart_upload failed for %s", upload.pk, exc_info=True)
    SourceUpload.objects.filter(pk=upload.pk).update(status=SourceUpload.Status.ABORTED)


def source_uploads_expire(*, older_than: float | None = None) -> list[str]:
    """Abandon uploads nothing was received for in ``older_than`` seconds
    (API_UPLOAD_EXPIRY_SECONDS): their .part file (chunked) or multipart
    upload (S3) is removed and they are marked aborted; a .part file with no
    open upload behind it goes too. Run at every worker's start and hourly
    by the reconciler, or by ``manage.py uploads_expire`` from cron.
    Returns the ids of the uploads abandoned."""
    older_than = settings.API_UPLOAD_EXPIRY_SECONDS if older_than is None else older_than
    now = time.time()
    cutoff = timezone.now() - timedelta(seconds=older_than)
    expired = []
    for upload in SourceUpload.objects.filter(status=SourceUpload.Status.OPEN, created_at__lt=cutoff):
        if upload.mode == SourceUpload.Mode.CHUNKED:
            path = temp_path(upload)
            last = path.stat().st_mtime if path.exists() else 0.0
            if now - last < older_than:
                continue  # bytes arrived lately: still in progress
        source_upload_abort(upload=upload)
        expired.append(str(upload.pk))
    folder = Path(settings.API_UPLOAD_TEMP_DIR)
    open_ids = {str(pk) for pk in SourceUpload.objects.filter(status=SourceUpload.Status.OPEN)
                .values_list("pk", flat=True)}
    for part in folder.glob("*.part") if folder.is_dir() else []:
        if part.stem not in open_ids and now - part.stat().st_mtime > older_than:
            part.unlink(missing_ok=True)
    if expired:
        logger.info("abandoned uploads expired: %s", expired)
    return expired
