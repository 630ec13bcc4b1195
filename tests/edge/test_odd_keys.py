"""Odd keys against every place a key is served from, as real processes on
loopback: runedge filling from an HTTP origin, runedge filling from a local
folder, the nginx edge (njs) filling from the HTTP origin, and Django's
origin path. Each malformed key must be refused with 400 (or 404 for a
directory) before the edge touches its cache or asks origin, never a 5xx;
a ``?`` or ``#`` percent-encoded into the path must never reach origin as a
query string (nor be cached as a new object)."""
from __future__ import annotations

import os
import uuid

import pytest

from edge.nginx import JS_MODULE
from edge.signing import token_issue, video_path_prefix
from streaming.core import storage
from tests.conftest import free_port
from tests.edge.servers import FETCHES, NGINX, NginxEdgeProcess, Runedge, ThreadedApp, counting_origin_app, http_get
from tests.factories import node_make

KEYS_RAW = "ok1:odd-keys-test-secret-0123456789"

# (what, path under hls/<video>/, expected statuses). A directory may be a
# key that exists, so only origin can tell: 404, never a 5xx.
PROBES = [
    ("NUL", "v720/seg_00001%00.m4s", {400}),
    ("NUL at the end", "v720/seg_00001.m4s%00", {400}),
    ("control character", "v720/seg_00001%01.m4s", {400}),
    # A newline does not even match the route ('.' stops at it) in aiohttp and Django: 404.
    ("newline", "v720/seg_00001%0A.m4s", {400, 404}),
    ("DEL", "v720/seg_00001%7F.m4s", {400}),
    ("over-long key (4000 characters)", "v720/" + "a" * 4000 + ".m4s", {400}),
    ("over-long name (300 characters)", "v720/" + "b" * 300 + ".m4s", {400}),
    ("? percent-encoded", "v720/seg_00001.m4s%3Fx=1", {400}),
    ("? percent-encoded, another value", "v720/seg_00001.m4s%3Fx=2", {400}),
    ("# percent-encoded", "v720/seg_00001.m4s%23frag", {400}),
    ("space", "v720/seg%2000001.m4s", {400}),
    ("backslash", "v720%5Cseg_00001.m4s", {400}),
    ("directory with a slash", "v720/", {400, 404}),
    ("directory", "v720", {404}),
]
# Refused on syntax alone: origin is never asked for these.
NO_ORIGIN = {what for what, _, statuses in PROBES if 400 in statuses}

pytestmark = [pytest.mark.slow]
needs_nginx = pytest.mark.skipif(not (os.path.exists(NGINX) and os.path.exists(JS_MODULE)),
                                 reason="nginx with njs is not installed")


@pytest.fixture
def ladder(tmp_path, settings):
    """One rendition in this test's storage (the origin path's: a folder or
    an S3 bucket) and the same files in a folder an HTTP origin serves."""
    settings.EDGE_SIGNING_KEYS_RAW = KEYS_RAW
    video = uuid.uuid4()
    segment = os.urandom(50_000)
    key = f"hls/{video}/v720/seg_00001.m4s"
    storage.put_bytes(key, segment)
    origin = tmp_path / "origin"
    (origin / key).parent.mkdir(parents=True)
    (origin / key).write_bytes(segment)
    return video, segment, origin


def _url(base: str, video, rest: str) -> str:
    token = token_issue(session_id="odd-keys", path_prefix=video_path_prefix(video))
    return f"{base}/t/{token}/hls/{video}/{rest}"


@needs_nginx
def test_every_odd_key_is_refused_by_runedge_nginx_and_the_origin_path(ladder, tmp_path, live_server, capsys):
    video, segment, origin_root = ladder
    with ThreadedApp(counting_origin_app(origin_root)) as origin:
        counts = origin.app[FETCHES]
        http_node = node_make("mumbai", 1, port=free_port())
        local_node = node_make("mumbai", 2, port=free_port())
        nginx_node = node_make("frankfurt", 1, port=free_port())
        runedges = [
            Runedge(http_node, origin=origin.url, cache_dir=tmp_path / "c-http", control_url="",
                    keys_raw=KEYS_RAW),
            Runedge(local_node, origin=str(origin_root), cache_dir=tmp_path / "c-local", control_url="",
                    keys_raw=KEYS_RAW),
        ]
        nginx = NginxEdgeProcess(nginx_node, origin_url=origin.url, prefix=tmp_path / "ng")
        try:
            for edge in runedges:
                edge.start()
            nginx.start()
            places = {
                "runedge (http origin)": http_node.base_url,
                "runedge (local origin)": local_node.base_url,
                "nginx": nginx_node.base_url,
                "origin path": f"{live_server.url}/edge/origin",
            }
            for place, base in places.items():  # the control: a good key plays everywhere
                status, _, body = http_get(_url(base, video, "v720/seg_00001.m4s"))
                assert (status, body) == (200, segment), place
            rows, wrong = [], []
            for what, rest, expected in PROBES:
                for place, base in places.items():
                    before = sum(counts.values())
                    status, _, body = http_get(_url(base, video, rest))
                    asked_origin = sum(counts.values()) - before
                    rows.append(f"ODDKEY {place:24} {what:34} -> {status} origin fetches {asked_origin}")
                    if status not in expected or (what in NO_ORIGIN and asked_origin):
                        wrong.append(f"{place}: {what}: {status} {body[:80]!r}, origin asked {asked_origin}x")
            with capsys.disabled():
                print("\n" + "\n".join(rows))
            assert not wrong, "\n".join(wrong)
            # The good key is still one object, fetched once per HTTP-filled
            # edge: no '?x=' variant was fetched or cached under another name.
            assert counts[f"hls/{video}/v720/seg_00001.m4s"] == 2, dict(counts)
        finally:
            nginx.stop()
            for edge in runedges:
                edge.stop()
