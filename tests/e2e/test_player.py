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
from tests.conftest import ROOT
from tests.factories import plan_make, subscriber_make
from tests.fixtures.broker import wait_for

from .conftest import screenshot

pytestmark = pytest.mark.slow

HLS_LOCAL = ROOT / "static" / "vendor" / "hls.js-1.7.4" / "hls.min.js"


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
        f"window.player && window.player.state.started && document.getElementById('video').currentTime > {beyond}",
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
    page.click(f".quality-menu button:text-is('{target}p')")
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
    page.wait_for_function("window.player && window.player.state.started", timeout=30_000)
    resumed = playhead(page)
    assert resumed >= position - 2.5, (position, resumed)


def test_cdn_copy_of_hls_js_is_used_when_reachable_and_checked_by_sri(page, live, edge, title_ready, settings):
    body = HLS_LOCAL.read_bytes()
    page.route("https://cdn.jsdelivr.net/**", lambda route: route.fulfill(
        status=200, body=body, headers={"Content-Type": "application/javascript", "Access-Control-Allow-Origin": "*"}))
    user, profile = subscriber_make(plan="standard")
    sign_in_and_open_title(page, live, user, title_ready.title.slug)
    wait_playing(page)
    assert page.evaluate("window.player.state.hlsSource") == "cdn"


def test_tampered_cdn_copy_is_refused_and_the_local_copy_plays(page, live, edge, title_ready):
    body = HLS_LOCAL.read_bytes().replace(b"Hls", b"Hlz", 1)
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
