"""Startup time in headless Chromium on emulated networks (a benchmark, not a test).

Startup, as Mux and CTA-2066 define it and as the player's QoE beacon counts
it: from the play request (opening the watch page, which is what the Play
button does) until the first frame shows and the playhead advances. This
script reads that figure from the player for N plays on each network:

  loopback  no emulation
  cable     20 Mb/s down, 5 Mb/s up, 40 ms round trip
  4g        5 Mb/s down, 2 Mb/s up, 80 ms round trip

The links are emulated by Chromium itself through the DevTools protocol
(Network.emulateNetworkConditions, applied to every request of the page,
to the site and to the edge alike; DevTools adds the round trip to each
request rather than to TCP handshakes). Each network gets a fresh browser
profile: its first play is a first visit (nothing cached, nothing measured),
the next ones are a returning device (hls.js cached, the bandwidth of its
last session remembered). Each play is what a viewer does: open the title
page, press Play (the watch page opens in the same tab; startup counts from
that navigation). --new-tab opens every watch page in a new tab instead:
headless Chromium then also builds a renderer and its own omnibox pop-up
(chrome://omnibox-popup) for each tab, on the same two cores, which is not a
viewer pressing Play. Goals (issue 14): p50 under 400 ms on loopback, 1.0 s
on cable, 1.5 s on 4G.

    .venv/bin/python bench/startup_bench.py [--plays 20] [--seconds 30] [--height 720] [--networks loopback,cable,4g] [--new-tab]

It builds a throwaway installation (SQLite in a temp VAR_DIR), transcodes a
generated clip through the real pipeline (6 s segments, the default
profile), starts gunicorn (2 workers x 4 threads) and one `manage.py
runedge` (warm after the first play), and drives Debian's /usr/bin/chromium
via Playwright. hls.js comes from the site itself (HLS_JS_CDN_URL empty)
unless --hls-cdn: a third party's CDN is not ours to measure.
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
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Playwright's sync API runs an event loop in this thread; our ORM calls stay synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
# A throwaway installation on the development configuration (as make run).
os.environ.setdefault("DJANGO_DEBUG", "1")
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--autoplay-policy=no-user-gesture-required"]
PASSWORD = "bench-Password-42"

# name: (down bits/s, up bits/s, round trip ms, goal for p50 ms); None: no emulation.
NETWORKS: dict[str, tuple[float | None, float | None, int, int]] = {
    "loopback": (None, None, 0, 400),
    "cable": (20e6, 5e6, 40, 1000),
    "4g": (5e6, 2e6, 80, 1500),
}

# When each step ended, from navigation start (resource timing), to see where the time goes.
PHASES_JS = r"""() => {
    const res = performance.getEntriesByType('resource');
    const end = (test) => { const e = res.find(r => test(r.name)); return e ? Math.round(e.responseEnd) : null; };
    const begin = (test) => { const e = res.find(r => test(r.name)); return e ? Math.round(e.startTime) : null; };
    const nav = performance.getEntriesByType('navigation')[0];
    const plan = window.player.state.plan || {};
    return {
      startup: window.player.qoe.startup_ms, edge: window.player.qoe.edge, hls: window.player.state.hlsSource,
      start_rung: plan.variant ? plan.variant.id : null, bandwidth_from: plan.bpsFrom || null,
      phases: {
        page_first_byte: Math.round(nav.responseStart),
        page: Math.round(nav.domContentLoadedEventEnd),
        hls_js: end(n => n.includes('hls') && n.endsWith('.js')),
        media_playlist: end(n => /\/v\d+\/index\.m3u8/.test(n)),
        first_fragment_asked: begin(n => /\/v\d+\/seg_\d+\.m4s/.test(n)),
        first_fragment: end(n => /\/v\d+\/seg_\d+\.m4s/.test(n)),
      },
    };
}"""


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


def setup(var_dir: Path, seconds: int, height: int, server_url: str, codecs: list[str] | None = None):
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
    if codecs:  # e.g. H.264 alone: what a browser without AV1 decode plays
        from transcoding.services.profiles import profile_default

        profile_default().codecs.exclude(codec__in=codecs).update(enabled=False)
    plans_ensure(Plan)
    account_create(username="bench", email="bench@example.com", password=PASSWORD,
                   plan=Plan.objects.get(slug="premium"))
    source = var_dir / "source.mp4"
    width = int(round(height * 16 / 9 / 2)) * 2
    ffmpeg.run(ffmpeg.sample_args(output=source, seconds=seconds, width=width, height=height))
    with source.open("rb") as fh:
        video = video_create(title=title_create(name="Bench Title"), source=File(fh, name="source.mp4"))
    job = job_watch(video.jobs.get().pk, stdout=open(os.devnull, "w"), timeout=1800)
    assert job.status == "done", job.error
    return video


def emulate(context, page, network: str) -> None:
    down, up, rtt, _ = NETWORKS[network]
    if down is None:
        return
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {  # throughputs in bytes per second
        "offline": False, "latency": rtt, "downloadThroughput": down / 8, "uploadThroughput": (up or down) / 8})


def plays(browser, base: str, video, network: str, n: int, new_tab: bool = False) -> list[dict]:
    """N plays on one device (a fresh browser profile): title page, Play, in one tab (or a new tab each)."""
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", "bench")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/profiles/**")
    page.click("button.profile-tile")
    page.wait_for_url("**/browse/")
    if new_tab:
        page.close()
    else:
        emulate(context, page, network)
    results = []
    for _ in range(n):
        if new_tab:
            page = context.new_page()
            emulate(context, page, network)
            page.goto(f"{base}/watch/{video.public_id}/")
        else:  # leaving the last watch page sends its stop beacon, which frees the screen
            page.goto(f"{base}/title/{video.title.slug}/")
            page.click("a.button.play")
        page.wait_for_function("window.player && window.player.state && window.player.state.started",
                               timeout=60_000)
        results.append(page.evaluate(PHASES_JS))
        if new_tab:
            page.close()  # its stop beacon frees the screen for the next play
    context.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--plays", type=int, default=20, help="Plays per network (the first is a first visit).")
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--height", type=int, default=720)
    parser.add_argument("--networks", default="loopback,cable,4g")
    parser.add_argument("--codecs", default="", help="encode only these (e.g. h264); default: the profile's")
    parser.add_argument("--hls-cdn", action="store_true", help="Let the player try hls.js's CDN copy first.")
    parser.add_argument("--new-tab", action="store_true",
                        help="Open each watch page in a new tab instead of pressing Play on the title page.")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"), help="Folder for the JSON figures.")
    args = parser.parse_args()
    networks = [n.strip() for n in args.networks.split(",") if n.strip()]
    unknown = set(networks) - set(NETWORKS)
    if unknown:
        parser.error(f"unknown network(s) {sorted(unknown)}; choose from {sorted(NETWORKS)}")

    var_dir = Path(tempfile.mkdtemp(prefix="startup-bench-"))
    port, edge_port = free_port(), free_port()
    base = f"http://127.0.0.1:{port}"
    video = setup(var_dir, args.seconds, args.height, base,
                  codecs=[c.strip() for c in args.codecs.split(",") if c.strip()] or None)

    from edge.models import EdgeNode
    from edge.services import edge_node_for_dev

    env = {**os.environ, "VAR_DIR": str(var_dir), "EDGE_ORIGIN_URL": base, "PYTHONUNBUFFERED": "1"}
    if not args.hls_cdn:
        env["HLS_JS_CDN_URL"] = ""
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
    runs: dict[str, list[dict]] = {}
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
            plays(browser, base, video, "loopback", 1, args.new_tab)  # fills the edge: every network plays warm
            for network in networks:
                runs[network] = plays(browser, base, video, network, args.plays, args.new_tab)
            browser.close()
    finally:
        for process in (edge, server):
            process.terminate()
            process.wait(10)
    load_after = os.getloadavg()

    summary: dict = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"), "cpus": os.cpu_count(), "plays": args.plays,
        "source": f"{args.seconds} s {args.height}p", "hls_js": runs[networks[0]][0]["hls"],
        "plays_in": "a new tab each" if args.new_tab else "the title page's tab (Play pressed)",
        "load_before": load_before, "load_after": load_after, "networks": {},
    }
    print("| network | link | plays | first visit (ms) | p50 (ms) | p95 (ms) | goal p50 | start rungs |")
    print("|---|---|---|---|---|---|---|---|")
    for network in networks:
        results = runs[network]
        assert {r["edge"] for r in results} == {node.name}, results
        startups = [r["startup"] for r in results]
        down, up, rtt, goal = NETWORKS[network]
        link = "unthrottled" if down is None else f"{down / 1e6:g}/{(up or down) / 1e6:g} Mb/s, {rtt} ms"
        rungs = sorted({r["start_rung"] for r in results if r["start_rung"]})
        p50, p95 = statistics.median(startups), percentile(startups, 0.95)
        phases = {key: statistics.median([r["phases"][key] for r in results if r["phases"][key] is not None] or [0])
                  for key in results[0]["phases"]}
        summary["networks"][network] = {
            "link": link, "goal_p50_ms": goal, "first_visit_ms": startups[0], "p50_ms": p50, "p95_ms": p95,
            "startup_ms": startups, "start_rungs": [r["start_rung"] for r in results],
            "bandwidth_from": [r["bandwidth_from"] for r in results], "phase_p50_ms": phases,
        }
        print(f"| {network} | {link} | {len(results)} | {startups[0]:.0f} | {p50:.0f} | {p95:.0f} | "
              f"{'✓' if p50 < goal else '✗'} < {goal} | {', '.join(rungs)} |")
    for network in networks:
        phases = summary["networks"][network]["phase_p50_ms"]
        print(f"\n{network}: p50 of when each step ended (ms from navigation): "
              + ", ".join(f"{k} {v:.0f}" for k, v in phases.items()))
    print(f"\nplays in {summary['plays_in']}; hls.js from {summary['hls_js']}")
    print(f"\nload {load_before[0]:.1f} -> {load_after[0]:.1f} (read the figures as a floor on a busy machine)")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"startup-{summary['date'][:10]}.json"
    path.write_text(json.dumps(summary, indent=2))
    print(f"figures: {path}")


if __name__ == "__main__":
    main()
