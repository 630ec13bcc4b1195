"""The storage client: moving files between local folders and default
storage (local files, or S3 through django-storages), whatever it is.

Keys are deterministic: writing a key twice replaces it, so a redelivered
message overwrites its own output instead of adding a copy."""
from __future__ import annotations

import mimetypes
import os
import posixpath
import shutil
import threading
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from storages.utils import clean_name

mimetypes.add_type("application/vnd.apple.mpegurl", ".m3u8")
mimetypes.add_type("video/iso.segment", ".m4s")
mimetypes.add_type("video/mp4", ".mp4")
mimetypes.add_type("text/vtt", ".vtt")
mimetypes.add_type("video/mp2t", ".ts")
mimetypes.add_type("application/dash+xml", ".mpd")

COPY_CHUNK = 4 * 1024 * 1024


def _s3_storage() -> Any:
    """Default storage as django-storages' S3Storage (callers checked storage_is_s3)."""
    return default_storage


def storage_is_s3() -> bool:
    return hasattr(default_storage, "bucket_name") and hasattr(default_storage, "connection")


def s3_client_and_bucket() -> tuple[Any, str]:
    """boto3's client and the bucket name behind default storage (S3 only)."""
    storage = _s3_storage()
    return storage.connection.meta.client, storage.bucket_name


def s3_key(name: str) -> str:
    """The bucket key of a storage name (with S3_PREFIX applied)."""
    return _s3_storage()._normalize_name(clean_name(name))


def local_path(name: str) -> Path | None:
    """The file behind a storage name on local storage; None on S3."""
    try:
        return Path(default_storage.path(name))
    except NotImplementedError:
        return None


def head(key: str, length: int = 512) -> tuple[bytes, int]:
    """The first bytes and the size of a stored object (ranged read on S3)."""
    size = default_storage.size(key)
    with default_storage.open(key, "rb") as fh:
        return (fh.read(length) if size else b""), size


def _replace(key: str, content: File) -> str:
    """Store under exactly ``key``, replacing what was there, and never leave
    a moment without it: a manifest rewritten while an edge or a player asks
    for it is the old one or the new one, never a 404. Local storage writes a
    hidden part file beside it and renames it over (atomic on POSIX); S3
    replaces an object by a PUT (``file_overwrite``); any other storage
    deletes, then saves."""
    local = local_path(key)
    if local is not None:
        local.parent.mkdir(parents=True, exist_ok=True)
        part = local.with_name(f".{local.name}.{os.getpid()}-{threading.get_ident()}.part")
        try:
            with part.open("wb") as dst:
                for chunk in content.chunks(COPY_CHUNK):
                    dst.write(chunk)
            if settings.FILE_UPLOAD_PERMISSIONS is not None:
                os.chmod(part, settings.FILE_UPLOAD_PERMISSIONS)
            os.replace(part, local)
        finally:
            part.unlink(missing_ok=True)
        return key
    if not getattr(default_storage, "file_overwrite", False) and default_storage.exists(key):
        default_storage.delete(key)
    stored = default_storage.save(key, content)
    if stored != key:  # pragma: no cover - storage renamed it: a bug, not a user error
        raise RuntimeError(f"storage stored {key!r} as {stored!r}")
    return stored


def put(key: str, path: Path) -> str:
    """Store a local file under exactly ``key``, replacing what was there."""
    with path.open("rb") as fh:
        return _replace(key, File(fh, name=path.name))


def put_bytes(key: str, data: bytes) -> str:
    """Store ``data`` under exactly ``key``, replacing what was there."""
    return _replace(key, ContentFile(data, name=posixpath.basename(key)))


def put_tree(prefix: str, folder: Path) -> list[str]:
    return [put(f"{prefix}/{p.relative_to(folder).as_posix()}", p) for p in sorted(folder.rglob("*")) if p.is_file()]


def get(key: str, path: Path) -> Path:
    """Copy a stored object to a local file in chunks (never whole in memory)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with default_storage.open(key, "rb") as src, path.open("wb") as dst:
        shutil.copyfileobj(src, dst, COPY_CHUNK)
    return path


def append(key: str, dst: IO[bytes]) -> None:
    with default_storage.open(key, "rb") as src:
        shutil.copyfileobj(src, dst, COPY_CHUNK)


def delete_prefix(prefix: str) -> int:
    """Remove every object under a prefix (intermediate files)."""
    removed = 0
    stack = [prefix]
    while stack:
        folder = stack.pop()
        try:
            dirs, files = default_storage.listdir(folder)
        except FileNotFoundError:
            continue
        for name in files:
            default_storage.delete(f"{folder}/{name}")
            removed += 1
        stack.extend(f"{folder}/{d}" for d in dirs)
    return removed


def delete(key: str) -> None:
    """Remove one object if it is there."""
    if default_storage.exists(key):
        default_storage.delete(key)
