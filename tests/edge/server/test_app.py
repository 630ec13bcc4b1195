"""The edge server over real HTTP on loopback: token check, cache, single
flight fills, ranges, eviction, gzip, CORS."""
from __future__ import annotations

import asyncio
import gzip
import os
import uuid

import aiohttp
import pytest

from edge.server import EdgeConfig, HttpOrigin, LocalOrigin, S3Origin, edge_app_build
from edge.signing import token_issue, video_path_prefix
from tests.edge.servers import FETCHES, ThreadedApp, counting_origin_app, http_get

KEYS = {"e1": "edge-test-secret-0123456789"}
PLAYLIST = b"#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:6\n" + b"#EXTINF:6.0,\nseg.m4s\n" * 200 + b"#EXT-X-ENDLIST\n"


@pytest.fixture
def ladder(tmp_path):
    """A fake ladder on disk: a playlist and a few 100 kB segments."""
    video = uuid.uuid4()
    root = tmp_path / "origin"
    folder = root / "hls" / str(video) / "v720"
    folder.mkdir(parents=True)
    (folder / "index.m3u8").write_bytes(PLAYLIST)
    segments = {}
    for i in range(1, 9):
        data = os.urandom(100_000)
        (folder / f"seg_{i:05d}.m4s").write_bytes(data)
        segments[i] = data
    (root / "hls" / str(video) / "v1080").mkdir()
    (root / "hls" / str(video) / "v1080" / "seg_00001.m4s").write_bytes(b"x" * 10)
    return root, video, segments


def edge_for(origin, tmp_path, *, max_bytes=10_000_000, cors=("*",)) -> ThreadedApp:
    config = EdgeConfig(node_name="test-edge", origin=origin, cache_dir=tmp_path / "cache",
                        cache_max_bytes=max_bytes, signing_keys=KEYS, cors_origins=list(cors))
    return ThreadedApp(edge_app_build(config))


def url(edge, video, rest, **claims):
    token = token_issue(session_id="s", path_prefix=video_path_prefix(video), keys=KEYS, **claims)
    return f"{edge.url}/t/{token}/hls/{video}/{rest}"


def test_miss_then_hit_with_content_types_and_token_refusals(ladder, tmp_path):
    root, video, segments = ladder
    with edge_for(LocalOrigin(root), tmp_path) as edge:
        seg = url(edge, video, "v720/seg_00001.m4s", max_height=720)
        status, headers, body = http_get(seg)
        assert (status, headers["X-Cache-Status"], body) == (200, "MISS", segments[1])
        assert headers["Content-Type"] == "video/iso.segment" and headers["X-Edge-Node"] == "test-edge"
        status, headers, body = http_get(seg)
        assert (status, headers["X-Cache-Status"], body) == (200, "HIT", segments[1])
        _, headers, _ = http_get(url(edge, video, "v720/index.m3u8"))
        assert headers["Content-Type"] == "application/vnd.apple.mpegurl"
        assert http_get(url(edge, video, "v720/missing.m4s"))[0] == 404
        # refusals: rung above the plan, expired, forged, other title
        assert http_get(url(edge, video, "v1080/seg_00001.m4s", max_height=720))[0] == 403
        assert http_get(url(edge, video, "v720/seg_00001.m4s", expires_at=1))[0] == 403
        forged = seg.replace("/t/", "/t/x", 1)
        assert http_get(forged)[0] == 403
        other = url(edge, uuid.uuid4(), "x.m4s").split("/hls/")[0] + f"/hls/{video}/v720/seg_00001.m4s"
        assert http_get(other)[0] == 403
        status, _, body = http_get(f"{edge.url}/_edge/status")
        assert status == 200


def test_status_names_the_origin_kind_not_its_path_and_only_to_allowed_addresses(ladder, tmp_path):
    root, video, segments = ladder
    with edge_for(LocalOrigin(root), tmp_path) as edge:
        status, _, body = http_get(f"{edge.url}/_edge/status")
        assert status == 200 and str(root).encode() not in body and b'"origin": "local"' in body
    config = EdgeConfig(node_name="test-edge", origin=LocalOrigin(root), cache_dir=tmp_path / "cache2",
                        cache_max_bytes=10_000_000, signing_keys=KEYS, status_from=["10.0.0.0/8"])
    with ThreadedApp(edge_app_build(config)) as edge:
        status, _, body = http_get(f"{edge.url}/_edge/status")
        assert status == 403 and str(root).encode() not in body
        assert http_get(url(edge, video, "v720/seg_00001.m4s"))[0] == 200  # viewers are not affected


def test_fifty_concurrent_misses_cause_one_origin_fetch(ladder, tmp_path):
    root, video, segments = ladder
    with ThreadedApp(counting_origin_app(root, delay=0.3)) as origin:
        with edge_for(HttpOrigin(origin.url), tmp_path) as edge:
            target = url(edge, video, "v720/seg_00002.m4s")

            async def many():
                async with aiohttp.ClientSession() as session:
                    async def one():
                        async with session.get(target) as response:
                            return response.status, response.headers["X-Cache-Status"], await response.read()
                    return await asyncio.gather(*(one() for _ in range(50)))

            results = asyncio.run(many())
            assert all(status == 200 and body == segments[2] for status, _, body in results)
            assert origin.app[FETCHES][f"hls/{video}/v720/seg_00002.m4s"] == 1
            assert http_get(target)[1]["X-Cache-Status"] == "HIT"
            assert origin.app[FETCHES][f"hls/{video}/v720/seg_00002.m4s"] == 1


def test_range_requests(ladder, tmp_path):
    root, video, segments = ladder
    with edge_for(LocalOrigin(root), tmp_path) as edge:
        seg = url(edge, video, "v720/seg_00003.m4s")
        for cache_state in ("MISS", "HIT"):
            status, headers, body = http_get(seg, {"Range": "bytes=1000-1999"})
            assert (status, body) == (206, segments[3][1000:2000])
            assert headers["Content-Range"] == "bytes 1000-1999/100000"
            assert headers["X-Cache-Status"] == cache_state
        status, _, body = http_get(seg, {"Range": "bytes=-100"})
        assert (status, body) == (206, segments[3][-100:])
        status, headers, _ = http_get(seg, {"Range": "bytes=200000-"})
        assert status == 416 and headers["Content-Range"] == "bytes */100000"
        status, headers, _ = http_get(seg, {"Range": "bytes=-0"})
        assert status == 416 and headers["Content-Range"] == "bytes */100000", "a zero-byte suffix selects nothing"


def test_eviction_keeps_the_cache_under_its_cap(ladder, tmp_path):
    root, video, segments = ladder
    cap = 350_000  # room for three 100 kB segments
    with edge_for(LocalOrigin(root), tmp_path, max_bytes=cap) as edge:
        for i in range(1, 9):
            assert http_get(url(edge, video, f"v720/seg_{i:05d}.m4s"))[0] == 200
            on_disk = sum(f.stat().st_size for f in (tmp_path / "cache" / "objects").rglob("*") if f.is_file())
            assert on_disk <= cap
        _, _, status_body = http_get(f"{edge.url}/_edge/status")
        assert b'"evictions": 5' in status_body
        # the most recent are hits, the oldest went
        assert http_get(url(edge, video, "v720/seg_00008.m4s"))[1]["X-Cache-Status"] == "HIT"
        assert http_get(url(edge, video, "v720/seg_00001.m4s"))[1]["X-Cache-Status"] == "MISS"


def test_gzip_for_playlists_and_cors(ladder, tmp_path):
    root, video, _ = ladder
    with edge_for(LocalOrigin(root), tmp_path, cors=("https://video.example.org",)) as edge:
        playlist = url(edge, video, "v720/index.m3u8")
        status, headers, body = http_get(playlist, {"Accept-Encoding": "gzip", "Origin": "https://video.example.org"})
        assert status == 200 and headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(body) == PLAYLIST and len(body) < len(PLAYLIST) / 5
        assert headers["Access-Control-Allow-Origin"] == "https://video.example.org"
        assert "X-Cache-Status" in headers["Access-Control-Expose-Headers"]
        status, headers, body = http_get(playlist)
        assert body == PLAYLIST and "Content-Encoding" not in headers
        _, headers, _ = http_get(playlist, {"Origin": "https://evil.example"})
        assert "Access-Control-Allow-Origin" not in headers
        import urllib.request

        request = urllib.request.Request(playlist, method="OPTIONS", headers={
            "Origin": "https://video.example.org", "Access-Control-Request-Headers": "range"})
        with urllib.request.urlopen(request) as response:
            assert response.status == 204 and "Range" in response.headers["Access-Control-Allow-Headers"]


def test_fill_from_s3(ladder, tmp_path, s3_storage, moto_endpoint):
    client, bucket = s3_storage
    root, video, segments = ladder
    client.put_object(Bucket=bucket, Key=f"media/hls/{video}/v720/seg_00004.m4s", Body=segments[4])
    origin = S3Origin(bucket=bucket, prefix="media", endpoint_url=moto_endpoint, region_name="us-east-1",
                      access_key="testing", secret_key="testing")
    with edge_for(origin, tmp_path) as edge:
        status, headers, body = http_get(url(edge, video, "v720/seg_00004.m4s"))
        assert (status, headers["X-Cache-Status"], body) == (200, "MISS", segments[4])
        assert http_get(url(edge, video, "v720/seg_00004.m4s"))[1]["X-Cache-Status"] == "HIT"
        assert http_get(url(edge, video, "v720/seg_00005.m4s"))[0] == 404
