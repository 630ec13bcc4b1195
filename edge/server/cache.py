"""A disk cache with a byte cap and least-recently-used eviction.

Objects live under ``objects/`` named by the SHA-256 of their key (keys are
storage keys with slashes; hashing keeps directories flat and names safe).
Fills are written under ``tmp/`` and renamed into place, so a reader never
sees half an object. The LRU order is kept in memory; on restart the files
already on disk are re-admitted oldest first by modification time."""
from __future__ import annotations

import hashlib
import os
import uuid
from collections import OrderedDict
from pathlib import Path


class DiskCache:
    def __init__(self, root: Path | str, max_bytes: int):
        if max_bytes <= 0:
            raise ValueError("The cache needs a positive byte cap.")
        self.root = Path(root)
        self.max_bytes = int(max_bytes)
        self.objects_dir = self.root / "objects"
        self.tmp_dir = self.root / "tmp"
        self.objects_dir.mkdir(parents=True, exist_ok=True)
        self.tmp_dir.mkdir(parents=True, exist_ok=True)
        self._index: OrderedDict[str, int] = OrderedDict()  # digest -> size, oldest first
        self.bytes = 0
        self.evictions = 0
        self._load()

    @staticmethod
    def digest(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    def _path(self, digest: str) -> Path:
        return self.objects_dir / digest[:2] / digest

    def _load(self) -> None:
        for leftover in self.tmp_dir.iterdir():
            leftover.unlink(missing_ok=True)
        found = []
        for path in self.objects_dir.glob("*/*"):
            stat = path.stat()
            found.append((stat.st_mtime, path.name, stat.st_size))
        for _, digest, size in sorted(found):
            self._index[digest] = size
            self.bytes += size
        self._evict()

    def __len__(self) -> int:
        return len(self._index)

    def get(self, key: str) -> Path | None:
        """The cached file for ``key`` (and mark it recently used), or None."""
        digest = self.digest(key)
        if digest not in self._index:
            return None
        path = self._path(digest)
        if not path.exists():  # removed behind our back
            self.bytes -= self._index.pop(digest)
            return None
        self._index.move_to_end(digest)
        return path

    def contains(self, key: str) -> bool:
        """Whether ``key`` is cached, without marking it used (push fill
        checks its plan this way: a plan is not viewers' demand)."""
        digest = self.digest(key)
        return digest in self._index and self._path(digest).exists()

    def tmp_path(self) -> Path:
        return self.tmp_dir / uuid.uuid4().hex

    def admit(self, key: str, tmp: Path) -> Path | None:
        """Move a filled temporary file into the cache. Returns its cached
        path, or None if the object alone is larger than the cap (the caller
        serves the temporary file and removes it)."""
        size = tmp.stat().st_size
        if size > self.max_bytes:
            return None
        digest = self.digest(key)
        path = self._path(digest)
        path.parent.mkdir(exist_ok=True)
        os.replace(tmp, path)
        if digest in self._index:
            self.bytes -= self._index.pop(digest)
        self._index[digest] = size
        self.bytes += size
        self._evict(keep=digest)
        return path

    def _evict(self, keep: str | None = None) -> None:
        while self.bytes > self.max_bytes and self._index:
            digest, size = next(iter(self._index.items()))
            if digest == keep:
                break
            self._index.popitem(last=False)
            self.bytes -= size
            self.evictions += 1
            # An open response keeps reading an unlinked file on POSIX.
            self._path(digest).unlink(missing_ok=True)
