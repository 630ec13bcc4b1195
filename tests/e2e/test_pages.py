"""Every page, as a new user sees it, at 1366 and 390 px wide: screenshots in
artifacts/pages/ (to look at), no 404 anywhere (console or network), the
header's links where they belong, nothing wider than the screen."""
from __future__ import annotations

import pytest

from catalog.demo_data import demo_artwork_load, demo_catalog_load
from catalog.models import Title
from streaming.subscribers.services import playback_heartbeat, playback_start, profile_create
from tests.factories import subscriber_make
from tests.fixtures.broker import wait_for
from tests.fixtures.catalog import video_ready_make

from .conftest import ARTIFACTS

pytestmark = [pytest.mark.slow, pytest.mark.layout]

WIDTHS = {"wide": (1366, 768), "phone": (390, 844)}
PASSWORD = "a-Strong-pass-123"


@pytest.fixture
def catalog(run_transcode, clips):
    """The demo catalog with its artwork, each title playable, and one title
    really transcoded (with its frame as artwork) for the player."""
    demo_catalog_load()
    demo_artwork_load()
    for title in Title.objects.all():
        if title.kind == Title.Kind.FILM:
            video_ready_make(title=title, duration=5400)
        for season in title.seasons.all():
            for episode in season.episodes.all()[:2]:
                video_ready_make(title=title, episode=episode, duration=1500)
    job = run_transcode(clips.long, name="The Test Card")
    assert job.status == "done", job.error
    title = job.video.title
    title.synopsis = "Twelve seconds of moving test card: the clip this page's player really plays."
    title.save()
    wait_for(lambda: title.artwork.count() == 2, what="the clip's frame as artwork")
    return job.video


class Tour:
    """One browser context at one width, recording every 404 it meets."""

    def __init__(self, browser, live, width: str):
        w, h = WIDTHS[width]
        self.context = browser.new_context(viewport={"width": w, "height": h}, is_mobile=width == "phone",
                                           has_touch=width == "phone")
        self.page = self.context.new_page()
        self.page.set_default_timeout(30_000)
        self.live, self.width, self.missing = live, width, []
        self.page.on("response", lambda r: r.status == 404 and self.missing.append(r.url))
        self.page.on("console", lambda m: m.type == "error" and "404" in m.text and self.missing.append(m.text))

    def go(self, path: str):
        self.page.goto(self.live.url + path)
        self.page.wait_for_load_state("networkidle")

    def shot(self, name: str, *, full: bool = True) -> None:
        folder = ARTIFACTS / "pages"
        folder.mkdir(parents=True, exist_ok=True)
        self.page.evaluate("document.fonts.ready")
        self.page.screenshot(path=str(folder / f"{name}-{self.width}.png"), full_page=full)
        overflow = self.page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{name} at {self.width}: {overflow}px wider than the screen"

    def header_apart(self, name: str) -> None:
        """The brand at the left edge, the account's links at the right."""
        brand = self.page.locator(".brand").bounding_box()
        account = self.page.locator(".topbar .account").bounding_box()
        viewport = WIDTHS[self.width][0]
        assert brand["x"] < 0.1 * viewport, name
        assert account["x"] + account["width"] > viewport * 0.9, f"{name}: the links sit beside the logo"
        middle = account["y"] + account["height"] / 2
        assert brand["y"] <= middle <= brand["y"] + brand["height"], f"{name}: the links wrapped under the logo"


@pytest.mark.parametrize("width", list(WIDTHS))
def test_every_page_at_two_widths(browser, live, edge, catalog, width):
    user, profile = subscriber_make(plan="standard")
    profile_create(user=user, name="Kids", kids=True)
    tour = Tour(browser, live, width)
    page = tour.page
    try:
        tour.go("/")
        tour.header_apart("landing")
        tour.shot("landing")
        tour.go("/signup/")
        tour.header_apart("sign-up")
        tour.shot("sign-up")
        tour.go("/login/")
        tour.header_apart("sign-in")
        tour.shot("sign-in")
        page.fill("input[name=username]", user.username)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/profiles/**")
        page.wait_for_load_state("networkidle")
        tour.header_apart("profiles")
        tour.shot("profiles")
        page.click("button.profile-tile >> nth=0")
        page.wait_for_url("**/browse/")
        # Play the real title first, so Home has something to continue.
        tour.go(f"/title/{catalog.title.slug}/")
        tour.shot("title-film")
        page.click("a.button.play")
        page.wait_for_function("window.player && window.player.state && window.player.state.started && "
                               "document.getElementById('video').currentTime > 1.5")
        page.hover(".seek")
        page.wait_for_timeout(300)
        tour.shot("player-controls", full=False)
        page.click(".quality-button")
        page.wait_for_timeout(200)
        tour.shot("player-quality-menu", full=False)
        page.keyboard.press("Escape")
        page.evaluate("document.getElementById('video').pause()")
        page.evaluate("window.player.beat('paused')")
        tour.go("/browse/")
        tour.shot("browse")
        tour.go("/search/?q=the")
        tour.shot("search")
        tour.go("/title/orbit-school/")
        tour.shot("title-series")
        tour.go("/account/")
        tour.header_apart("account")
        home = page.locator("nav.nav a[href='/browse/']")
        assert home.is_visible() or page.locator("a.brand[href='/browse/']").is_visible(), "a way home"
        tour.shot("account")
        # Cannot play: a Basic account (one screen) already watching on another device.
        basic, basic_profile = subscriber_make(plan="basic")
        session = playback_start(user=basic, profile=basic_profile, video=catalog, device="tv", country="US")
        playback_heartbeat(session=session, position=3, state="playing")
        page.click("form.inline button.link")  # sign out
        page.wait_for_load_state("networkidle")
        tour.go("/login/")
        page.fill("input[name=username]", basic.username)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/profiles/**")
        page.click("button.profile-tile >> nth=0")
        page.wait_for_url("**/browse/")
        tour.go(f"/watch/{catalog.public_id}/")
        assert page.locator(".error-box[data-code=too_many_screens]").is_visible()
        tour.shot("cannot-play")
        assert not tour.missing, tour.missing
    finally:
        tour.context.close()
