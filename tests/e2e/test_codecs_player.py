"""The web player picks one codec per session: AV1 where MediaSource says
the browser decodes it (Debian's Chromium does), otherwise H.264; it plays
it through hls.js from the edge, switches rungs within it, and its quality
menu names it. The title is the one transcoded to H.264, AV1 and HEVC once
per test session (tests/fixtures/multicodec.py)."""
from __future__ import annotations

import pytest

from tests.factories import subscriber_make as make_subscriber
from tests.hlsjs import upstream_body

from .conftest import screenshot
from .test_player import sign_in_and_open_title, wait_playing

pytestmark = pytest.mark.slow

# What a browser without an AV1 decoder answers (e.g. an older Safari or Edge without the extension).
MASK_AV1 = """(() => {
  const original = MediaSource.isTypeSupported.bind(MediaSource);
  MediaSource.isTypeSupported = (type) => (/av01/.test(type) ? false : original(type));
})();"""


def watch_fragments(page) -> None:
    page.evaluate("""() => {
        window.seen = {switched: [], frags: []};
        const hls = window.player.hls;
        hls.on(Hls.Events.LEVEL_SWITCHED, (e, d) => window.seen.switched.push(hls.levels[d.level].height));
        hls.on(Hls.Events.FRAG_LOADED, (e, d) => window.seen.frags.push(d.frag.url));
    }""")


def fetched_segments(page) -> list[str]:
    """Every video segment the page fetched so far (resource timing)."""
    return page.evaluate("performance.getEntriesByType('resource').map(e => e.name)"
                         ".filter(u => u.includes('.m4s') && !u.includes('/audio/'))")


def level_codecs(page) -> set[str]:
    return set(page.evaluate("window.player.hls.levels.map(l => (l.videoCodec || '').split('.')[0])"))


def test_chromium_plays_the_av1_ladder_switches_rungs_and_names_the_codec(page, live, edge, multicodec_title):
    job, _ = multicodec_title
    user, _ = make_subscriber(plan="standard")
    sign_in_and_open_title(page, live, user, job.video.title.slug)
    wait_playing(page)
    assert page.evaluate("window.player.state.codecs") == ["av1"]
    assert page.evaluate("MediaSource.isTypeSupported('video/mp4; codecs=\"av01.0.08M.08\"')")
    assert level_codecs(page) == {"av01"}, "the session's manifest holds AV1 alone: no codec mixing"
    assert fetched_segments(page) and all("/av1/" in u for u in fetched_segments(page))
    watch_fragments(page)
    current = page.evaluate("window.player.hls.levels[window.player.hls.currentLevel].height")
    target = 234 if current != 234 else 360
    page.click(".quality-button")
    assert page.text_content(".quality-menu .quality-codec").strip() == "AV1"
    labels = page.eval_on_selector_all(".quality-menu button", "els => els.map(e => e.textContent)")
    assert labels == ["Auto", "360p", "234p"]
    page.get_by_role("menuitemradio", name=f"{target}p", exact=True).click()
    page.wait_for_function(f"window.seen.switched.includes({target})", timeout=20_000)
    page.wait_for_function(f"window.seen.frags.some(u => u.includes('/av1/v{target}/'))", timeout=20_000)
    page.wait_for_function(f"document.getElementById('video').videoHeight === {target}", timeout=20_000)
    frags = page.evaluate("window.seen.frags")
    assert all("/av1/" in u for u in frags) and all(u.startswith(edge.url) for u in frags), frags
    assert page.is_hidden(".player-error")
    for width, height in ((1366, 768), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.hover(".seek")
        if page.is_hidden(".quality-menu"):
            page.click(".quality-button")
        page.hover(".seek")  # an open menu keeps the seek preview from showing under it
        assert page.is_hidden(".seek-preview")
        page.wait_for_timeout(300)
        screenshot(page, f"player-av1-{width}.png")


@pytest.mark.client
def test_with_av1_masked_the_same_page_plays_h264(page, live, edge, multicodec_title):
    job, _ = multicodec_title
    page.add_init_script(MASK_AV1)
    user, _ = make_subscriber(plan="standard")
    sign_in_and_open_title(page, live, user, job.video.title.slug)
    wait_playing(page)
    assert page.evaluate("window.player.state.codecs") == ["h264"]
    assert level_codecs(page) == {"avc1"}
    frags = fetched_segments(page)
    assert frags and all("/v" in u and "/av1/" not in u and "/hevc/" not in u for u in frags), frags
    page.click(".quality-button")
    assert page.text_content(".quality-menu .quality-codec").strip() == "H.264"
    page.wait_for_timeout(300)  # the controls fade in
    screenshot(page, "player-h264-av1-masked.png")


@pytest.mark.parametrize("av1", [True, False], ids=["av1-decoded", "av1-masked"])
def test_startup_warms_the_chosen_codecs_rung_and_hls_js_plays_those_files_alone(page, live, edge,
                                                                                  multicodec_title, av1):
    """The page's head picks the codec first (AV1 where MediaSource decodes
    it, else H.264), then the start rung among that codec's rungs, and
    fetches its playlist, init and first segment (and the audio's) while
    hls.js is still loading (delayed here). hls.js, given the master narrowed
    to that codec inline, takes exactly those files (each is asked for once)
    and never asks for a file of another codec, nor for the master."""
    import re
    import time
    from urllib.parse import urlsplit

    job, _ = multicodec_title
    codec, folder = ("av1", "av1/") if av1 else ("h264", "")
    if not av1:
        page.add_init_script(MASK_AV1)
    prefix = f"/hls/{job.video.public_id}/"
    events: list[tuple[str, str]] = []  # ("request", ladder path) and ("hls.js", "") when it arrived

    def on_request(request):
        path = urlsplit(request.url).path
        if prefix in path:
            events.append(("request", path.split(prefix, 1)[1]))
        elif path.endswith("master.m3u8"):
            events.append(("request", "master.m3u8"))

    def on_response(response):
        if response.url.endswith("hls.min.js"):
            events.append(("hls.js", ""))

    def slow_hls(route):
        time.sleep(1.5)  # hls.js arrives late: what comes before it is the startup path's
        route.continue_()

    user, _ = make_subscriber(plan="standard")
    sign_in_and_open_title(page, live, user, job.video.title.slug)  # the first visit warms the browser cache
    wait_playing(page)
    page.on("request", on_request)
    page.on("response", on_response)
    page.route("**/static/vendor/**/hls.min.js", slow_hls)
    page.reload()
    wait_playing(page, beyond=1.0)

    plan = page.evaluate("window.player.state.plan")
    assert plan["codecs"] == [codec] and page.evaluate("window.player.state.codecs") == [codec]
    rung = plan["variant"]["id"]
    assert rung in (f"{folder}v234", f"{folder}v360"), plan
    assert ("hls.js", "") in events, events
    media = re.compile(r"(?:(?:av1|hevc)/)?v\d+/|audio/")  # not the poster nor the thumbnails
    before = [p for kind, p in events[:events.index(("hls.js", ""))] if kind == "request" and media.match(p)]
    warmed = {f"{rung}/index.m3u8", f"{rung}/init.mp4", f"{rung}/seg_00000.m4s",
              "audio/index.m3u8", "audio/init.mp4", "audio/seg_00000.m4s"}
    assert set(before) == warmed, f"the startup path fetched the chosen rung and the audio before hls.js: {before}"

    asked = [p for kind, p in events if kind == "request"]
    assert "master.m3u8" not in asked, "hls.js was given the narrowed master inline"
    video_files = [p for p in asked if re.match(r"(?:(?:av1|hevc)/)?v\d+/", p)]
    other = [p for p in video_files if not (p.startswith("av1/") if av1 else re.match(r"v\d+/", p))]
    assert not other, f"no file of another codec: {other}"
    for path in warmed:
        assert asked.count(path) == 1, f"{path}: fetched once, hls.js took the warmed copy ({asked})"
    hls = page.evaluate("""() => {
        const hls = window.player.hls;
        return {codecs: hls.levels.map(l => (l.videoCodec || '').split('.')[0]),
                start: (hls.levels[hls.startLevel].attrs || {})['STABLE-VARIANT-ID'],
                url: hls.url};
    }""")
    assert set(hls["codecs"]) == {"av01" if av1 else "avc1"}, hls
    assert hls["start"] == rung and hls["url"].endswith(f"master.m3u8?codecs={codec}"), hls
    first_segment = next(p for p in video_files if "/seg_" in p)
    assert first_segment == f"{rung}/seg_00000.m4s", "hls.js played the warmed rung's first segment first"
    page.click(".quality-button")
    assert page.text_content(".quality-menu .quality-codec").strip() == ("AV1" if av1 else "H.264")
    labels = page.eval_on_selector_all(".quality-menu button", "els => els.map(e => e.textContent)")
    assert labels == ["Auto", "360p", "234p"], "that codec's rungs alone"


# hls.js's debug logger, collected: every Hls the page makes logs into window.hlsLog.
HLS_LOG = """(() => {
  window.hlsLog = [];
  let Hls;
  Object.defineProperty(window, 'Hls', {configurable: true, get: () => Hls, set: (upstream) => {
    const put = (level) => (...args) => window.hlsLog.push(level + ' ' + args.join(' '));
    const debug = {log: put('log'), info: put('info'), debug: put('debug'), warn: put('warn'), error: put('error')};
    Hls = class extends upstream { constructor(config) { super(Object.assign({}, config, {debug})); } };
  }});
})();"""


def sei_complaints(page) -> list[str]:
    page.add_init_script(HLS_LOG)
    page.reload()
    wait_playing(page)
    # Every AV1 fragment of the 6 s title parsed and appended (the buffer reaches the end).
    page.wait_for_function("(() => { const b = document.getElementById('video').buffered;"
                           " return b.length && b.end(b.length - 1) > 5.5; })()", timeout=30_000)
    assert page.evaluate("window.player.state.codecs") == ["av1"]
    log = page.evaluate("window.hlsLog")
    assert any("/av1/" in line for line in log), "the debug logger saw no AV1 load"
    return [line for line in log if "SEI" in line]


@pytest.mark.client
def test_hls_js_does_not_parse_av1_samples_as_h264_captions(page, live, edge, multicodec_title):
    """Upstream hls.js 1.7.4 scans every video sample for H.264 caption SEI,
    reading AV1's OBUs as NAL units: about one sample in 32 looks like an SEI
    and is parsed to the end of the fragment ("Malformed SEI payload"), 80-100
    ms of main thread per 6 s 720p segment before it is appended. The vendored
    copy scans only AVC/HEVC (static/vendor/hls.js-1.7.4/PATCHES.md); served
    upstream's bytes instead, the same title shows the complaints."""
    job, _ = multicodec_title
    user, _ = make_subscriber(plan="standard")
    sign_in_and_open_title(page, live, user, job.video.title.slug)
    assert sei_complaints(page) == []
    body = upstream_body()
    page.route("**/hls.min.js*", lambda route: route.fulfill(
        status=200, body=body, headers={"Content-Type": "application/javascript"}))
    complaints = sei_complaints(page)
    assert complaints and all("Malformed SEI payload" in line for line in complaints), complaints[:5]
