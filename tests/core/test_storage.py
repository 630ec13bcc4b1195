"""streaming.core.storage: a key written again is replaced in place, never
missing in between (manifests are rewritten while edges and players read
them), on local storage and on S3."""
from __future__ import annotations

import threading

import pytest
from django.core.files.storage import default_storage

from streaming.core import storage


def _reader_sees_a_gap(key: str, writes: int, write) -> list[str]:
    """Rewrite ``key`` ``writes`` times while another thread keeps reading it;
    what the reader saw go wrong (a missing object, an empty or torn body)."""
    seen: list[str] = []
    stop = threading.Event()

    def read():
        while not stop.is_set():
            try:
                with default_storage.open(key, "rb") as fh:
                    body = fh.read()
            except FileNotFoundError:
                seen.append("missing")
                continue
            except Exception as exc:  # S3: botocore's 404 as ClientError, or OSError
                seen.append(type(exc).__name__)
                continue
            if body not in (b"A" * 4096, b"B" * 4096):
                seen.append(f"torn ({len(body)} bytes)")

    thread = threading.Thread(target=read)
    thread.start()
    try:
        for n in range(writes):
            write(key, (b"A" if n % 2 else b"B") * 4096)
    finally:
        stop.set()
        thread.join()
    return seen


def test_a_rewritten_local_key_is_never_missing_and_leaves_no_part_file(settings, tmp_path, local_storage):
    storage.put_bytes("hls/x/manifest.mpd", b"B" * 4096)
    assert _reader_sees_a_gap("hls/x/manifest.mpd", 300, storage.put_bytes) == []
    source = tmp_path / "new.mpd"
    source.write_bytes(b"A" * 4096)
    assert storage.put("hls/x/manifest.mpd", source) == "hls/x/manifest.mpd"
    assert default_storage.open("hls/x/manifest.mpd").read() == b"A" * 4096
    assert sorted(p.name for p in (local_storage / "hls" / "x").iterdir()) == ["manifest.mpd"]


def test_a_rewritten_s3_key_is_replaced_by_one_put(s3_storage):
    client, bucket = s3_storage
    storage.put_bytes("hls/x/index.m3u8", b"B" * 4096)
    assert _reader_sees_a_gap("hls/x/index.m3u8", 40, storage.put_bytes) == []
    listed = client.list_objects_v2(Bucket=bucket, Prefix="hls/x/")["Contents"]
    assert [o["Key"] for o in listed] == ["hls/x/index.m3u8"]


@pytest.mark.parametrize("name", ["seg_00001.m4s", "sub/dir/index.m3u8"])
def test_put_creates_folders_and_returns_the_exact_key(local_storage, tmp_path, name):
    source = tmp_path / "f"
    source.write_bytes(b"data")
    assert storage.put(f"hls/y/{name}", source) == f"hls/y/{name}"
    assert (local_storage / "hls" / "y" / name).read_bytes() == b"data"
