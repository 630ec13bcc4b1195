"""Where an edge fills a miss from: a local folder (MEDIA_ROOT on the same
machine), an HTTP base URL (a parent cache or a public bucket), or S3 with
the project's S3 settings. Each writes the object to a file the cache gives
it, streaming, never holding a whole object in memory."""
from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Protocol
from urllib.parse import quote

import aiohttp
import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
from yarl import URL

from edge.keys import ladder_key_problem

CHUNK = 256 * 1024


class OriginNotFound(Exception):
    """The origin does not hold the key: the edge answers 404."""


class OriginError(Exception):
    """The origin failed: the edge answers 502 and caches nothing."""


def _plain_key(key: str) -> str:
    """The key, if it is a plain ladder key (edge.keys); the server refuses
    the others first, this keeps every origin from ever seeing one."""
    if ladder_key_problem(key) is not None:
        raise OriginNotFound(key)
    return key


class Origin(Protocol):
    kind: str  # "local", "http" or "s3": what /_edge/status tells
    description: str  # where exactly (a path, a URL, a bucket): for the operator's console only

    async def fetch(self, key: str, dest: Path) -> int: ...

    async def close(self) -> None: ...


class LocalOrigin:
    kind = "local"

    def __init__(self, root: Path | str):
        self.root = Path(root)
        self.description = f"local {self.root}"

    async def fetch(self, key: str, dest: Path) -> int:
        source = self.root / _plain_key(key)
        try:
            await asyncio.to_thread(shutil.copyfile, source, dest)
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError) as exc:
            raise OriginNotFound(key) from exc
        except OSError as exc:
            raise OriginError(f"{source}: {exc}") from exc
        return dest.stat().st_size

    async def close(self) -> None:
        return None


class HttpOrigin:
    kind = "http"

    def __init__(self, base_url: str, *, timeout: float = 30.0):
        self.base_url = base_url.rstrip("/")
        self.description = f"http {self.base_url}"
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    async def fetch(self, key: str, dest: Path) -> int:
        if self._session is None:
            # Created on first use so it belongs to the running loop.
            self._session = aiohttp.ClientSession(timeout=self._timeout, auto_decompress=False)
        # Quoted, and sent as it is: a character that means something in a
        # URL ('?', '#', '%') stays part of the path, never a query string.
        url = f"{self.base_url}/{quote(_plain_key(key), safe='/')}"
        try:
            # identity: the bytes cached are the object's own, never an origin's
            # (or a CDN's, or nginx's) gzip of a playlist, served on as plain text.
            async with self._session.get(URL(url, encoded=True), headers={"Accept-Encoding": "identity"}) as response:
                if response.status == 404:
                    raise OriginNotFound(key)
                if response.status != 200:
                    raise OriginError(f"GET {url}: HTTP {response.status}")
                if response.headers.get("Content-Encoding", "identity").lower() != "identity":
                    raise OriginError(f"GET {url}: answered {response.headers['Content-Encoding']}, not identity")
                size = 0
                with open(dest, "wb") as out:
                    async for chunk in response.content.iter_chunked(CHUNK):
                        out.write(chunk)
                        size += len(chunk)
                if response.content_length is not None and size != response.content_length:
                    raise OriginError(f"GET {url}: {size} of {response.content_length} bytes")
                return size
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise OriginError(f"GET {url}: {exc!r}") from exc

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


class S3Origin:
    kind = "s3"

    def __init__(self, *, bucket: str, prefix: str = "", endpoint_url: str | None = None,
                 region_name: str | None = None, access_key: str | None = None, secret_key: str | None = None):
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.description = f"s3 {endpoint_url or 'aws'}/{bucket}/{self.prefix}"
        self._client = boto3.client(
            "s3", endpoint_url=endpoint_url, region_name=region_name, aws_access_key_id=access_key,
            aws_secret_access_key=secret_key, config=Config(max_pool_connections=32),
        )

    def _download(self, name: str, dest: Path) -> int:
        try:
            body = self._client.get_object(Bucket=self.bucket, Key=name)["Body"]
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
                raise OriginNotFound(name) from exc
            raise OriginError(f"s3://{self.bucket}/{name}: {exc}") from exc
        size = 0
        with open(dest, "wb") as out:
            for chunk in body.iter_chunks(CHUNK):
                out.write(chunk)
                size += len(chunk)
        return size

    async def fetch(self, key: str, dest: Path) -> int:
        name = f"{self.prefix}/{_plain_key(key)}" if self.prefix else _plain_key(key)
        return await asyncio.to_thread(self._download, name, dest)

    async def close(self) -> None:
        return None
