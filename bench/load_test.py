"""Load test on loopback: N viewers on the real stack (a benchmark, not a test).

Starts, in a throwaway VAR_DIR:
  - PostgreSQL (a fresh database on 127.0.0.1:5432, dropped at the end) when
    reachable, else SQLite; a private redis-server on a free port as the shared
    cache (round-robin counters, throttles) when redis-server is installed;
  - gunicorn (gthread) serving the Django site with production settings
    (DJANGO_DEBUG=0, SSL redirect off because this is plain-HTTP loopback);
  - --edges `manage.py runedge` processes, all nodes of one zone, filling from
    the local media folder and heartbeating to gunicorn;
  - one title transcoded through the real pipeline (`manage.py transcode`);
  - --viewers accounts on the Premium plan (4 screens), one per viewer.

Then every viewer, ramped up over --ramp seconds: signs in through the API
(bearer token), lists its profiles, starts playback (POST /api/v1/playback/),
loads the master playlist from the app, the media playlist, init segment and
segments from the edge its session was given, and keeps fetching segments
(like a player filling its buffer, switching rungs) with a heartbeat every
PLAYBACK_HEARTBEAT_INTERVAL, until --duration seconds have passed; then checks
its session is still listed as holding a screen and stops it.

Reported: sessions held, errors (must be 0), requests/s, p50/p99 of sign-in,
playback start (POST /playback/ through the first segment), segment fetches
and heartbeats, and the edges' hit ratio (X-Cache-Status and the edges' own
heartbeat figures). The figures go to bench/results/load-<date>.json.

    .venv/bin/python bench/load_test.py [--viewers 50] [--duration 60] [--edges 3] [--web-workers 3]

Loopback only; every process it starts is stopped at the end. The API's
sign-in and playback-start throttles are per client address, and all viewers
here share 127.0.0.1, so they are raised for the run (API_THROTTLE_*).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urljoin

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
RESULTS_DIR = ROOT / "bench" / "results"
PY = sys.executable
PASSWORD = "load-Test-pass-42"
SEGMENT_SECONDS = 6.0  # the default ladder's segment length
KEYS = "load1:load-test-edge-signing-secret-0123456789abcdef"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def wait_port(port: int, what: str, proc: subprocess.Popen | None = None, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not port_open(port):
        if proc is not None and proc.poll() is not None:
            log = getattr(proc, "log_path", None)
            tail = log.read_text(errors="replace")[-1500:] if log and log.exists() else ""
            raise SystemExit(f"{what} exited with {proc.returncode}\n{tail}")
        if time.monotonic() > deadline:
            raise SystemExit(f"{what} did not listen on {port} within {timeout:.0f} s")
        time.sleep(0.1)


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, max(0, int(round(q / 100 * len(values) + 0.5)) - 1))]


def ms(value: float | None) -> str:
    return "-" if value is None else f"{value * 1000:.0f} ms"


class Stack:
    """Every process of the run, stopped in reverse order by stop()."""

    def __init__(self, args):
        self.args = args
        self.tmp = Path(tempfile.mkdtemp(prefix="load-test-"))
        self.procs: list[tuple[str, subprocess.Popen]] = []
        self.db_name: str | None = None
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "CACHE_URL", "DRAMATIQ_",
                                                                        "S3_"))},
            "VAR_DIR": str(self.tmp / "var"), "MEDIA_ROOT": str(self.tmp / "var" / "media"),
            "DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "load-test-secret-" + "x" * 40,
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost", "DJANGO_SECURE_SSL_REDIRECT": "0",
            "EDGE_SIGNING_KEYS": KEYS, "EDGE_HEARTBEAT_INTERVAL": "2", "EDGE_HEARTBEAT_TTL": "30",
            "API_THROTTLE_SIGN_IN": "100000/minute", "API_THROTTLE_PLAYBACK_START": "100000/minute",
            "API_THROTTLE_REFRESH": "100000/minute", "LOG_LEVEL": "WARNING", "PYTHONUNBUFFERED": "1",
            "TRANSCODE_ON_UPLOAD": "1",
        }

    def start(self, name: str, argv: list[str], **kw) -> subprocess.Popen:
        log = (self.tmp / f"{name}.log").open("wb")
        proc = subprocess.Popen(argv, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True, **kw)
        proc.log_path = self.tmp / f"{name}.log"
        self.procs.append((name, proc))
        return proc

    def manage(self, *argv: str, timeout: float = 600, env: dict | None = None) -> str:
        result = subprocess.run([PY, "manage.py", *argv], cwd=ROOT, env={**self.env, **(env or {})},
                                capture_output=True, text=True, timeout=timeout)
        if result.returncode != 0:
            raise SystemExit(f"manage.py {' '.join(argv[:2])} failed:\n{result.stdout[-2000:]}{result.stderr[-3000:]}")
        return result.stdout

    def database(self) -> str:
        if not self.args.sqlite and port_open(5432):
            try:
                import psycopg

                self.db_name = f"loadtest_{os.getpid()}"
                with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{self.db_name}"')
                    conn.execute(f'CREATE DATABASE "{self.db_name}"')
                self.env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{self.db_name}"
                return f"PostgreSQL (database {self.db_name})"
            except Exception as exc:  # no server or no rights: fall back
                print(f"  PostgreSQL not usable ({exc}); SQLite instead")
                self.db_name = None
        return "SQLite"

    def cache(self) -> str:
        binary = shutil.which("redis-server")
        if self.args.no_redis or not binary:
            return "local memory (one per gunicorn worker)"
        port = free_port()
        proc = self.start("redis", [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "",
                                    "--appendonly", "no", "--dir", str(self.tmp)])
        wait_port(port, "redis-server", proc)
        self.env["CACHE_URL"] = f"redis://127.0.0.1:{port}/1"
        return f"Redis (private redis-server on {port})"

    def stop(self) -> None:
        for _name, proc in reversed(self.procs):
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for _name, proc in reversed(self.procs):
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        if self.db_name:
            import psycopg

            with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
        if not self.args.keep:
            shutil.rmtree(self.tmp, ignore_errors=True)


SETUP = """
import json
from django.contrib.auth import get_user_model
from edge.models import Zone
from edge.services import edge_node_create, zone_create
from streaming.subscribers.models import Plan
from streaming.subscribers.plans import plans_ensure
from streaming.subscribers.services import account_create
plans_ensure(Plan)
premium = Plan.objects.get(slug="premium")
zone = Zone.objects.filter(code="virginia").first() or zone_create(
    code="virginia", name="Virginia", country="US", latitude=38.95, longitude=-77.45)
nodes = []
for i, port in enumerate(PORTS, 1):
    node = edge_node_create(zone=zone, name=f"virginia-{i}", base_url=f"http://127.0.0.1:{port}", capacity=1000)
    nodes.append({"id": node.pk, "secret": node.secret, "name": node.name, "port": port})
User = get_user_model()
for i in range(VIEWERS):
    name = f"loadviewer{i:03d}"
    if not User.objects.filter(username=name).exists():
        account_create(username=name, email=f"{name}@example.com", password=PASSWORD, plan=premium)
print("SETUP" + json.dumps({"nodes": nodes, "screens": premium.screens}))
"""

FINAL = """
import json
from edge.models import EdgeNode
from streaming.subscribers.models import PlaybackSession
print("FINAL" + json.dumps({
    "nodes": [{"name": n.name, "hit_ratio": n.hit_ratio, "cache_bytes": n.cache_bytes,
               "health": n.health(), "active": n.active_connections} for n in EdgeNode.objects.order_by("name")],
    "sessions": PlaybackSession.objects.count(),
    "sessions_ended": PlaybackSession.objects.exclude(ended_at=None).count(),
}))
"""


def attrs(line: str) -> dict[str, str]:
    return {k: v.strip('"') for k, v in re.findall(r'([A-Z0-9-]+)=("[^"]*"|[^,]*)', line.split(":", 1)[1])}


class Stats:
    def __init__(self):
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.errors: Counter = Counter()
        self.error_samples: list[str] = []
        self.cache: Counter = Counter()
        self.bytes = 0
        self.app_requests = 0
        self.edge_requests = 0
        self.held = 0
        self.started = 0

    def error(self, what: str, detail: str) -> None:
        self.errors[what] += 1
        if len(self.error_samples) < 10:
            self.error_samples.append(f"{what}: {detail[:200]}")


async def viewer(i: int, *, base: str, video: str, stats: Stats, deadline: float, heartbeat_every: float,
                 session: aiohttp.ClientSession, buffer: float | None) -> None:
    api = f"{base}/api/v1"
    name = f"loadviewer{i:03d}"

    async def call(what: str, method: str, url: str, *, token: str | None = None, body: dict | None = None,
                   expect: int = 200):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        t = time.monotonic()
        async with session.request(method, url, json=body, headers=headers) as r:
            data = await r.read()
            stats.app_requests += 1
            stats.latency[what].append(time.monotonic() - t)
            if r.status != expect:
                raise RuntimeError(f"{method} {url}: {r.status} {data[:200]!r}")
            return json.loads(data) if data and r.content_type == "application/json" else data

    async def edge_get(url: str, what: str) -> bytes:
        t = time.monotonic()
        async with session.get(url) as r:
            data = await r.read()
            stats.edge_requests += 1
            stats.latency[what].append(time.monotonic() - t)
            if r.status != 200:
                raise RuntimeError(f"GET {url}: {r.status}")
            stats.cache[r.headers.get("X-Cache-Status", "none")] += 1
            stats.bytes += len(data)
            return data

    step = "sign-in"
    try:
        tokens = await call("sign_in", "POST", f"{api}/auth/sign-in/",
                            body={"username": name, "password": PASSWORD, "device_name": f"load {i}"})
        token = tokens["access_token"]
        step = "profiles"
        profile = (await call("profiles", "GET", f"{api}/profiles/", token=token))[0]["id"]
        step = "playback start"
        t0 = time.monotonic()
        s = await call("playback_post", "POST", f"{api}/playback/", token=token,
                       body={"profile": profile, "video": video}, expect=201)
        master_url = s["master_url"]
        master = (await call("master", "GET", master_url)).decode()
        edge_id = s["edge"]["id"]
        variants = []
        lines = master.splitlines()
        for n, line in enumerate(lines):
            if line.startswith("#EXT-X-STREAM-INF:"):
                a = attrs(line)
                if a.get("PATHWAY-ID", edge_id) == edge_id:
                    variants.append((int(a["BANDWIDTH"]), urljoin(master_url, lines[n + 1].strip())))
        variants.sort()
        playlists = {}
        for _, url in variants:
            text = (await edge_get(url, "playlist")).decode()
            init = next(attrs(line)["URI"] for line in text.splitlines() if line.startswith("#EXT-X-MAP:"))
            segs = [urljoin(url, line.strip()) for line in text.splitlines() if line and not line.startswith("#")]
            playlists[url] = (urljoin(url, init), segs)
            if len(playlists) == 1:  # first rung: init + first segment = playback can start
                await edge_get(playlists[url][0], "init")
                await edge_get(segs[0], "segment")
                stats.latency["playback_start"].append(time.monotonic() - t0)
                stats.started += 1
        step = "playing"
        n, next_beat, rung = 1, time.monotonic() + heartbeat_every, 0
        playing_since = time.monotonic()
        urls = list(playlists.values())
        while time.monotonic() < deadline:
            playhead = time.monotonic() - playing_since
            if buffer is not None and n * SEGMENT_SECONDS - playhead > buffer:
                # Buffer full: a player waits for the playhead, and so do we.
                await asyncio.sleep(min(n * SEGMENT_SECONDS - playhead - buffer + 0.01,
                                        max(0.0, deadline - time.monotonic()), 1.0))
                if time.monotonic() < next_beat:
                    continue
            init_url, segs = urls[rung % len(urls)]
            if n % len(segs) == 0:  # wrapped around: switch rung, like ABR does
                rung += 1
                init_url, segs = urls[rung % len(urls)]
                await edge_get(init_url, "init")
            if buffer is None or n * SEGMENT_SECONDS - playhead <= buffer:
                await edge_get(segs[n % len(segs)], "segment")
                n += 1
            if time.monotonic() >= next_beat:
                position = (time.monotonic() - playing_since) % max(1.0, s["duration"] or 1.0)
                await call("heartbeat", "POST", f"{api}/playback/{s['id']}/heartbeat/", token=token,
                           body={"position": position, "state": "playing",
                                 "qoe": {"edge": edge_id}})
                next_beat += heartbeat_every
        step = "screens"
        active = await call("sessions", "GET", f"{api}/playback/", token=token)
        if any(a["id"] == s["id"] for a in active):
            stats.held += 1
        else:
            stats.error("session lost", f"{name}: {s['id']} not among active sessions")
        await call("stop", "POST", f"{api}/playback/{s['id']}/stop/", token=token, body={"position": 1.0},
                   expect=204)
    except Exception as exc:  # every failure is counted, with its step
        stats.error(step, f"{name}: {exc!r}")


async def run_viewers(args, base: str, video: str, heartbeat_every: float) -> tuple[Stats, float]:
    stats = Stats()
    connector = aiohttp.TCPConnector(limit=0, limit_per_host=0)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        started = time.monotonic()
        deadline = started + args.ramp + args.duration

        async def delayed(i: int):
            await asyncio.sleep(args.ramp * i / max(1, args.viewers))
            await viewer(i, base=base, video=video, stats=stats, deadline=deadline,
                         heartbeat_every=heartbeat_every, session=session,
                         buffer=None if args.no_pace else args.buffer)

        await asyncio.gather(*(delayed(i) for i in range(args.viewers)))
        elapsed = time.monotonic() - started
    return stats, elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--viewers", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60, help="seconds of playback after the ramp")
    parser.add_argument("--ramp", type=float, default=10, help="viewers start spread over this many seconds")
    parser.add_argument("--edges", type=int, default=3)
    parser.add_argument("--web-workers", type=int, default=3, help="gunicorn worker processes (gthread)")
    parser.add_argument("--web-threads", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=30, help="length of the generated title")
    parser.add_argument("--heartbeat", type=float, default=10, help="seconds between player heartbeats")
    parser.add_argument("--buffer", type=float, default=60,
                        help="seconds a viewer buffers ahead; then segments come at playback speed")
    parser.add_argument("--no-pace", action="store_true",
                        help="stress: every viewer fetches segments back to back for the whole run")
    parser.add_argument("--sqlite", action="store_true", help="SQLite even when PostgreSQL is reachable")
    parser.add_argument("--no-redis", action="store_true", help="local-memory cache instead of a private Redis")
    parser.add_argument("--keep", action="store_true", help="keep the throwaway folder (logs)")
    parser.add_argument("--client-networks", type=int, default=0,
                        help="import this many generated client prefixes first (steering at scale; 0: none)")
    args = parser.parse_args()
    if not 1 <= args.viewers <= 500 or not 1 <= args.duration <= 600 or not 1 <= args.edges <= 8:
        raise SystemExit("bounded run: 1-500 viewers, 1-600 s, 1-8 edges")

    stack = Stack(args)
    t_setup = time.monotonic()
    try:
        db = stack.database()
        cache = stack.cache()
        print(f"stack: {db}; cache {cache}; gunicorn {args.web_workers}x{args.web_threads} threads; "
              f"{args.edges} edges; folder {stack.tmp}")
        stack.manage("migrate", "--no-input", "-v", "0")
        web_port = free_port()
        stack.env["EDGE_ORIGIN_URL"] = f"http://127.0.0.1:{web_port}"
        ports = [free_port() for _ in range(args.edges)]
        code = SETUP.replace("PORTS", repr(ports)).replace("VIEWERS", str(args.viewers)).replace(
            "PASSWORD", repr(PASSWORD))
        out = stack.manage("shell", "-c", code)
        setup = json.loads(out.split("SETUP", 1)[1].strip().splitlines()[0])
        print(f"  {args.viewers} Premium accounts ({setup['screens']} screens each), {args.edges} edge nodes")
        if args.client_networks:
            sys.path.insert(0, str(ROOT / "bench"))
            from prefix_feed import prefixes_write

            feed = stack.tmp / "client-networks.csv"
            prefixes_write(feed, args.client_networks, zones=("virginia",))
            t = time.monotonic()
            stack.manage("client_networks_import", str(feed), "--replace", timeout=900)
            print(f"  imported {args.client_networks:,} client prefixes in {time.monotonic() - t:.0f} s "
                  "(every web process builds its prefix table as it starts)")

        source = stack.tmp / "film.mp4"
        stack.manage("shell", "-c", "from pathlib import Path; from transcoding import ffmpeg; ffmpeg.run("
                     f"ffmpeg.clip_args(output=Path({str(source)!r}), size='640x360', seconds={args.seconds}))")
        t = time.monotonic()
        stack.manage("transcode", str(source), "--title", "Load Test Film", timeout=900,
                     env={"DRAMATIQ_BROKER_URL": ""})
        print(f"  transcoded a {args.seconds} s 360p title in {time.monotonic() - t:.0f} s")
        video = stack.manage("shell", "-c", "from catalog.models import Video; "
                             "print('VIDEO' + str(Video.objects.get(title__name='Load Test Film').public_id))")
        video = video.split("VIDEO", 1)[1].strip()

        web = stack.start("gunicorn", [
            str(Path(PY).with_name("gunicorn")), "streaming.wsgi:application", "--bind", f"127.0.0.1:{web_port}",
            "--workers", str(args.web_workers), "--worker-class", "gthread", "--threads", str(args.web_threads),
            "--timeout", "60", "--graceful-timeout", "10", "--access-logfile", "/dev/null"])
        wait_port(web_port, "gunicorn", web)
        import urllib.request

        for _ in range(4 * args.web_workers):  # every worker has imported the app before viewers come
            urllib.request.urlopen(f"http://127.0.0.1:{web_port}/api/v1/plans/", timeout=60).read()
        for node, port in zip(setup["nodes"], ports, strict=True):
            proc = stack.start(f"edge-{node['name']}", [
                PY, "manage.py", "runedge", "--port", str(port), "--node", str(node["id"]),
                f"--secret={node['secret']}", "--name", node["name"], "--origin", stack.env["MEDIA_ROOT"],
                "--cache-dir", str(stack.tmp / "edge-cache" / node["name"]), "--cache-max-bytes", "512M",
                "--control-url", f"http://127.0.0.1:{web_port}", "--heartbeat-interval", "2"])
            wait_port(port, node["name"], proc)
        time.sleep(3)  # first heartbeats: the nodes are healthy before viewers arrive
        setup_seconds = time.monotonic() - t_setup
        print(f"  ready after {setup_seconds:.0f} s: http://127.0.0.1:{web_port}, edges on {ports}")

        print(f"running {args.viewers} viewers for {args.ramp:g} s ramp + {args.duration:g} s ...")
        stats, elapsed = asyncio.run(run_viewers(args, f"http://127.0.0.1:{web_port}", video, args.heartbeat))
        time.sleep(2.5)  # one more heartbeat from every edge
        final = json.loads(stack.manage("shell", "-c", FINAL).split("FINAL", 1)[1].strip().splitlines()[0])
    finally:
        stack.stop()

    hits, misses = stats.cache.get("HIT", 0), stats.cache.get("MISS", 0)
    lat = {k: {"n": len(v), "p50_ms": round(pct(v, 50) * 1000, 1), "p99_ms": round(pct(v, 99) * 1000, 1),
               "max_ms": round(max(v) * 1000, 1)} for k, v in stats.latency.items() if v}
    errors = sum(stats.errors.values())
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "args": vars(args), "stack": {"database": db, "cache": cache}, "setup_seconds": round(setup_seconds, 1),
        "elapsed_seconds": round(elapsed, 1), "viewers": args.viewers, "playback_started": stats.started,
        "sessions_held": stats.held, "errors": errors, "errors_by_step": dict(stats.errors),
        "error_samples": stats.error_samples,
        "app_requests": stats.app_requests, "app_requests_per_s": round(stats.app_requests / elapsed, 1),
        "edge_requests": stats.edge_requests, "edge_requests_per_s": round(stats.edge_requests / elapsed, 1),
        "edge_mbytes_per_s": round(stats.bytes / elapsed / 1e6, 1),
        "edge_hit_ratio_responses": round(hits / max(1, hits + misses), 4), "cache_status": dict(stats.cache),
        "edge_nodes_reported": final["nodes"], "latency": lat,
    }
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = RESULTS_DIR / f"load-{datetime.now(UTC):%Y-%m-%d-%H%M%S}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")

    print()
    print("| measure | result |\n|---|---|")
    print(f"| viewers started / sessions held to the end | {stats.started} / {stats.held} of {args.viewers} |")
    print(f"| errors | {errors} {dict(stats.errors) if errors else ''} |")
    print(f"| app (API + master) requests | {stats.app_requests} ({result['app_requests_per_s']}/s) |")
    print(f"| edge requests | {stats.edge_requests} ({result['edge_requests_per_s']}/s, "
          f"{result['edge_mbytes_per_s']} MB/s) |")
    for key, label in [("sign_in", "sign-in"), ("playback_start", "playback start (POST /playback/ to first segment)"),
                       ("playback_post", "POST /playback/"), ("master", "master playlist"),
                       ("segment", "segment fetch"), ("heartbeat", "heartbeat")]:
        if key in lat:
            print(f"| {label} p50 / p99 | {lat[key]['p50_ms']:.0f} / {lat[key]['p99_ms']:.0f} ms (n={lat[key]['n']}) |")
    print(f"| edge hit ratio (responses) | {result['edge_hit_ratio_responses']:.1%} ({hits} HIT, {misses} MISS) |")
    reported = ", ".join(f"{n['name']} {n['hit_ratio']:.1%}" for n in final["nodes"])
    print(f"| edge hit ratio (edges' heartbeats) | {reported} |")
    for sample in stats.error_samples:
        print("  error:", sample)
    print(f"\nwritten {out.relative_to(ROOT)}")
    return 0 if errors == 0 and stats.held == args.viewers else 1


if __name__ == "__main__":
    sys.exit(main())
