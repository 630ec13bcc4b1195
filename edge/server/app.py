"""The aiohttp application of an edge: ``GET /t/<token>/hls/<video>/<rest>``.

Per request: check the token with the keys it was given (no call to origin),
answer from the disk cache, or fill it from origin. Concurrent misses on
one key share a single fill (one origin fetch however many viewers ask at
once: the thundering herd a popular premiere makes)."""
from __future__ import annotations

import asyncio
import functools
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web

from catalog.keys import LADDER_ROOT
from edge.media_types import is_playlist, media_type_for
from edge.server.cache import DiskCache
from edge.server.origins import Origin, OriginError, OriginNotFound
from edge.server.reporter import heartbeat_loop
from edge.signing import TokenError, token_verify

logger = logging.getLogger("edge.server")
SOFTWARE = "runedge/1"
TRANSIENT_SECONDS = 120
EXPOSED = "Content-Length, Content-Range, X-Cache-Status, X-Edge-Node"


@dataclass
class EdgeConfig:
    node_name: str
    origin: Origin
    cache_dir: Path
    cache_max_bytes: int
    signing_keys: dict[str, str]
    cors_origins: list[str] = field(default_factory=lambda: ["*"])
    # Heartbeats: all three set, or no heartbeats (tests, benches).
    control_url: str | None = None
    node_id: int | None = None
    node_secret: str | None = None
    heartbeat_interval: float = 5.0


@dataclass
class EdgeStats:
    requests: int = 0
    active: int = 0
    hits: int = 0
    misses: int = 0
    origin_fetches: int = 0
    origin_errors: int = 0
    refused: int = 0
    bytes_served: int = 0
    started_at: float = field(default_factory=time.time)

    @property
    def hit_ratio(self) -> float | None:
        total = self.hits + self.misses
        return self.hits / total if total else None


class EdgeCache:
    """The disk cache plus single-flight fills from origin."""

    def __init__(self, config: EdgeConfig, stats: EdgeStats):
        self.config = config
        self.stats = stats
        self.disk = DiskCache(config.cache_dir, config.cache_max_bytes)
        self._inflight: dict[str, asyncio.Task] = {}

    async def obtain(self, key: str) -> tuple[Path, str]:
        """(file to send, "HIT" or "MISS"). Raises OriginNotFound / OriginError."""
        path = self.disk.get(key)
        if path is not None:
            self.stats.hits += 1
            return path, "HIT"
        self.stats.misses += 1
        task = self._inflight.get(key)
        if task is None:
            task = asyncio.ensure_future(self._fill(key))
            self._inflight[key] = task
            task.add_done_callback(functools.partial(self._fill_done, key))
        # shield: a viewer hanging up must not cancel the fill the others wait on.
        return await asyncio.shield(task), "MISS"

    def _fill_done(self, key: str, task: asyncio.Future) -> None:
        self._inflight.pop(key, None)

    async def _fill(self, key: str) -> Path:
        tmp = self.disk.tmp_path()
        self.stats.origin_fetches += 1
        try:
            await self.config.origin.fetch(key, tmp)
        except BaseException:
            tmp.unlink(missing_ok=True)
            self.stats.origin_errors += 1
            raise
        path = self.disk.admit(key, tmp)
        if path is None:  # larger than the whole cache: serve it once, keep nothing
            asyncio.get_running_loop().call_later(TRANSIENT_SECONDS, tmp.unlink, True)
            return tmp
        return path


STATS_KEY = web.AppKey("stats", EdgeStats)
CACHE_KEY = web.AppKey("cache", EdgeCache)


def _cors(request: web.Request, response: web.StreamResponse, allowed: list[str]) -> None:
    origin = request.headers.get("Origin")
    if "*" in allowed:
        response.headers["Access-Control-Allow-Origin"] = "*"
    elif origin and origin in allowed:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Vary"] = "Origin"
    response.headers["Access-Control-Expose-Headers"] = EXPOSED
    response.headers["Timing-Allow-Origin"] = "*"


def edge_app_build(config: EdgeConfig) -> web.Application:
    stats = EdgeStats()
    cache = EdgeCache(config, stats)

    @web.middleware
    async def count_and_cors(request: web.Request, handler):
        stats.requests += 1
        stats.active += 1
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            response = exc
        finally:
            stats.active -= 1
        response.headers["X-Edge-Node"] = config.node_name
        _cors(request, response, config.cors_origins)
        return response

    async def serve(request: web.Request) -> web.StreamResponse:
        key = f"{LADDER_ROOT}/{request.match_info['rest']}"
        try:
            token_verify(token=request.match_info["token"], path=key, keys=config.signing_keys)
        except TokenError as exc:
            stats.refused += 1
            return web.Response(status=403, text=f"Forbidden: {exc.reason}.\n")
        try:
            path, status = await cache.obtain(key)
        except OriginNotFound:
            return web.Response(status=404, text="Not found.\n")
        except OriginError as exc:
            logger.warning("origin fill failed for %s: %s", key, exc)
            return web.Response(status=502, text="The origin did not answer.\n")
        headers = {
            "Content-Type": media_type_for(key),
            "X-Cache-Status": status,
            # VOD ladders never change once merged; playlists a little less long.
            "Cache-Control": "private, max-age=60" if is_playlist(key) else "private, max-age=86400",
            "Accept-Ranges": "bytes",
        }
        if is_playlist(key) and "Range" not in request.headers:
            body = await asyncio.to_thread(path.read_bytes)
            playlist = web.Response(body=body, headers=headers)
            if "gzip" in request.headers.get("Accept-Encoding", ""):
                playlist.enable_compression(web.ContentCoding.gzip)
            stats.bytes_served += len(body)
            return playlist
        return web.FileResponse(path, headers=headers)

    async def preflight(request: web.Request) -> web.Response:
        return web.Response(status=204, headers={
            "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
            "Access-Control-Allow-Headers": "Range",
            "Access-Control-Max-Age": "86400",
        })

    async def status(request: web.Request) -> web.Response:
        return web.json_response({
            "node": config.node_name, "origin": config.origin.description,
            "requests": stats.requests, "active": stats.active - 1, "hits": stats.hits, "misses": stats.misses,
            "hit_ratio": stats.hit_ratio, "origin_fetches": stats.origin_fetches,
            "origin_errors": stats.origin_errors, "refused": stats.refused, "bytes_served": stats.bytes_served,
            "cache_bytes": cache.disk.bytes, "cache_max_bytes": cache.disk.max_bytes,
            "cache_objects": len(cache.disk), "evictions": cache.disk.evictions,
        })

    async def healthz(request: web.Request) -> web.Response:
        return web.Response(text="ok\n")

    async def count_bytes(request: web.Request, response: web.StreamResponse) -> None:
        if isinstance(response, web.FileResponse) and response.content_length:
            stats.bytes_served += response.content_length

    async def lifecycle(app: web.Application):
        reporter = None
        if config.control_url and config.node_id and config.node_secret:
            reporter = asyncio.ensure_future(heartbeat_loop(config=config, stats=stats, cache=cache,
                                                                software=SOFTWARE))
        yield
        if reporter is not None:
            reporter.cancel()
        await config.origin.close()

    app = web.Application(middlewares=[count_and_cors])
    app[STATS_KEY], app[CACHE_KEY] = stats, cache
    route = "/t/{token}/" + LADDER_ROOT + "/{rest:.+}"
    app.router.add_get(route, serve)
    app.router.add_route("OPTIONS", route, preflight)
    app.router.add_get("/_edge/status", status)
    app.router.add_get("/healthz", healthz)
    app.on_response_prepare.append(count_bytes)
    app.cleanup_ctx.append(lifecycle)
    return app
