"""Edge hits against nginx serving the same files statically, token check on
for both (not a test).

Three servers on loopback over the same segments, each warmed first:

- nginx static: plain nginx, the files under ``alias``, the njs token
  check of edge/nginx/edge_token.js in front (the floor an edge can reach);
- nginx edge: the configuration ``manage.py edge_nginx_conf`` writes
  (proxy_cache with slices, cache lock, njs token check, fill upstream
  picked by njs), every request a cache hit;
- runedge: ``manage.py runedge`` as its own process, every request a hit.

Reported: requests/s and MB/s of each, and nginx edge / static (goal
>= 0.9x) and runedge / static. The load comes from ``wrk`` when installed
(apt-get install wrk: it needs far less CPU than the Python client, which
matters on 2 cores), else from an aiohttp client in this process.

    .venv/bin/python bench/edge_static_bench.py                          # about 1 min
    .venv/bin/python bench/edge_static_bench.py --segments 10 --rounds 2 --seconds 1   # smoke
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "streaming.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")
import django  # noqa: E402

django.setup()

from edge.nginx import JS_MODULE, NginxEdge, nginx_files_write, njs_render  # noqa: E402
from edge.signing import token_issue, video_path_prefix  # noqa: E402
from tests.conftest import free_port  # noqa: E402
from tests.edge.servers import ThreadedApp, counting_origin_app  # noqa: E402

NGINX = "/usr/sbin/nginx"
KEYS = {"s1": "static-bench-secret-0123456789"}
CLIENTS = 32


def wait_listening(url: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url + "/healthz", timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not answer") from None
            time.sleep(0.1)


def nginx_static_start(root: Path, work: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    (work / "conf").mkdir(parents=True)
    (work / "logs").mkdir()
    edge = NginxEdge(node_name="static", listen=f"127.0.0.1:{port}", origin_url="http://127.0.0.1:9",
                     prefix_dir=work, cache_max_bytes=1, signing_keys=KEYS)
    (work / "conf" / "edge_token.js").write_text(njs_render(edge))
    user = "user root;\n" if os.geteuid() == 0 else ""
    conf = work / "conf" / "nginx.conf"
    conf.write_text(f"""load_module {JS_MODULE};
{user}worker_processes auto; pid {work}/nginx.pid; error_log {work}/logs/error.log;
events {{ worker_connections 4096; }}
http {{ access_log off; sendfile on; tcp_nopush on; keepalive_timeout 65;
  client_body_temp_path {work}/cb; proxy_temp_path {work}/p; fastcgi_temp_path {work}/f;
  uwsgi_temp_path {work}/u; scgi_temp_path {work}/s;
  js_path "{work}/conf"; js_import edge from edge_token.js; js_set $edge_token_check edge.verify;
  server {{ listen 127.0.0.1:{port};
    location = /healthz {{ return 200 "ok\\n"; }}
    location ~ "^/t/(?<edge_token>[A-Za-z0-9_.-]+)/(?<edge_key>hls/.+)$" {{
      if ($edge_token_check != "ok") {{ return 403; }}
      default_type video/iso.segment;
      alias {root}/$edge_key;
    }} }} }}
""")
    process = subprocess.Popen([NGINX, "-p", str(work), "-c", str(conf), "-e", str(work / "logs/error.log"),
                                "-g", "daemon off;"])
    url = f"http://127.0.0.1:{port}"
    wait_listening(url)
    return process, url


def nginx_edge_start(origin_url: str, work: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    edge = NginxEdge(node_name="bench-edge", listen=f"127.0.0.1:{port}", origin_url=origin_url, prefix_dir=work,
                     cache_max_bytes=4 * 1024**3, signing_keys=KEYS, user="root" if os.geteuid() == 0 else None)
    conf = nginx_files_write(edge)
    process = subprocess.Popen([NGINX, "-p", str(work), "-c", str(conf), "-e", str(work / "logs/error.log"),
                                "-g", "daemon off;"])
    url = f"http://127.0.0.1:{port}"
    wait_listening(url)
    return process, url


def runedge_start(root: Path, work: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "EDGE_SIGNING_KEYS": ",".join(f"{k}:{v}" for k, v in KEYS.items())}
    process = subprocess.Popen(
        [sys.executable, "manage.py", "runedge", "--port", str(port), "--name", "bench-runedge", "--origin",
         str(root), "--cache-dir", str(work), "--cache-max-bytes", "4G", "--control-url", ""],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    wait_listening(url)
    return process, url


async def fetch_all(urls: list[str], clients: int = CLIENTS) -> tuple[float, int]:
    queue = list(reversed(urls))
    total = 0

    async def worker(session):
        nonlocal total
        while queue:
            url = queue.pop()
            async with session.get(url) as response:
                assert response.status == 200, (response.status, url)
                body = await response.read()  # first: ``total += len(await ...)`` loses updates
                total += len(body)

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=clients)) as session:
        start = time.perf_counter()
        await asyncio.gather(*(worker(session) for _ in range(clients)))
        return time.perf_counter() - start, total


def measure(base: str, paths: list[str], args, work: Path) -> tuple[float, float]:
    """(requests/s, MB/s) of hits on ``base`` over ``paths``."""
    asyncio.run(fetch_all([base + p for p in paths]))  # warm: fill, page cache
    asyncio.run(fetch_all([base + p for p in paths]))
    wrk = shutil.which("wrk")
    if wrk and not args.python_client:
        script = work / "paths.lua"
        listed = ",".join(json.dumps(p) for p in paths)
        script.write_text(f"local paths = {{{listed}}}\nlocal i = 0\n"
                          "request = function()\n  i = i % #paths + 1\n  return wrk.format('GET', paths[i])\nend\n")
        out = subprocess.run([wrk, "-t2", f"-c{CLIENTS}", f"-d{args.seconds}s", "-s", str(script), base],
                             capture_output=True, text=True, check=True).stdout
        rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
        return rps, rps * args.size / 1e6
    seconds, total = asyncio.run(fetch_all([base + p for p in paths] * args.rounds))
    return len(paths) * args.rounds / seconds, total / seconds / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--segments", type=int, default=200)
    parser.add_argument("--size", type=int, default=256 * 1024)
    parser.add_argument("--rounds", type=int, default=10, help="Python client: passes over the segments")
    parser.add_argument("--seconds", type=int, default=15, help="wrk: seconds per server")
    parser.add_argument("--python-client", action="store_true", help="do not use wrk even when installed")
    parser.add_argument("--json", help="write the figures here")
    args = parser.parse_args()
    if not (os.path.exists(NGINX) and os.path.exists(JS_MODULE)):
        sys.exit(f"Needs {NGINX} and njs ({JS_MODULE}): apt-get install nginx libnginx-mod-http-js")
    work = Path(tempfile.mkdtemp(prefix="edge-static-bench-"))
    processes: list[subprocess.Popen] = []
    origin = None
    try:
        root = work / "files"
        video = uuid.uuid4()
        folder = root / "hls" / str(video) / "v720"
        folder.mkdir(parents=True)
        for i in range(args.segments):
            (folder / f"seg_{i:05d}.m4s").write_bytes(os.urandom(args.size))
        token = token_issue(session_id="bench", path_prefix=video_path_prefix(video), keys=KEYS,
                            expires_at=int(time.time()) + 3600, viewer_zone="bench")
        paths = [f"/t/{token}/hls/{video}/v720/seg_{i:05d}.m4s" for i in range(args.segments)]
        origin = ThreadedApp(counting_origin_app(root)).start()
        client = "wrk" if shutil.which("wrk") and not args.python_client else "aiohttp client (this process)"
        print(f"{args.segments} segments of {args.size // 1024} KiB, {CLIENTS} connections, {client}, "
              f"{os.cpu_count()} CPUs; every request a hit, token checked")
        results = {}
        for name, start in [("nginx static", lambda: nginx_static_start(root, work / "static")),
                            ("nginx edge", lambda: nginx_edge_start(origin.url, work / "nginx-edge")),
                            ("runedge", lambda: runedge_start(root, work / "runedge"))]:
            process, base = start()
            processes.append(process)
            try:
                rps, mbps = measure(base, paths, args, work)
            finally:
                process.terminate()
                process.wait(10)
            results[name] = {"requests_per_second": rps, "mb_per_second": mbps}
            print(f"  {name:13s} {rps:9.0f} req/s  {mbps:8.0f} MB/s")
        static = results["nginx static"]["requests_per_second"]
        for name in ("nginx edge", "runedge"):
            ratio = results[name]["requests_per_second"] / static
            results[name]["over_static"] = ratio
            print(f"  {name} / nginx static: {ratio:.2f}x")
        if args.json:
            Path(args.json).write_text(json.dumps({"args": vars(args), "client": client, **results}, indent=2))
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
        if origin is not None:
            origin.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
