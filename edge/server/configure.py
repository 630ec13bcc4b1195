"""From Django settings and command-line options to an EdgeConfig: the one
place the edge server reads the project's configuration."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from edge.server.origins import HttpOrigin, LocalOrigin, S3Origin
from edge.signing import signing_keys

_SIZE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*$", re.IGNORECASE)


def byte_size_parse(text: str | int) -> int:
    """``"512M"``, ``"2G"``, ``"1048576"`` -> bytes (binary multiples)."""
    if isinstance(text, int):
        return text
    match = _SIZE_RE.match(str(text))
    if not match:
        raise ValueError(f"Not a size: {text!r} (try 512M or 2G).")
    number, unit = match.groups()
    return int(float(number) * 1024 ** " kmgt".index(unit.lower() or " "))


def origin_from_spec(spec: str | None):
    """``http(s)://...`` an HTTP origin; ``s3`` or ``s3://bucket/prefix`` S3
    with the S3_* settings; a path a local folder; nothing: wherever default
    storage keeps the ladder (S3 when S3_BUCKET is set, else MEDIA_ROOT)."""
    default = cast(dict[str, Any], settings.STORAGES["default"])
    options = default.get("OPTIONS", {})
    is_s3 = default["BACKEND"].endswith("S3Storage")
    if not spec:
        if not is_s3:
            # This installation's own media folder: empty until the first
            # upload, which is no reason for an edge to refuse to start.
            media = Path(options.get("location") or settings.MEDIA_ROOT)
            media.mkdir(parents=True, exist_ok=True)
            return LocalOrigin(media)
        spec = "s3"
    if spec.startswith(("http://", "https://")):
        return HttpOrigin(spec)
    if spec == "s3" or spec.startswith("s3://"):
        bucket, prefix = options.get("bucket_name") or settings.S3_BUCKET, options.get("location", "")
        if spec.startswith("s3://"):
            bucket, _, prefix = spec[5:].partition("/")
        if not bucket:
            raise ImproperlyConfigured("An S3 origin needs S3_BUCKET (or --origin s3://bucket/prefix).")
        return S3Origin(
            bucket=bucket, prefix=prefix, endpoint_url=options.get("endpoint_url"),
            region_name=options.get("region_name"), access_key=options.get("access_key"),
            secret_key=options.get("secret_key"),
        )
    path = Path(spec).expanduser()
    if not path.is_dir():
        raise ImproperlyConfigured(f"The origin folder {path} does not exist.")
    return LocalOrigin(path)


def signing_keys_for_edge() -> dict[str, str]:
    return signing_keys()
