"""The whole journey in a real browser: sign in, choose a profile, play a
really transcoded title through a real edge, with real hls.js. The title's
ladder is encoded once per session and copied into each test's storage
(``shared_ladder``): the tests only read it."""
from __future__ import annotations

import json
import urllib.error
import urllib.request

import m3u8
import pytest

from streaming.subscribers.models import PlaybackSession, QoEReport
from streaming.subscribers.services import session_token
from tests.factories import plan_make, subscriber_make
from tests.fixtures.broker import wait_for
from tests.hlsjs import upstream_body

from .conftest import screenshot

pytestmark = pytest.mark.slow



def sign_in_and_open_title(page, live, user, title_slug: str):
    page.goto(f"{live.url}/login/")
    page.fill("input[name=username]", user.username)
    page.fill("input[name=password]", "a-Strong-pass-123")
    page.click("button[type=submit]")
    page.wait_for_url("**/profiles/**")
    page.click("button.profile-tile")
    page.wait_for_url("**/browse/")
    page.goto(f"{live.url}/title/{title_slug}/")
    page.click("a.button.play")
    page.wait_for_url("**/watch/**")


def playhead(page) -> float:
    return page.evaluate("document.getElementById('video').currentTime")


def wait_playing(page, beyond: float = 0.5):
    page.wait_for_function(
        f"window.player && window.player.state && window.player.state.started && document.getElementById('video').currentTime > {beyond}",
        timeout=30_000,
    )


@pytest.fixture
def title_ready(shared_ladder):
    return shared_ladder("long")


def test_sign_in_choose_profile_and_play_through_the_edge(page, live, edge, title_ready):
    user, profile = subscriber_make(plan="standard")
    sign_in_and_open_title(page, live, user, title_ready.title.slug)
    wait_playing(page)
    start = playhead(page)
    page.wait_for_function(f"document.getElementById('video').currentTime > {start}", timeout=10_000)
    assert playhead(page) > start, "the playhead advances"
    assert page.evaluate("window.player.state.hlsSource") == "local", "offline: the vendored hls.js plays"
    # Segments came from the edge, which says so.
    served = page.get_attribute(".served-by", "data-edge")
    assert served == edge.name, page.console_messages
    edge.refresh_from_db()
    session = PlaybackSession.objects.get(user=user)
    assert session.edge_name == edge.name and session.zone_code == "virginia"
    # The quality menu lists Auto and every rung.
    labels = page.eval_on_selector_all(".quality-menu button", "els => els.map(e => e.textContent)")
    assert labels == ["Auto", "360p", "234p"]
    page.hover(".seek")  # show the controls and a seek preview in the picture
    screenshot(page, "player-playing.png")
    # QoE reached the server.
    page.evaluate("window.player.beat()")
    report = wait_for(lambda: QoEReport.objects.filter(session=session, startup_ms__isnull=False).first(),
                      what="a QoE report with startup time")
    assert 0 < report.startup_ms < 30_000


@pytest.mark.client
def test_forcing_a_rung_switches_level_and_fetches_its_fragments(page, live, edge, title_ready):
    user, profile = subscriber_make(plan="standard")
    sign_in_and_open_title(page, live, user, title_ready.title.slug)
    wait_playing(page)
    page.evaluate("""() => {
        window.seen = {switched: [], frags: []};
        const hls = window.player.hls;
        hls.on(Hls.Events.LEVEL_SWITCHED, (e, d) => window.seen.switched.push(hls.levels[d.level].height));
        hls.on(Hls.Events.FRAG_LOADED, (e, d) => window.seen.frags.push(d.frag.url));
    }""")
    current = page.evaluate("window.player.hls.levels[window.player.hls.currentLevel].height")
    target = 234 if current != 234 else 360
    page.click(".quality-button")
    page.get_by_role("menuitemradio", name=f"{target}p", exact=True).click()
    page.wait_for_function(f"window.seen.switched.includes({target})", timeout=20_000)
    page.wait_for_function(f"window.seen.frags.some(u => u.includes('/v{target}/'))", timeout=20_000)
    assert page.text_content(".quality-button").strip() == f"{target}p"


def test_reload_resumes_near_the_last_position(page, live, edge, title_ready):
    user, profile = subscriber_make(plan="standard")
    sign_in_and_open_title(page, live, user, title_ready.title.slug)
    wait_playing(page, beyond=6.0)
    position = playhead(page)
    page.evaluate("window.player.video.pause()")
    page.evaluate("window.player.beat('paused')")
    wait_for(lambda: PlaybackSession.objects.filter(user=user, position__gt=5).exists(), what="the heartbeat")
    page.reload()
    page.wait_for_function("window.player && window.player.state && window.player.state.started", timeout=30_000)
    resumed = playhead(page)
    assert resumed >= position - 2.5, (position, resumed)


CDN = "https://cdn.jsdelivr.net/npm/hls.js@1.7.4/dist/hls.min.js"


@pytest.mark.client
def test_hls_js_comes_from_the_site_itself_by_default(page, live, edge, title_ready):
    fetched = []
    page.on("request", lambda request: fetched.append(request.url))
    user, profile = subscriber_make(plan="standard")
    sign_in_and_open_title(page, live, user, title_ready.title.slug)
    wait_playing(page)
    assert page.evaluate("window.player.state.hlsSource") == "local"
    elsewhere = {u for u in fetched if not u.startswith((live.url, edge.url, "data:", "blob:"))}
    assert not elsewhere, elsewhere


@pytest.mark.client
def test_cdn_copy_of_hls_js_is_used_when_reachable_and_checked_by_sri(page, live, edge, title_ready, settings):
    settings.HLS_JS_CDN_URL = CDN
    body = upstream_body()  # what the CDN holds: npm's file, without our patch
    page.route("https://cdn.jsdelivr.net/**", lambda route: route.fulfill(
        status=200, body=body, headers={"Content-Type": "application/javascript", "Access-Control-Allow-Origin": "*"}))
    user, profile = subscriber_make(plan="standard")
    sign_in_and_open_title(page, live, user, title_ready.title.slug)
    wait_playing(page)
    assert page.evaluate("window.player.state.hlsSource") == "cdn"


@pytest.mark.client
def test_tampered_cdn_copy_is_refused_and_the_local_copy_plays(page, live, edge, title_ready, settings):
    settings.HLS_JS_CDN_URL = CDN
    body = upstream_body().replace(b"Hls", b"Hlz", 1)
    page.route("https://cdn.jsdelivr.net/**", lambda route: route.fulfill(
        status=200, body=body, headers={"Content-Type": "application/javascript", "Access-Control-Allow-Origin": "*"}))
    user, profile = subscriber_make(plan="standard")
    sign_in_and_open_title(page, live, user, title_ready.title.slug)
    wait_playing(page)
    assert page.evaluate("window.player.state.hlsSource") == "local"


def test_a_capped_plan_master_has_no_higher_rung_and_the_edge_refuses_it(live, edge, title_ready):
    """A plan's cap end to end, on real bytes: the session's master lists only
    the rungs the plan allows, and the edge (a real runedge process) serves an
    allowed rung and refuses a higher one. The shared title's ladder tops out
    at 360p, so the plan here stops at 234p; the Basic plan's own numbers
    (720p of a 1080p ladder) are checked on factory rows in
    tests/subscribers/services/test_manifests.py."""
    from streaming.subscribers.services import playback_start

    plan_make(slug="mobile", max_height=234)
    user, profile = subscriber_make(plan="mobile")
    session = playback_start(user=user, profile=profile, video=title_ready, device="app-1", country="US")
    token = session_token(session=session)
    with urllib.request.urlopen(f"{live.url}/play/t/{token}/master.m3u8") as response:
        master = m3u8.loads(response.read().decode())
    heights = {p.stream_info.resolution[1] for p in master.playlists}
    assert 234 in heights and 360 not in heights
    edge_urls = [p.uri for p in master.playlists if p.uri.startswith(edge.url)]
    assert edge_urls, "the edge is the first pathway"
    allowed = edge_urls[0].rsplit("/", 2)[0] + "/v234/index.m3u8"
    with urllib.request.urlopen(allowed) as ok:
        assert ok.status == 200
    refused = allowed.replace("/v234/", "/v360/")
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(refused)
    assert exc.value.code == 403
    steering = json.loads(urllib.request.urlopen(master.content_steering.uri).read())
    assert steering["PATHWAY-PRIORITY"][0] == edge.name and steering["PATHWAY-PRIORITY"][-1] == "origin"


def test_playback_moves_to_the_next_pathway_when_the_edge_dies(page, live, edge, second_edge, run_transcode,
                                                                clips, settings):
    """Content steering: the session lists Virginia, then Frankfurt, then the
    origin. SIGKILL the Virginia edge mid-play: hls.js must carry on from the
    next pathway without stopping."""
    import signal

    settings.PLAYER_MAX_BUFFER_SECONDS = 4  # so there is something left to fetch after the kill
    job = run_transcode(clips.half_minute)
    user, profile = subscriber_make(plan="standard")
    sign_in_and_open_title(page, live, user, job.video.title.slug)
    wait_playing(page, beyond=0.3)
    session = PlaybackSession.objects.get(user=user)
    assert session.pathways == [edge.name, second_edge.name, "origin"]
    page.evaluate("""() => {
        window.seen = {frags: [], errors: []};
        const hls = window.player.hls;
        hls.on(Hls.Events.FRAG_LOADED, (e, d) => window.seen.frags.push(d.frag.url));
        hls.on(Hls.Events.ERROR, (e, d) => window.seen.errors.push(d.details + ' fatal=' + d.fatal));
    }""")
    buffered = page.evaluate(
        "(() => { const b = document.getElementById('video').buffered; return b.length ? b.end(b.length-1) : 0 })()")
    assert buffered < 12, f"the player must still need segments after the kill (buffered {buffered:.1f} s)"
    edge.process.send_signal(signal.SIGKILL)
    killed_at = playhead(page)
    page.wait_for_function("document.getElementById('video').currentTime > 9", timeout=45_000)
    frags = page.evaluate("window.seen.frags")
    assert any(u.startswith(second_edge.url) or "/edge/origin/" in u for u in frags), frags
    assert not any(u.startswith(edge.url) for u in frags), "nothing more came from the dead edge"
    assert page.is_hidden(".player-error"), page.text_content(".player-error")
    assert page.get_attribute(".served-by", "data-edge") in {second_edge.name, "origin"}
    print(f"edge killed at {killed_at:.1f} s; playback went on to {playhead(page):.1f} s via "
          f"{page.get_attribute('.served-by', 'data-edge')}")


# --- the controls ------------------------------------------------------------------------------


def menu_display(page) -> str:
    return page.evaluate("getComputedStyle(document.querySelector('.quality-menu')).display")


@pytest.mark.client
def test_the_quality_menu_stays_shut_until_opened_and_an_outside_click_closes_it_without_pausing(
        page, live, edge, title_ready):
    user, profile = subscriber_make(plan="standard")
    sign_in_and_open_title(page, live, user, title_ready.title.slug)
    wait_playing(page)
    page.hover(".seek")  # controls shown, as a viewer moving the mouse sees them
    assert page.is_visible(".quality-button")
    assert menu_display(page) == "none" and page.is_hidden(".quality-menu"), "nobody opened it"
    page.click(".quality-button")
    assert menu_display(page) == "grid" and page.is_visible(".quality-menu")
    assert page.get_attribute(".quality-button", "aria-expanded") == "true"
    box = page.locator("#video").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.3)  # on the picture
    assert menu_display(page) == "none"
    page.wait_for_timeout(300)
    assert page.evaluate("document.getElementById('video').paused") is False, "the click closed the menu only"
    # Escape closes it too, and a click on the picture with no menu open still pauses.
    page.click(".quality-button")
    page.keyboard.press("Escape")
    assert menu_display(page) == "none"
    page.mouse.click(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.3)
    page.wait_for_function("document.getElementById('video').paused")


def ink(png: bytes) -> int:
    """Bright pixels in a screenshot of a control: the icon drawn on the dark bar."""
    import io

    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("L")
    return sum(1 for v in image.getdata() if v > 180)


@pytest.mark.client
def test_the_controls_are_drawn_icons_that_need_no_font(page, live, edge, title_ready):
    user, profile = subscriber_make(plan="standard")
    sign_in_and_open_title(page, live, user, title_ready.title.slug)
    wait_playing(page)
    page.hover(".seek")
    for selector in (".play-toggle", ".mute", ".fullscreen", ".player-back"):
        control = page.locator(selector)
        assert control.locator("svg use").count() >= 1, selector
        if selector != ".player-back":
            assert control.text_content().strip() == "", f"{selector}: no characters to render"
        icon = control.locator("svg:visible").first.bounding_box()
        assert icon["width"] >= 16 and icon["height"] >= 16, selector
        page.hover(".seek")  # the controls hide after a while without a pointer: keep them shown
        assert ink(control.screenshot()) > 25, f"{selector}: the icon shows"
    # The mute icon changes with the state, still drawn.
    page.click(".mute")
    assert page.evaluate("document.getElementById('video').muted") is True
    page.wait_for_selector(".mute .icon-muted", state="visible")  # on volumechange, a task later
    assert page.locator(".mute .icon-volume").is_hidden()
    assert ink(page.locator(".mute").screenshot()) > 25


# --- resume ------------------------------------------------------------------------------------


@pytest.fixture
def late_stop(monkeypatch):
    """The stop beacon of the page being left arrives 3 s late (after the new page is built)."""
    import time

    from streaming.subscribers import services

    real = services.playback_stop
    landed = []

    def slow(**kwargs):
        time.sleep(3)
        real(**kwargs)
        landed.append(kwargs.get("position"))

    monkeypatch.setattr(services, "playback_stop", slow)
    return landed


def test_a_reload_resumes_within_2_s_even_when_the_stop_beacon_is_late(page, live, edge, title_ready, late_stop):
    user, profile = subscriber_make(plan="standard")
    sign_in_and_open_title(page, live, user, title_ready.title.slug)
    wait_playing(page, beyond=7.0)
    position = playhead(page)
    page.reload()
    page.wait_for_function("window.player && window.player.state && window.player.state.started", timeout=30_000)
    resumed = playhead(page)
    assert abs(resumed - position) <= 2.0, (position, resumed)
    assert page.evaluate("window.player.state.plan.positionFrom") == "device"
    # The server hears the place from the new page at once (title page and rows agree).
    from streaming.subscribers.models import WatchProgress

    wait_for(lambda: WatchProgress.objects.filter(profile=profile, position__gte=position - 2).exists(),
             timeout=10, what="the new page's first report")
    wait_for(lambda: late_stop, timeout=15, what="the late beacon")
    assert WatchProgress.objects.get(profile=profile).position >= position - 2, "the late beacon did not win"


def test_leaving_by_the_back_link_saves_the_place_before_the_title_page_reads_it(page, live, edge, title_ready,
                                                                               late_stop):
    user, profile = subscriber_make(plan="standard")
    sign_in_and_open_title(page, live, user, title_ready.title.slug)
    wait_playing(page, beyond=5.0)
    page.hover(".seek")
    page.click(".player-back")
    page.wait_for_url(f"**/title/{title_ready.title.slug}/")
    shown = int(page.get_attribute(".progress-line [data-percent]", "data-percent"))
    from streaming.subscribers.models import WatchProgress

    progress = WatchProgress.objects.get(profile=profile)
    assert progress.position >= 5.0 and shown == round(progress.percent)
    page.goto(f"{live.url}/browse/")
    bar = page.locator("[data-row=continue] .card-progress span").first.get_attribute("style")
    assert bar == f"width: {shown}%", (bar, shown)


# --- QoE ---------------------------------------------------------------------------------------


def test_qoe_has_the_startup_time_at_once_and_ignores_harmless_hls_events(page, live, edge, title_ready):
    user, profile = subscriber_make(plan="standard")
    sign_in_and_open_title(page, live, user, title_ready.title.slug)
    wait_playing(page)
    session = PlaybackSession.objects.get(user=user)
    report = wait_for(lambda: QoEReport.objects.filter(session=session, startup_ms__isnull=False).first(),
                      timeout=5, what="startup time without waiting for a heartbeat")
    assert 0 < report.startup_ms < 30_000
    page.evaluate("""() => window.player.hls.trigger(Hls.Events.ERROR, {type: Hls.ErrorTypes.MEDIA_ERROR,
        details: Hls.ErrorDetails.BUFFER_SEEK_OVER_HOLE, fatal: false})""")
    assert page.evaluate("window.player.qoe.error_count") == 0
    page.evaluate("""() => window.player.hls.trigger(Hls.Events.ERROR, {type: Hls.ErrorTypes.NETWORK_ERROR,
        details: Hls.ErrorDetails.FRAG_LOAD_ERROR, fatal: false})""")
    assert page.evaluate("window.player.qoe.error_count") == 1
