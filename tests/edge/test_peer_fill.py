"""Fill from peers: three runedge processes in one zone, heartbeating to the
control plane, which lists them to each other; an HTTP origin counting its
fetches. Nothing in between is simulated."""
from __future__ import annotations

import asyncio
import gzip
import os
import time
import uuid

import aiohttp
import pytest
from aiohttp import web

from edge import rendezvous
from edge.signing import token_issue, video_path_prefix
from tests.conftest import free_port
from tests.edge.servers import FETCHES, Runedge, ThreadedApp, counting_origin_app, http_get, wait_until
from tests.factories import node_make

KEYS_RAW = "p1:peer-fill-test-secret-0123456789"
SEGMENTS = 24

pytestmark = pytest.mark.slow


@pytest.fixture
def zone_of_three(live_server, tmp_path, settings):
    settings.EDGE_SIGNING_KEYS_RAW = KEYS_RAW
    names = tuple(f"mumbai-{i}" for i in (1, 2, 3))

    def spread(video: uuid.UUID) -> bool:
        """The first twelve keys (in sorted order) are owned by all three nodes."""
        keys = sorted(f"hls/{video}/v720/seg_{i:05d}.m4s" for i in range(1, SEGMENTS + 1))[:12]
        return {rendezvous.owner(names, k) for k in keys} == set(names)

    # Ownership follows the hash: a fixed, suitable video id makes every run the same.
    video = next(v for v in (uuid.UUID(int=n) for n in range(1, 10_000)) if spread(v))
    folder = tmp_path / "origin" / "hls" / str(video) / "v720"
    folder.mkdir(parents=True)
    data = {}
    for i in range(1, SEGMENTS + 1):
        data[f"hls/{video}/v720/seg_{i:05d}.m4s"] = os.urandom(40_000 + i)
        (folder / f"seg_{i:05d}.m4s").write_bytes(data[f"hls/{video}/v720/seg_{i:05d}.m4s"])
    origin = ThreadedApp(counting_origin_app(tmp_path / "origin", delay=0.2)).start()
    nodes = [node_make("mumbai", i, port=free_port()) for i in (1, 2, 3)]
    edges = [Runedge(node, origin=origin.url, cache_dir=tmp_path / f"cache-{node.name}",
                     control_url=live_server.url, keys_raw=KEYS_RAW) for node in nodes]
    try:
        for edge in edges:
            edge.start()
        names = sorted(n.name for n in nodes)
        wait_until(lambda: all(e.status()["peers"] == names for e in edges), timeout=20,
                   what="every edge to learn its two peers from a heartbeat answer")
        token = token_issue(session_id="viewer", path_prefix=video_path_prefix(video), viewer_zone="mumbai")
        yield {"edges": {e.node.name: e for e in edges}, "origin": origin, "video": video, "data": data,
               "token": token, "names": names}
    finally:
        for edge in edges:
            edge.stop()
        origin.stop()


def url(zone, edge, key, token=None):
    return f"{edge.url}/t/{token or zone['token']}/{key}"


def test_a_title_through_all_three_nodes_is_fetched_from_origin_once(zone_of_three):
    zone = zone_of_three
    edges, fetches = zone["edges"], zone["origin"].app[FETCHES]
    keys = sorted(zone["data"])[:12]
    for n, key in enumerate(keys):
        order = list(edges.values())
        for edge in order[n % 3:] + order[: n % 3]:  # each node first for some keys
            status, headers, body = http_get(url(zone, edge, key))
            assert status == 200 and body == zone["data"][key], (edge.node.name, key)
    assert {key: fetches[key] for key in keys} == {key: 1 for key in keys}
    statuses = {name: edge.status() for name, edge in edges.items()}
    # Owners served their peers; nobody asked a peer for a key it owns itself.
    owned = {name: [k for k in keys if rendezvous.owner(zone["names"], k) == name] for name in edges}
    for name, status in statuses.items():
        assert status["origin_fetches"] == len(owned[name]), name
        assert status["peer_fetches"] == len(keys) - len(owned[name]) and status["peer_errors"] == 0
        assert status["peer_requests"] == 2 * len(owned[name])
    assert all(owned.values()), "the hash spreads twelve keys over all three nodes"


def test_concurrent_misses_on_every_node_coalesce_into_one_origin_fetch(zone_of_three):
    zone = zone_of_three
    keys = sorted(zone["data"])[12:18]

    async def storm():
        async with aiohttp.ClientSession() as session:
            async def one(edge, key):
                async with session.get(url(zone, edge, key)) as response:
                    return response.status, await response.read(), key
            return await asyncio.gather(*(one(edge, key) for key in keys for edge in zone["edges"].values()
                                          for _ in range(5)))

    for status, body, key in asyncio.run(storm()):
        assert status == 200 and body == zone["data"][key]
    assert [zone["origin"].app[FETCHES][key] for key in keys] == [1] * len(keys)


def test_a_killed_owner_costs_one_failure_then_origin_with_no_error(zone_of_three):
    zone = zone_of_three
    edges, fetches = zone["edges"], zone["origin"].app[FETCHES]
    victim = zone["names"][0]
    theirs = [k for k in sorted(zone["data"]) if rendezvous.owner(zone["names"], k) == victim][:3]
    assert len(theirs) == 3
    edges[victim].kill()
    survivor, other = (edges[name] for name in zone["names"][1:])
    for key in theirs:
        started = time.monotonic()
        status, _, body = http_get(url(zone, survivor, key))
        assert status == 200 and body == zone["data"][key]
        assert time.monotonic() - started < 3  # connection refused at once; origin's 0.2 s
    status = survivor.status()
    assert status["peer_errors"] == 1 and status["peers_down"] == [victim]  # tried once, then skipped
    assert status["peer_fetches"] == 1 and all(fetches[key] == 1 for key in theirs)
    # The third node finds out for itself, with no error either.
    assert http_get(url(zone, other, theirs[0]))[0] == 200
    assert fetches[theirs[0]] == 2


def test_a_peer_request_is_never_forwarded_and_needs_a_valid_token(zone_of_three):
    zone = zone_of_three
    edges = zone["edges"]
    key = sorted(zone["data"])[20]
    owner = rendezvous.owner(zone["names"], key)
    asker = edges[next(name for name in zone["names"] if name != owner)]
    # A request marked as a peer's fills from origin, even on a node that does not own the key.
    status, headers, body = http_get(url(zone, asker, key), {rendezvous.PEER_FILL_HEADER: "someone"})
    assert status == 200 and headers["X-Cache-Status"] == "MISS" and body == zone["data"][key]
    assert edges[owner].status()["peer_requests"] == 0 and asker.status()["peer_fetches"] == 0
    # Peers check tokens like viewers' requests: a forged or foreign token gets nothing.
    other = token_issue(session_id="x", path_prefix=video_path_prefix(uuid.uuid4()))
    assert http_get(url(zone, edges[owner], key, other), {rendezvous.PEER_FILL_HEADER: "someone"})[0] == 403
    forged = zone["token"][:-3] + ("AAA" if not zone["token"].endswith("AAA") else "BBB")
    assert http_get(url(zone, edges[owner], key, forged), {rendezvous.PEER_FILL_HEADER: "x"})[0] == 403


PLAYLIST = b"#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:2\n" + b"".join(
    b"#EXTINF:2.0,\nseg_%05d.m4s\n" % i for i in range(1, SEGMENTS + 1)) + b"#EXT-X-ENDLIST\n"


def _plain(status_headers_body) -> bytes:
    """The body as a client that accepted gzip reads it: decompressed once."""
    status, headers, body = status_headers_body
    assert status == 200, status
    return gzip.decompress(body) if headers.get("Content-Encoding") == "gzip" else body


def test_a_playlist_filled_from_a_peer_is_served_as_text_not_gzip_twice(zone_of_three, tmp_path):
    """Every node compresses playlists for a client that accepts gzip; a node
    filling from its peer must cache the playlist's own bytes (it asked for
    identity), or it would hand viewers a gzip inside a gzip."""
    zone = zone_of_three
    key = f"hls/{zone['video']}/v720/index.m3u8"
    (tmp_path / "origin" / key).write_bytes(PLAYLIST)
    owner = rendezvous.owner(zone["names"], key)
    order = sorted(zone["edges"].values(), key=lambda e: e.node.name == owner)  # non-owners first: peer fills
    for edge in order:
        got = _plain(http_get(url(zone, edge, key), headers={"Accept-Encoding": "gzip"}))
        assert got == PLAYLIST, (edge.node.name, owner, got[:40])
    assert zone["origin"].app[FETCHES][key] == 1


def test_an_origin_that_gzips_playlists_is_asked_for_identity(live_server, tmp_path, settings):
    settings.EDGE_SIGNING_KEYS_RAW = KEYS_RAW
    video = uuid.uuid4()
    asked: list[str] = []

    async def playlist(request: web.Request) -> web.Response:
        asked.append(request.headers.get("Accept-Encoding", ""))
        response = web.Response(body=PLAYLIST, content_type="application/vnd.apple.mpegurl")
        if "gzip" in request.headers.get("Accept-Encoding", ""):
            response.enable_compression(web.ContentCoding.gzip)  # as nginx's gzip or a CDN would
        return response

    app = web.Application()
    app.router.add_get("/{key:.+}", playlist)
    origin = ThreadedApp(app).start()
    edge = Runedge(node_make("mumbai", 1, port=free_port()), origin=origin.url, cache_dir=tmp_path / "cache",
                   control_url=live_server.url, keys_raw=KEYS_RAW)
    try:
        edge.start()
        token = token_issue(session_id="viewer", path_prefix=video_path_prefix(video), viewer_zone="mumbai")
        for _ in range(2):  # the fill, then the hit
            got = _plain(http_get(f"{edge.url}/t/{token}/hls/{video}/v720/index.m3u8",
                                  headers={"Accept-Encoding": "gzip"}))
            assert got == PLAYLIST, got[:40]
        assert asked == ["identity"]
    finally:
        edge.stop()
        origin.stop()


def test_what_a_peer_served_is_not_copied_so_the_zone_caches_each_object_once(zone_of_three, tmp_path):
    zone = zone_of_three
    edges, fetches = zone["edges"], zone["origin"].app[FETCHES]
    key = sorted(zone["data"])[22]
    owner = rendezvous.owner(zone["names"], key)
    asker = edges[next(name for name in zone["names"] if name != owner)]
    for _ in range(3):
        status, headers, body = http_get(url(zone, asker, key))
        assert status == 200 and body == zone["data"][key] and headers["X-Cache-Status"] == "MISS"
    assert http_get(url(zone, edges[owner], key))[1]["X-Cache-Status"] == "HIT", "the owner keeps it"
    status = asker.status()
    assert status["peer_fetches"] == 3 and status["peer_transient"] == 3 and fetches[key] == 1
    objects = tmp_path / f"cache-{asker.node.name}" / "objects"
    assert not any(p.is_file() for p in objects.rglob("*")), "no copy on the asker"
