"""The web player picks one codec per session: AV1 where MediaSource says
the browser decodes it (Debian's Chromium does), otherwise H.264; it plays
it through hls.js from the edge, switches rungs within it, and its quality
menu names it. The title is the one transcoded to H.264, AV1 and HEVC once
per test session (tests/fixtures/multicodec.py)."""
from __future__ import annotations

import pytest

from tests.factories import subscriber_make as make_subscriber

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
    page.click(f".quality-menu button:text-is('{target}p')")
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
        page.wait_for_timeout(300)
        screenshot(page, f"player-av1-{width}.png")


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
    screenshot(page, "player-h264-av1-masked.png")
