"""The startup levers, each checked for what it promises (the figures are
bench/startup_bench.py's business): the start rung follows the network, the
master comes with the page, the first segments are fetched once and while
hls.js is still loading."""
from __future__ import annotations

import json
import time

import pytest

from tests.factories import subscriber_make

from .test_player import sign_in_and_open_title, wait_playing

pytestmark = pytest.mark.slow


@pytest.fixture
def title_ready(run_transcode, clips):
    job = run_transcode(clips.long)
    assert job.status == "done", job.error
    return job.video


def first_fragment_rung(page) -> str:
    """The rung folder (v234, v360) of the first video segment the page fetched."""
    return page.evaluate("""() => {
        const seg = performance.getEntriesByType('resource').map(r => r.name)
            .find(n => /\\/v\\d+\\/seg_\\d+\\.m4s/.test(n));
        return seg ? seg.match(/\\/(v\\d+)\\//)[1] : null;
    }""")


def remember_bandwidth(page, bps: float) -> None:
    page.evaluate(f"""() => localStorage.setItem('player.bandwidth',
        JSON.stringify({{bps: {bps}, at: Date.now(), browser: 0}}))""")


@pytest.mark.client
def test_the_start_rung_follows_the_bandwidth_this_device_measured(page, live, edge, title_ready):
    user, profile = subscriber_make(plan="standard")
    sign_in_and_open_title(page, live, user, title_ready.title.slug)
    wait_playing(page)
    remember_bandwidth(page, 50e6)  # a fast network: the tallest rung the player shows
    page.reload()
    wait_playing(page)
    plan = page.evaluate("window.player.state.plan")
    assert plan["bpsFrom"] == "measured" and plan["variant"]["id"] == "v360"
    assert first_fragment_rung(page) == "v360"
    assert page.evaluate("window.player.hls.levels[window.player.hls.startLevel].height") == 360
    remember_bandwidth(page, 200e3)  # a poor one: the lowest
    page.reload()
    wait_playing(page)
    assert page.evaluate("window.player.state.plan.variant.id") == "v234"
    assert first_fragment_rung(page) == "v234"


@pytest.mark.client
def test_a_first_visit_on_a_slow_link_starts_low_from_the_browsers_estimate(page, live, edge, title_ready):
    user, profile = subscriber_make(plan="standard")
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    # 4G-like: 5 Mb/s down, 80 ms round trip (bytes per second for DevTools).
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 80,
                                                  "downloadThroughput": 5e6 / 8, "uploadThroughput": 2e6 / 8})
    sign_in_and_open_title(page, live, user, title_ready.title.slug)
    wait_playing(page)
    plan = page.evaluate("window.player.state.plan")
    assert plan["bpsFrom"] == "browser" and 4e6 <= plan["bps"] <= 6e6, plan
    config = json.loads(page.text_content("#player-config"))
    start = config["start"]["h264"]  # the title's one codec
    usable = plan["bps"] * 0.8
    fits = [v for v in start["variants"]
            if (v["bandwidth"] + start["audio"]["bandwidth"]) * start["segmentSeconds"] / usable <= 0.5]
    expected = max(fits, key=lambda v: v["bandwidth"])["id"] if fits else "v234"
    assert plan["variant"]["id"] == expected and first_fragment_rung(page) == expected


def test_the_master_comes_with_the_page_and_the_first_segments_are_fetched_once_before_hls_js(
        page, live, edge, title_ready):
    user, profile = subscriber_make(plan="standard")
    sign_in_and_open_title(page, live, user, title_ready.title.slug)
    wait_playing(page)
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    delay = 1.5

    def slow_hls(route):
        time.sleep(delay)  # hls.js arrives late; the network work must not wait for it
        route.continue_()

    page.route("**/static/vendor/**/hls.min.js", slow_hls)
    page.reload()
    wait_playing(page, beyond=0.2)
    assert not [u for u in asked if "master.m3u8" in u], "the master playlist came inline"
    rung = first_fragment_rung(page)
    first = [u for u in asked if f"/{rung}/seg_" in u]
    assert first and first.count(first[0]) == 1, "each warmed file fetched once, hls.js took it from there"
    timing = page.evaluate("""() => {
        const res = performance.getEntriesByType('resource');
        const hls = res.find(r => r.name.includes('/static/vendor/') && r.name.includes('hls.min.js'));
        const seg = res.find(r => /\\/seg_\\d+\\.m4s/.test(r.name));
        return {hls_end: hls.responseEnd, seg_end: seg.responseEnd, startup: window.player.qoe.startup_ms};
    }""")
    assert timing["seg_end"] < timing["hls_end"], timing
    assert timing["startup"] < (delay + 1.0) * 1000, timing


def test_the_warm_requests_carry_cmcd_so_an_edge_sees_the_start(page, live, edge, title_ready):
    """hls.js sends CMCD with each request; the requests made for it before
    it loads carry the same session and the startup flag, and hls.js still
    takes their answers (its own URL has its CMCD, the warm one had ours)."""
    from urllib.parse import parse_qs, urlsplit

    user, profile = subscriber_make(plan="standard")
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    sign_in_and_open_title(page, live, user, title_ready.title.slug)
    wait_playing(page)
    session = json.loads(page.text_content("#player-config"))["session"]
    rung = first_fragment_rung(page)
    warm = [u for u in asked if f"/{rung}/" in u and ("seg_00000" in u or "init" in u or "index.m3u8" in u)]
    assert len(warm) == 3, warm  # playlist, init and first segment, once each
    for url in warm:
        cmcd = parse_qs(urlsplit(url).query)["CMCD"][0]
        assert f'sid="{session}"' in cmcd and "su" in cmcd.split(","), cmcd
    assert "ot=v" in parse_qs(urlsplit(next(u for u in warm if "seg_" in u)).query)["CMCD"][0]
