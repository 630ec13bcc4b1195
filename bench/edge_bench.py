"""Edge throughput on loopback, in one run (not a test).

1. Fill vs hit: 32 concurrent clients fetch distinct segments through a
   cold edge (every request a miss filled from an HTTP origin), then the same
   segments again (every request a hit). Reported as segments/s and the
   hit/fill ratio.
2. Hit vs nginx static: the same hits against nginx serving the files as
   plain static files (skipped without /usr/sbin/nginx), as a ratio.
3. Zipf: three edges, viewers picking titles by a Zipf(1.1) popularity;
   bytes fetched from origin per byte served once warm.

    .venv/bin/python bench/edge_bench.py [--segments 200] [--size 262144]
"""
from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from edge.server import EdgeConfig, HttpOrigin, edge_app_build  # noqa: E402
from edge.server.app import STATS_KEY  # noqa: E402
from edge.signing import token_issue, video_path_prefix  # noqa: E402
from tests.edge.servers import FETCHES, ThreadedApp, counting_origin_app  # noqa: E402

KEYS = {"b1": "bench-secret-0123456789abcdef"}
CLIENTS = 32


async def fetch_all(urls: list[str], clients: int = CLIENTS) -> tuple[float, int]:
    """(seconds, bytes) to fetch every URL with ``clients`` concurrent workers."""
    queue = list(reversed(urls))
    total = 0

    async def worker(session):
        nonlocal total
        while queue:
            url = queue.pop()
            async with session.get(url) as response:
                assert response.status == 200, (response.status, url)
                body = await response.read()
                total += len(body)

    connector = aiohttp.TCPConnector(limit=clients)
    async with aiohttp.ClientSession(connector=connector) as session:
        start = time.perf_counter()
        await asyncio.gather(*(worker(session) for _ in range(clients)))
        return time.perf_counter() - start, total


def ladder_write(root: Path, videos: list[uuid.UUID], segments: int, size: int) -> None:
    for video in videos:
        folder = root / "hls" / str(video) / "v720"
        folder.mkdir(parents=True)
        for i in range(segments):
            (folder / f"seg_{i:05d}.m4s").write_bytes(os.urandom(size))


def edge_start(origin_url: str, cache_dir: Path, name: str, max_bytes: int) -> ThreadedApp:
    config = EdgeConfig(node_name=name, origin=HttpOrigin(origin_url), cache_dir=cache_dir,
                        cache_max_bytes=max_bytes, signing_keys=KEYS)
    return ThreadedApp(edge_app_build(config)).start()


def urls_for(base: str, video: uuid.UUID, indices) -> list[str]:
    token = token_issue(session_id="bench", path_prefix=video_path_prefix(video), keys=KEYS,
                        expires_at=int(time.time()) + 3600)
    return [f"{base}/t/{token}/hls/{video}/v720/seg_{i:05d}.m4s" for i in indices]


def nginx_static(root: Path, work: Path) -> tuple[subprocess.Popen, str] | None:
    if not os.path.exists("/usr/sbin/nginx"):
        return None
    from tests.conftest import free_port

    port = free_port()
    (work / "logs").mkdir(parents=True, exist_ok=True)
    user = "user root;\n" if os.geteuid() == 0 else ""
    conf = work / "nginx.conf"
    conf.write_text(f"""{user}worker_processes 1; pid {work}/nginx.pid; error_log {work}/logs/error.log;
events {{ worker_connections 1024; }}
http {{ access_log off; sendfile on; tcp_nopush on; client_body_temp_path {work}/cb; proxy_temp_path {work}/p;
  fastcgi_temp_path {work}/f; uwsgi_temp_path {work}/u; scgi_temp_path {work}/s;
  server {{ listen 127.0.0.1:{port}; location ~ ^/t/[^/]+/(?<key>hls/.+)$ {{ alias {root}/$key; }} }} }}
""")
    process = subprocess.Popen(["/usr/sbin/nginx", "-p", str(work), "-c", str(conf), "-e",
                                str(work / "logs/error.log"), "-g", "daemon off;"])
    time.sleep(0.5)
    return process, f"http://127.0.0.1:{port}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--segments", type=int, default=200)
    parser.add_argument("--size", type=int, default=256 * 1024)
    parser.add_argument("--zipf-requests", type=int, default=6000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="edge-bench-"))
    try:
        root = work / "origin"
        video = uuid.uuid4()
        titles = [uuid.uuid4() for _ in range(40)]
        ladder_write(root, [video], args.segments, args.size)
        ladder_write(root, titles, 10, args.size)
        origin = ThreadedApp(counting_origin_app(root)).start()
        edge = edge_start(origin.url, work / "cache-a", "bench-a", 4 * 1024**3)
        urls = urls_for(edge.url, video, range(args.segments))
        print(f"{args.segments} segments of {args.size // 1024} KiB, {CLIENTS} concurrent clients, loopback, "
              f"{os.cpu_count()} CPUs")
        fill_s, fill_bytes = asyncio.run(fetch_all(urls))
        hit_s, hit_bytes = asyncio.run(fetch_all(urls))
        fill_rate, hit_rate = args.segments / fill_s, args.segments / hit_s
        print(f"  edge fill (miss): {fill_rate:8.0f} seg/s  {fill_bytes / fill_s / 1e6:7.0f} MB/s")
        print(f"  edge hit:         {hit_rate:8.0f} seg/s  {hit_bytes / hit_s / 1e6:7.0f} MB/s")
        print(f"  hit / fill ratio: {hit_rate / fill_rate:.2f}x")
        static = nginx_static(root, work / "nginx")
        if static:
            process, base = static
            try:
                static_urls = urls_for(base, video, range(args.segments))
                asyncio.run(fetch_all(static_urls))  # page cache warm
                static_s, _ = asyncio.run(fetch_all(static_urls))
                static_rate = args.segments / static_s
                print(f"  nginx static:     {static_rate:8.0f} seg/s  -> edge hits at "
                      f"{hit_rate / static_rate:.0%} of nginx static")
            finally:
                process.terminate()
                process.wait(10)
        else:
            print("  nginx static: skipped (no /usr/sbin/nginx)")

        # Zipf-popular titles over three edges, viewers spread round robin.
        edges = [edge_start(origin.url, work / f"cache-z{i}", f"zipf-{i}", 96 * 1024**2) for i in range(3)]
        origin.app[FETCHES].clear()
        rng = random.Random(7)
        weights = [1 / (rank + 1) ** 1.1 for rank in range(len(titles))]
        requests = []
        for n in range(args.zipf_requests):
            title = rng.choices(titles, weights)[0]
            requests.append(urls_for(edges[n % 3].url, title, [rng.randrange(10)])[0])
        warm = requests[: len(requests) // 3]
        asyncio.run(fetch_all(warm))
        before = sum(origin.app[FETCHES].values())
        _, served = asyncio.run(fetch_all(requests[len(warm):]))
        from_origin = (sum(origin.app[FETCHES].values()) - before) * args.size
        hits = sum(e.app[STATS_KEY].hits for e in edges)
        misses = sum(e.app[STATS_KEY].misses for e in edges)
        print(f"Zipf(1.1) over {len(titles)} titles x 10 segments, 3 edges of 96 MiB, {len(requests)} requests:")
        print(f"  once warm: origin bytes / served bytes = {from_origin / served:.1%} "
              f"(overall hit ratio {hits / (hits + misses):.1%})")
        for e in [*edges, edge, origin]:
            e.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
