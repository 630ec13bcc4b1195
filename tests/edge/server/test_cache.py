"""The edge's LRU disk cache."""
from __future__ import annotations

from edge.server import DiskCache


def test_lru_keeps_what_is_used(tmp_path):
    cache = DiskCache(tmp_path / "c", 300)
    for name in "abc":
        tmp = cache.tmp_path()
        tmp.write_bytes(b"x" * 100)
        cache.admit(name, tmp)
    assert cache.get("a") is not None  # a is now the most recent
    tmp = cache.tmp_path()
    tmp.write_bytes(b"y" * 100)
    cache.admit("d", tmp)
    assert cache.get("b") is None and cache.get("a") is not None and cache.bytes == 300
    # a restart re-reads what is on disk
    assert DiskCache(tmp_path / "c", 300).bytes == 300
    # an object larger than the whole cache is not admitted
    tmp = cache.tmp_path()
    tmp.write_bytes(b"z" * 301)
    assert cache.admit("big", tmp) is None
