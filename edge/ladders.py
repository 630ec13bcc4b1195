"""The objects of a ladder in storage, with their sizes, for fill plans:
a folder walk on local storage, a listing on S3 (sizes come with it)."""
from __future__ import annotations

import os

from catalog.keys import ladder_prefix
from streaming.core.storage import local_path, s3_client_and_bucket, s3_key, storage_is_s3


def ladder_objects(*, video_public_id: object) -> list[tuple[str, int]]:
    """(storage key, bytes) of every object under the video's ladder prefix,
    by key; empty when there is none."""
    prefix = ladder_prefix(video_public_id)
    out: list[tuple[str, int]] = []
    if storage_is_s3():
        client, bucket = s3_client_and_bucket()
        full = s3_key(prefix) + "/"
        location = full[: len(full) - len(prefix) - 1]
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=full):
            for item in page.get("Contents", []):
                out.append((item["Key"][len(location):], int(item["Size"])))
    else:
        folder, root = local_path(prefix), local_path("")
        if folder is None or root is None or not folder.is_dir():
            return []
        for dirpath, _, files in os.walk(folder):
            for name in files:
                path = os.path.join(dirpath, name)
                out.append((os.path.relpath(path, root).replace(os.sep, "/"), os.path.getsize(path)))
    return sorted(out)
