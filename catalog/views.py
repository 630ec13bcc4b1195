"""The catalog's one page of its own: artwork files, cacheable for good
(their names change with the picture)."""
from __future__ import annotations

import re

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_GET

from .keys import ARTWORK_ROOT

# Only the resized widths artwork_save writes: "<title id>/<kind>-<hash>-<width>.jpg".
SERVED = re.compile(r"^\d+/(poster|backdrop)-[0-9a-f]{12}-\d+\.jpg$")


@require_GET
def artwork_file(request: HttpRequest, key: str) -> FileResponse:
    if not SERVED.match(key):
        raise Http404("No such artwork.")
    try:
        fh = default_storage.open(f"{ARTWORK_ROOT}/{key}", "rb")
    except Exception as exc:  # missing locally, or the bucket's error: the same answer
        raise Http404("No such artwork.") from exc
    response = FileResponse(fh, content_type="image/jpeg")
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
