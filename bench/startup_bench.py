"""Startup time in headless Chromium on loopback (a benchmark, not a test).

Startup, as Mux and CTA-2066 define it: from the play request (opening the
watch page, which is what the Play button does) until the first frame shows
and the playhead advances. The player measures it itself and reports it in
its QoE beacon; this script reads that figure for N plays through a real edge
(warm after the first fill) and N plays with no edge (the origin serves),
in one run, and prints p50/p95 and the edge/origin ratio.

    .venv/bin/python bench/startup_bench.py [--plays 20] [--seconds 30] [--height 720]

It builds a throwaway installation (SQLite in a temp VAR_DIR), transcodes a
generated clip through the real pipeline, starts gunicorn (2 workers x 4 threads) and
one `manage.py runedge`, and drives Debian's /usr/bin/chromium via Playwright.
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Playwright's sync API runs an event loop in this thread; our ORM calls stay synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--autoplay-policy=no-user-gesture-required"]
PASSWORD = "bench-Password-42"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except Exception:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer in {timeout} s")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def setup(var_dir: Path, seconds: int, height: int, server_url: str):
    """Migrate, make a subscriber and a transcoded title, in this process."""
    os.environ.update({"VAR_DIR": str(var_dir), "DJANGO_SETTINGS_MODULE": "streaming.settings",
                       "EDGE_ORIGIN_URL": server_url})
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.files import File
    from django.core.management import call_command

    from catalog.services import title_create, video_create
    from streaming.subscribers.models import Plan
    from streaming.subscribers.plans import plans_ensure
    from streaming.subscribers.services import account_create
    from transcoding import ffmpeg
    from transcoding.management.commands.transcode import job_watch

    call_command("migrate", verbosity=0)
    plans_ensure(Plan)
    user = account_create(username="bench", email="bench@example.com", password=PASSWORD,
                          plan=Plan.objects.get(slug="premium"))
    source = var_dir / "source.mp4"
    width = int(round(height * 16 / 9 / 2)) * 2
    ffmpeg.run(ffmpeg.sample_args(output=source, seconds=seconds, width=width, height=height))
    with source.open("rb") as fh:
        video = video_create(title=title_create(name="Bench Title"), source=File(fh, name="source.mp4"))
    job = job_watch(video.jobs.get().pk, stdout=open(os.devnull, "w"), timeout=1800)
    assert job.status == "done", job.error
    return user, video


def plays(browser, base: str, video_id: str, n: int) -> list[dict]:
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", "bench")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/profiles/**")
    page.click("button.profile-tile")
    page.wait_for_url("**/browse/")
    page.close()
    results = []
    for _ in range(n):
        page = context.new_page()
        page.goto(f"{base}/watch/{video_id}/")
        page.wait_for_function("window.player && window.player.state && window.player.state.started", timeout=30_000)
        results.append(page.evaluate("""() => {
            // Where the time went: when each step finished, from navigation start.
            const res = performance.getEntriesByType('resource');
            const end = (test) => { const e = res.find(r => test(r.name)); return e ? Math.round(e.responseEnd) : null; };
            const begin = (test) => { const e = res.find(r => test(r.name)); return e ? Math.round(e.startTime) : null; };
            const nav = performance.getEntriesByType('navigation')[0];
            return {
              startup: window.player.qoe.startup_ms, edge: window.player.qoe.edge,
              hls: window.player.state.hlsSource,
              phases: {
                page_first_byte: Math.round(nav.responseStart),
                page: Math.round(nav.domContentLoadedEventEnd),
                hls_js: end(n => n.includes('hls.min.js') && !n.includes('cdn.')),
                master_asked: begin(n => n.includes('master.m3u8')),
                master: end(n => n.includes('master.m3u8')),
                media_playlist: end(n => /\/v\d+\/index\.m3u8/.test(n)),
                first_fragment_asked: begin(n => /\/v\d+\/seg_\d+\.m4s/.test(n)),
                first_fragment: end(n => /\/v\d+\/seg_\d+\.m4s/.test(n)),
              },
            };
        }"""))
        page.close()
    context.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--plays", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--height", type=int, default=720)
    args = parser.parse_args()

    var_dir = Path(tempfile.mkdtemp(prefix="startup-bench-"))
    port, edge_port = free_port(), free_port()
    base = f"http://127.0.0.1:{port}"
    user, video = setup(var_dir, args.seconds, args.height, base)

    from edge.models import EdgeNode
    from edge.services import edge_node_for_dev

    env = {**os.environ, "VAR_DIR": str(var_dir), "EDGE_ORIGIN_URL": base, "PYTHONUNBUFFERED": "1"}
    # The production shape: gunicorn (static files through WhiteNoise).
    server = subprocess.Popen([sys.executable, "-m", "gunicorn", "streaming.wsgi:application", "--bind",
                               f"127.0.0.1:{port}", "--workers", "2", "--threads", "4"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    node = edge_node_for_dev(zone_code="virginia", host="127.0.0.1", port=edge_port)
    edge = subprocess.Popen([sys.executable, "manage.py", "runedge", "--node", str(node.pk),
                             f"--secret={node.secret}", "--name", node.name, "--port", str(edge_port),
                             "--control-url", base, "--heartbeat-interval", "1"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    load_before = os.getloadavg()
    try:
        wait_http(f"{base}/healthz")
        wait_http(f"http://127.0.0.1:{edge_port}/healthz")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            node.refresh_from_db()
            if node.health() == EdgeNode.Health.HEALTHY:
                break
            time.sleep(0.2)
        from playwright.sync_api import sync_playwright

        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
            via_edge = plays(browser, base, str(video.public_id), args.plays)
            EdgeNode.objects.filter(pk=node.pk).update(enabled=False)  # origin only from here
            via_origin = plays(browser, base, str(video.public_id), args.plays)
            browser.close()
    finally:
        for process in (edge, server):
            process.terminate()
            process.wait(10)
    load_after = os.getloadavg()

    edge_ms = [r["startup"] for r in via_edge]
    origin_ms = [r["startup"] for r in via_origin]
    assert {r["edge"] for r in via_edge} == {node.name}, via_edge
    assert {r["edge"] for r in via_origin} == {"origin"}, via_origin
    summary = {
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(), "plays": args.plays, "source": f"{args.seconds} s {args.height}p",
        "hls_js": via_edge[0]["hls"],
        "edge_p50_ms": statistics.median(edge_ms), "edge_p95_ms": percentile(edge_ms, 0.95),
        "origin_p50_ms": statistics.median(origin_ms), "origin_p95_ms": percentile(origin_ms, 0.95),
        "edge_over_origin_p50": statistics.median(edge_ms) / statistics.median(origin_ms),
        "load_before": load_before, "load_after": load_after,
        "edge_ms": edge_ms, "origin_ms": origin_ms,
    }
    print("| path | plays | startup p50 (ms) | p95 (ms) |")
    print("|---|---|---|---|")
    print(f"| edge ({node.name}) | {args.plays} | {summary['edge_p50_ms']:.0f} | {summary['edge_p95_ms']:.0f} |")
    print(f"| origin only | {args.plays} | {summary['origin_p50_ms']:.0f} | {summary['origin_p95_ms']:.0f} |")
    phases = {key: statistics.median([r["phases"][key] for r in via_edge if r["phases"][key] is not None] or [0])
              for key in via_edge[0]["phases"]}
    summary["edge_phase_p50_ms"] = phases
    print("\nedge plays, p50 of when each step ended (ms from navigation): "
          + ", ".join(f"{k} {v:.0f}" for k, v in phases.items()))
    print(f"\nedge / origin (p50): {summary['edge_over_origin_p50']:.2f}; target: edge p50 under 1000 ms; "
          f"load {load_before[0]:.1f} -> {load_after[0]:.1f}")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"startup-{summary['date'][:10]}.json").write_text(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
