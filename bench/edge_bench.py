"""Edge figures on loopback, in one run (not a test).

1. Fill vs hit: 32 concurrent clients fetch distinct segments through a
   cold runedge (every request a miss filled from an HTTP origin), then the
   same segments again (every request a hit): segments/s and the ratio.
2. Origin offload: viewers in 3 zones x 3 runedge nodes, round robin inside
   each zone, titles picked by Zipf(1.1) popularity over 40 titles; bytes
   fetched from origin per byte served once warm (after the first third of
   the requests), in three modes:
     - none: every node fills its own misses from origin (as before issue 15);
     - peer: a miss goes to the zone's owner of the object, then origin;
     - push: peer fill, and before the viewers come each node pulls its fill
       plan (the objects it owns of the zone's most popular titles, ranked by
       a day of plays drawn from the same popularity, within 80% of its
       cache) as edge_fill would send it; the push itself is off-peak and
       reported apart.

    .venv/bin/python bench/edge_bench.py                     # about 2 min
    .venv/bin/python bench/edge_bench.py --segments 20 --zipf-requests 300 --size 16384   # smoke

Origin, edges and the load generator share one Python process (threads, one
GIL): throughput figures are floors; the offload ratios do not depend on it.
nginx comparisons are in bench/edge_static_bench.py.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "streaming.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")
import django  # noqa: E402

django.setup()

from edge.models import EdgeNode  # noqa: E402
from edge.popularity import TitlePlays  # noqa: E402
from edge.server import EdgeConfig, HttpOrigin, Peer, edge_app_build  # noqa: E402
from edge.server.app import PUSH_KEY, STATS_KEY  # noqa: E402
from edge.services.fill import _zone_drafts  # noqa: E402
from edge.signing import token_issue, video_path_prefix  # noqa: E402
from tests.edge.servers import FETCH_LOG, ThreadedApp, counting_origin_app  # noqa: E402

KEYS = {"b1": "bench-secret-0123456789abcdef"}
CLIENTS = 32
ZONES = ("mumbai", "frankfurt", "virginia")
NODES_PER_ZONE = 3
TITLES = 40
SEGMENTS_PER_TITLE = 10


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
                # Read first: ``total += len(await ...)`` loads ``total`` before
                # the await, so updates by other workers meanwhile were lost and
                # served bytes came out several times too low.
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


def edge_start(origin_url: str, cache_dir: Path, name: str, max_bytes: int, *, peers=(),
               peer_fill: bool = False) -> ThreadedApp:
    config = EdgeConfig(node_name=name, origin=HttpOrigin(origin_url), cache_dir=cache_dir,
                        cache_max_bytes=max_bytes, signing_keys=KEYS, peers=list(peers), peer_fill=peer_fill)
    return ThreadedApp(edge_app_build(config)).start()


def token_for(video: uuid.UUID, zone: str = "") -> str:
    return token_issue(session_id="bench", path_prefix=video_path_prefix(video), keys=KEYS,
                       expires_at=int(time.time()) + 3600, viewer_zone=zone)


def fill_vs_hit(work: Path, args) -> dict:
    root = work / "origin-fill"
    video = uuid.uuid4()
    ladder_write(root, [video], args.segments, args.size)
    origin = ThreadedApp(counting_origin_app(root)).start()
    edge = edge_start(origin.url, work / "cache-fill", "bench-a", 4 * 1024**3)
    token = token_for(video)
    urls = [f"{edge.url}/t/{token}/hls/{video}/v720/seg_{i:05d}.m4s" for i in range(args.segments)]
    try:
        fill_s, fill_bytes = asyncio.run(fetch_all(urls))
        hit_s, hit_bytes = asyncio.run(fetch_all(urls))
    finally:
        edge.stop()
        origin.stop()
    fill_rate, hit_rate = args.segments / fill_s, args.segments / hit_s
    print(f"{args.segments} segments of {args.size // 1024} KiB, {CLIENTS} concurrent clients, loopback, "
          f"{os.cpu_count()} CPUs")
    print(f"  edge fill (miss): {fill_rate:8.0f} seg/s  {fill_bytes / fill_s / 1e6:7.0f} MB/s")
    print(f"  edge hit:         {hit_rate:8.0f} seg/s  {hit_bytes / hit_s / 1e6:7.0f} MB/s")
    print(f"  hit / fill ratio: {hit_rate / fill_rate:.2f}x")
    return {"fill_seg_s": fill_rate, "hit_seg_s": hit_rate, "hit_over_fill": hit_rate / fill_rate}


def zipf_requests(titles: list[uuid.UUID], count: int, seed: int) -> list[tuple[str, uuid.UUID, int]]:
    """(viewer zone, title, segment) per request: zones uniform, titles Zipf(1.1)."""
    rng = random.Random(seed)
    weights = [1 / (rank + 1) ** 1.1 for rank in range(len(titles))]
    return [(rng.choice(ZONES), rng.choices(titles, weights)[0], rng.randrange(SEGMENTS_PER_TITLE))
            for _ in range(count)]


def push_plans(titles: list[uuid.UUID], names: dict[str, list[str]], cache_bytes: int, size: int,
               seed: int, day_of_plays: int) -> dict[str, list[list]]:
    """Each node's plan, as edge.services.fill makes it: a day of plays per
    zone (drawn from the same popularity, another seed) ranks the titles."""
    plays: dict[str, Counter] = {zone: Counter() for zone in ZONES}
    for zone, title, _ in zipf_requests(titles, day_of_plays, seed + 1):
        plays[zone][title] += 1
    listing = {t: [(f"hls/{t}/v720/seg_{i:05d}.m4s", size) for i in range(SEGMENTS_PER_TITLE)] for t in titles}
    plans: dict[str, list[list]] = {}
    for zone in ZONES:
        members = [EdgeNode(name=name, cache_max_bytes=cache_bytes) for name in names[zone]]
        ranked = [TitlePlays(t, n) for t, n in plays[zone].most_common()]
        for name, draft in _zone_drafts(members=members, titles=ranked, listing=listing).items():
            plans[name] = draft.objects
    return plans


def offload(work: Path, args, mode: str) -> dict:
    root = work / "origin-zipf"
    titles = [uuid.UUID(int=random.Random(7).getrandbits(128) ^ n) for n in range(TITLES)]
    if not root.exists():
        ladder_write(root, titles, SEGMENTS_PER_TITLE, args.size)
    origin = ThreadedApp(counting_origin_app(root)).start()
    cache_bytes = args.cache_mib * 1024**2
    names = {zone: [f"{zone}-{i}" for i in range(1, NODES_PER_ZONE + 1)] for zone in ZONES}
    ports = {}
    edges: dict[str, ThreadedApp] = {}
    # Ports first, so that every node can be given its peers' URLs.
    from tests.conftest import free_port

    for zone in ZONES:
        for name in names[zone]:
            ports[name] = free_port()
    try:
        for zone in ZONES:
            peers = [Peer(name=n, url=f"http://127.0.0.1:{ports[n]}") for n in names[zone]]
            for name in names[zone]:
                config = EdgeConfig(node_name=name, origin=HttpOrigin(origin.url),
                                    cache_dir=work / f"cache-{mode}-{name}", cache_max_bytes=cache_bytes,
                                    signing_keys=KEYS, peers=peers, peer_fill=mode != "none",
                                    push_fill=mode == "push")
                app = ThreadedApp(edge_app_build(config))
                app.port, app.url = ports[name], f"http://127.0.0.1:{ports[name]}"
                edges[name] = app.start()
        pushed = 0
        if mode == "push":
            plans = push_plans(titles, names, cache_bytes, args.size, args.seed, args.day_of_plays)
            for name, objects in plans.items():
                plan = {"version": 1, "window": "00:00-00:00", "start_now": True, "rate_mbps": 1e6,
                        "objects": objects}
                app = edges[name]
                app._loop.call_soon_threadsafe(app.app[PUSH_KEY].plan_set, plan)
            deadline = time.monotonic() + 600
            while not all((edges[n].app[PUSH_KEY].progress() or {}).get("state") == "done" for n in plans):
                if time.monotonic() > deadline:
                    raise RuntimeError("push fill did not finish in 10 minutes")
                time.sleep(0.2)
            pushed = sum(size for _, _, size in origin.app[FETCH_LOG])
        tokens = {(t, z): token_for(t, z) for t in titles for z in ZONES}
        turn: Counter = Counter()
        urls = []
        for zone, title, segment in zipf_requests(titles, args.zipf_requests, args.seed):
            name = names[zone][turn[zone] % NODES_PER_ZONE]  # round robin inside the zone
            turn[zone] += 1
            urls.append(f"{edges[name].url}/t/{tokens[title, zone]}/hls/{title}/v720/seg_{segment:05d}.m4s")
        warm = urls[: len(urls) // 3]
        asyncio.run(fetch_all(warm))
        before = sum(size for _, _, size in origin.app[FETCH_LOG])
        _, served = asyncio.run(fetch_all(urls[len(warm):]))
        from_origin = sum(size for _, _, size in origin.app[FETCH_LOG]) - before
        stats = [edges[n].app[STATS_KEY] for n in edges]
        hits, misses = sum(s.hits for s in stats), sum(s.misses for s in stats)
    finally:
        for app in edges.values():
            app.stop()
        origin.stop()
    share = from_origin / served if served else 0.0
    print(f"  {mode:5s} once warm: origin bytes / served bytes = {share:6.2%}  (hit ratio {hits / (hits + misses):.1%}"
          + (f"; pushed off-peak {pushed / 1e6:.1f} MB" if mode == "push" else "") + ")")
    return {"mode": mode, "origin_over_served": share, "hit_ratio": hits / (hits + misses), "pushed_bytes": pushed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--segments", type=int, default=200, help="fill vs hit: segments")
    parser.add_argument("--size", type=int, default=256 * 1024, help="segment bytes")
    parser.add_argument("--zipf-requests", type=int, default=6000)
    parser.add_argument("--cache-mib", type=int, default=32, help="cache per node (catalog: 40 x 10 segments)")
    parser.add_argument("--day-of-plays", type=int, default=2000, help="plays ranking titles for push fill")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--modes", default="none,peer,push")
    parser.add_argument("--skip-fill", action="store_true", help="only the offload part")
    parser.add_argument("--json", help="write the figures here (e.g. bench/results/edge-<date>.json)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="edge-bench-"))
    results: dict = {"args": vars(args), "cpus": os.cpu_count()}
    try:
        if not args.skip_fill:
            results["fill_vs_hit"] = fill_vs_hit(work, args)
        catalog = TITLES * SEGMENTS_PER_TITLE * args.size
        print(f"Zipf(1.1) over {TITLES} titles x {SEGMENTS_PER_TITLE} segments ({catalog / 2**20:.0f} MiB), "
              f"{len(ZONES)} zones x {NODES_PER_ZONE} nodes of {args.cache_mib} MiB, round robin in zones, "
              f"{args.zipf_requests} requests:")
        results["offload"] = [offload(work, args, mode) for mode in args.modes.split(",")]
        if args.json:
            Path(args.json).write_text(json.dumps(results, indent=2))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
