"""The aiohttp application of an edge: ``GET /t/<token>/hls/<video>/<rest>``.

Per request: check the key's shape (edge.keys), the token with the keys it
was given and the revocation list its heartbeats bring (no call to origin),
answer from the disk cache, or fill it from the zone peer owning the object,
else from origin (edge.server.fill: one fetch per object however many viewers
miss it at once). A request from a peer (PEER_FILL_HEADER) is filled from
origin only. Bytes served and the players' CMCD are counted per viewer zone
(the token names it) for the heartbeat; a fill plan runs off-peak beside."""
from __future__ import annotations

import asyncio
import ipaddress
import logging
import time

from aiohttp import web

from catalog.keys import LADDER_ROOT
from edge.keys import ladder_key_problem
from edge.media_types import is_playlist, media_type_for
from edge.ranges import RangeNotSatisfiable, byte_range_parse
from edge.rendezvous import PEER_FILL_HEADER
from edge.server.fill import EdgeCache
from edge.server.origins import OriginError, OriginNotFound
from edge.server.peers import PeerSet
from edge.server.push import PushFill
from edge.server.reporter import heartbeat_loop
from edge.server.revoked import RevokedSessions
from edge.server.state import (  # noqa: F401  (re-exported: the server's public names)
    CACHE_KEY,
    PUSH_KEY,
    REVOKED_KEY,
    SOFTWARE,
    STATS_KEY,
    TRAFFIC_KEY,
    EdgeConfig,
    EdgeStats,
)
from edge.signing import TokenError, TokenRevoked, token_verify
from edge.traffic import TrafficCounters, cmcd_parse

logger = logging.getLogger("edge.server")
EXPOSED = "Content-Length, Content-Range, X-Cache-Status, X-Edge-Node"
_SERVED = web.RequestKey("edge_served", dict)
FIRST_BEAT_WAIT = 5.0


def _cors(request: web.Request, response: web.StreamResponse, allowed: list[str]) -> None:
    origin = request.headers.get("Origin")
    if "*" in allowed:
        response.headers["Access-Control-Allow-Origin"] = "*"
    elif origin and origin in allowed:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Vary"] = "Origin"
    response.headers["Access-Control-Expose-Headers"] = EXPOSED
    response.headers["Timing-Allow-Origin"] = "*"


def status_allowed(remote: str | None, networks: list[str]) -> bool:
    """Whether the address ``remote`` is in one of ``networks`` (CIDRs)."""
    try:
        address = ipaddress.ip_address(remote or "")
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(net, strict=False) for net in networks)


def edge_app_build(config: EdgeConfig) -> web.Application:
    stats = EdgeStats()
    peers = PeerSet(node_name=config.node_name, peers=config.peers, retry_seconds=config.peer_retry)
    cache = EdgeCache(config, stats, peers)
    push = PushFill(cache=cache, state_dir=config.cache_dir)
    traffic = TrafficCounters()
    revoked = RevokedSessions(config.cache_dir)

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
        problem = ladder_key_problem(key)
        if problem is not None:  # before the cache, a peer or origin sees it
            stats.refused += 1
            return web.Response(status=400, text=f"Bad key: {problem}.\n")
        token = request.match_info["token"]
        try:
            claims = token_verify(token=token, path=key, keys=config.signing_keys)
            if claims.session_id in revoked:  # the list the heartbeats bring (edge.revocation)
                raise TokenRevoked("The token's session was revoked.")
        except TokenError as exc:
            stats.refused += 1
            return web.Response(status=403, text=f"Forbidden: {exc.reason}.\n")
        from_peer = PEER_FILL_HEADER in request.headers
        try:
            path, status = await cache.obtain(key, token=token, from_peer=from_peer)
        except OriginNotFound:
            return web.Response(status=404, text="Not found.\n")
        except OriginError as exc:
            logger.warning("origin fill failed for %s: %s", key, exc)
            return web.Response(status=502, text="The origin did not answer.\n")
        served = {"peer": from_peer, "zone": claims.viewer_zone, "at_ms": time.monotonic() * 1000,
                  "cmcd": None if from_peer else cmcd_parse(request.query.get("CMCD"))}
        request[_SERVED] = served
        headers = {
            "Content-Type": media_type_for(key),
            "X-Cache-Status": status,
            # VOD ladders never change once merged; playlists a little less long.
            "Cache-Control": "private, max-age=60" if is_playlist(key) else "private, max-age=86400",
            "Accept-Ranges": "bytes",
        }
        if is_playlist(key) and "Range" not in request.headers:
            body = await asyncio.to_thread(path.read_bytes)
            response = web.Response(body=body, headers=headers)
            if "gzip" in request.headers.get("Accept-Encoding", ""):
                response.enable_compression(web.ContentCoding.gzip)
            served["nbytes"] = len(body)
            return response
        try:
            # aiohttp answers "bytes=-0" with 206 and the whole file; RFC 9110 says 416.
            byte_range_parse(request.headers.get("Range"), path.stat().st_size)
        except RangeNotSatisfiable:
            return web.Response(status=416, headers={**headers, "Content-Range": f"bytes */{path.stat().st_size}"})
        return web.FileResponse(path, headers=headers)

    async def preflight(request: web.Request) -> web.Response:
        return web.Response(status=204, headers={
            "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
            "Access-Control-Allow-Headers": "Range",
            "Access-Control-Max-Age": "86400",
        })

    async def status(request: web.Request) -> web.Response:
        # Figures for the operator on this machine (EDGE_STATUS_FROM), like
        # nginx's stub_status; the origin's kind only, never its path or URL.
        if not status_allowed(request.remote, config.status_from):
            return web.Response(status=403, text="Forbidden: status is for the operator.\n")
        return web.json_response({
            "node": config.node_name, "origin": config.origin.kind,
            "requests": stats.requests, "active": stats.active - 1, "hits": stats.hits, "misses": stats.misses,
            "hit_ratio": stats.hit_ratio, "origin_fetches": stats.origin_fetches,
            "origin_errors": stats.origin_errors, "origin_bytes": stats.origin_bytes,
            "peer_fetches": stats.peer_fetches, "peer_errors": stats.peer_errors,
            "peer_bytes_in": stats.peer_bytes_in, "peer_requests": stats.peer_requests,
            "peer_transient": stats.peer_transient,
            "peer_bytes_out": stats.peer_bytes_out, "refused": stats.refused, "bytes_served": stats.bytes_served,
            "cache_bytes": cache.disk.bytes, "cache_max_bytes": cache.disk.max_bytes,
            "cache_objects": len(cache.disk), "evictions": cache.disk.evictions,
            "peers": peers.names, "peers_down": peers.down(), "fill": push.progress(),
            "fill_bytes_fetched": push.bytes_fetched, "traffic": traffic.snapshot(),
            "revoked_sessions": len(revoked), "revoked_cursor": revoked.cursor,
        })

    async def healthz(request: web.Request) -> web.Response:
        return web.Response(text="ok\n")

    async def count_served(request: web.Request, response: web.StreamResponse) -> None:
        served = request.get(_SERVED)
        if served is None or response.status not in (200, 206):
            return
        nbytes = served.get("nbytes", response.content_length if isinstance(response, web.FileResponse) else 0)
        nbytes = int(nbytes or 0)
        stats.bytes_served += nbytes
        if served["peer"]:
            stats.peer_requests += 1
            stats.peer_bytes_out += nbytes
        else:
            traffic.observe(zone=served["zone"], nbytes=nbytes, cmcd=served["cmcd"], at_ms=served["at_ms"])

    async def lifecycle(app: web.Application):
        tasks = []
        if config.control_url and config.node_id and config.node_secret:
            first_beat = asyncio.Event()
            tasks.append(asyncio.ensure_future(heartbeat_loop(config=config, app=app, first_beat=first_beat)))
            # Listen once the revocations made while we were down are known
            # (or after a few seconds without the control plane: keep serving).
            try:
                await asyncio.wait_for(first_beat.wait(), timeout=FIRST_BEAT_WAIT)
            except TimeoutError:
                logger.warning("no heartbeat answer within %s s; serving with the revocation list on disk",
                               FIRST_BEAT_WAIT)
        if config.push_fill:
            tasks.append(asyncio.ensure_future(push.run()))
        yield
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await cache.close()
        await config.origin.close()

    app = web.Application(middlewares=[count_and_cors])
    app[STATS_KEY], app[CACHE_KEY], app[PUSH_KEY], app[TRAFFIC_KEY] = stats, cache, push, traffic
    app[REVOKED_KEY] = revoked
    route = "/t/{token}/" + LADDER_ROOT + "/{rest:.+}"
    app.router.add_get(route, serve)
    app.router.add_route("OPTIONS", route, preflight)
    app.router.add_get("/_edge/status", status)
    app.router.add_get("/healthz", healthz)
    app.on_response_prepare.append(count_served)
    app.cleanup_ctx.append(lifecycle)
    return app
