"""Django as the origin pathway: ``/edge/origin/t/<token>/hls/...`` streams
the key from default storage after the same token check an edge does.

The last pathway of every session, so playback goes on when every edge is
down. Local storage answers through FileResponse over the open file (ranges
by seeking); S3 streams the object with the Range passed on to S3, never
reading a whole segment into memory."""
from __future__ import annotations

import os
import posixpath
from collections.abc import Iterator

from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase

from edge.media_types import media_type_for
from edge.ranges import RangeNotSatisfiable, byte_range_parse

CHUNK = 256 * 1024


def cors_headers_add(response: HttpResponseBase, *, request_origin: str | None) -> HttpResponseBase:
    """CORS for the web player (EDGE_CORS_ORIGINS, or * by default)."""
    allowed = settings.EDGE_CORS_ORIGINS
    if "*" in allowed:
        response["Access-Control-Allow-Origin"] = "*"
    elif request_origin and request_origin in allowed:
        response["Access-Control-Allow-Origin"] = request_origin
        response["Vary"] = "Origin"
    response["Access-Control-Expose-Headers"] = "Content-Length, Content-Range, X-Cache-Status, X-Edge-Node"
    response["Timing-Allow-Origin"] = "*"
    return response


def _file_chunks(handle, first: int, length: int) -> Iterator[bytes]:
    try:
        handle.seek(first)
        remaining = length
        while remaining > 0:
            data = handle.read(min(CHUNK, remaining))
            if not data:
                break
            remaining -= len(data)
            yield data
    finally:
        handle.close()


def _s3_object(storage, key: str):
    name = posixpath.join(storage.location, key) if storage.location else key
    return storage.bucket.Object(name)


def origin_response(*, key: str, range_header: str | None, head: bool = False) -> HttpResponseBase:
    """The stored object ``key`` (``hls/<id>/...``) as an HTTP answer, with
    single-range support; 404 when storage does not hold it."""
    storage = default_storage
    response: HttpResponseBase
    content_type = media_type_for(key)
    is_local = isinstance(storage, FileSystemStorage)
    try:
        if is_local:
            # A folder has a size too, then fails to open (a 500): only files are objects.
            if not os.path.isfile(storage.path(key)):
                raise FileNotFoundError(key)
            size = storage.size(key)
        else:
            s3_object = _s3_object(storage, key)
            size = s3_object.content_length
    except (FileNotFoundError, OSError, ValueError):  # ValueError: a NUL, were one to get this far
        return HttpResponse("Not found.\n", status=404, content_type="text/plain")
    except Exception as exc:  # botocore's ClientError for a missing key
        if getattr(exc, "response", {}).get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
            return HttpResponse("Not found.\n", status=404, content_type="text/plain")
        raise
    try:
        byte_range = byte_range_parse(range_header, size)
    except RangeNotSatisfiable:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return response
    first, last = byte_range if byte_range else (0, size - 1)
    length = max(last - first + 1, 0)
    if head:
        response = HttpResponse(status=206 if byte_range else 200, content_type=content_type)
    elif is_local:
        handle = storage.open(key, "rb")
        if byte_range:
            response = StreamingHttpResponse(_file_chunks(handle, first, length), status=206,
                                             content_type=content_type)
        else:
            response = FileResponse(handle, content_type=content_type)
    else:
        kwargs = {"Range": f"bytes={first}-{last}"} if byte_range else {}
        body = _s3_object(storage, key).get(**kwargs)["Body"]
        response = StreamingHttpResponse(body.iter_chunks(CHUNK), status=206 if byte_range else 200,
                                         content_type=content_type)
    response["Content-Length"] = str(length)
    response["Accept-Ranges"] = "bytes"
    if byte_range:
        response["Content-Range"] = f"bytes {first}-{last}/{size}"
    response["Cache-Control"] = "private, max-age=3600"
    return response
