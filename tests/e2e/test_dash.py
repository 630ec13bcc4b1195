"""DASH sessions end to end: Shaka Player (vendored) plays a session's MPD
through a real edge in Chromium; a Basic (720p) session's MPD has no rung
above 720p, in any codec, and the edge refuses those rungs with its token."""
from __future__ import annotations

import shutil
import threading
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from streaming.subscribers.services import mpd_url, playback_start
from tests.factories import subscriber_make as make_subscriber
from tests.fixtures.multicodec import multicodec_profile
from tests.fixtures.transcode import transcode
from transcoding.models import ProfileRung
from transcoding.packaging.dash_model import MPD_NS

from .conftest import ROOT, screenshot

pytestmark = pytest.mark.slow
NS = {"d": MPD_NS}
SHAKA = ROOT / "static/vendor/shaka-player-5.2.12/shaka-player.compiled.js"
PAGE = """<!doctype html><meta charset="utf-8"><title>DASH session</title>
<video id="v" muted playsinline width="640" height="360"></video>
<script src="shaka.js"></script>
<script>
window.events = [];
async function start(url) {
  shaka.polyfill.installAll();
  const player = new shaka.Player();
  window.player = player;
  await player.attach(document.getElementById('v'));
  player.addEventListener('error', (e) => window.events.push(e.detail.code));
  await player.load(url);
  await document.getElementById('v').play();
}
</script>"""


@pytest.fixture
def app_page(tmp_path, settings):
    """A web app on its own origin (as a TV app's page would be), loading
    the vendored Shaka; the site lets that origin fetch session manifests."""
    folder = tmp_path / "app"
    folder.mkdir()
    (folder / "index.html").write_text(PAGE)
    shutil.copy(SHAKA, folder / "shaka.js")
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    origin = f"http://127.0.0.1:{server.server_address[1]}"
    settings.CORS_ALLOWED_ORIGINS = [origin]
    yield f"{origin}/index.html"
    server.shutdown()
    server.server_close()


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def test_shaka_plays_the_sessions_dash_manifest_through_the_edge(page, live, edge, multicodec_title, app_page):
    job, _ = multicodec_title
    user, profile = make_subscriber(plan="standard")
    session = playback_start(user=user, profile=profile, video=job.video, device="tv", country="US",
                             codecs=["h264", "av1"], manifest="dash")
    assert session.pathways[0] == edge.name
    url = f"{live.url}{mpd_url(session=session)}"
    media: list[str] = []
    page.on("request", lambda r: media.append(r.url) if r.url.endswith((".m4s", ".mp4")) else None)
    page.goto(app_page)
    page.evaluate("(url) => start(url)", url)
    page.wait_for_function("document.getElementById('v').currentTime > 2.5", timeout=30_000)
    tracks = page.evaluate("player.getVariantTracks().map(t => ({codec: t.videoCodec, active: t.active, "
                           "height: t.height}))")
    active = next(t for t in tracks if t["active"])
    assert active["codec"].startswith("av01"), "Shaka keeps to one codec: AV1, the cheaper one here"
    assert {t["codec"][:4] for t in tracks} == {"av01"}, "never a mix of codecs"
    assert page.evaluate("window.events") == []
    assert media and all(u.startswith(edge.url) for u in media), [u for u in media if not u.startswith(edge.url)][:3]
    assert all("/t/" in u and f"/hls/{job.video.public_id}/" in u for u in media), "signed paths only"
    screenshot(page, "dash-shaka-through-edge.png")


@pytest.fixture
def hd_profile(worker):
    """H.264 and AV1, two rungs each: 360p and 1080p."""
    profile = multicodec_profile(codecs={"av1": True, "hevc": False}, name="Test: 360p + 1080p")
    ProfileRung.objects.filter(profile=profile).exclude(height__in=[360, 1080]).delete()
    return profile


def test_basic_plan_mpd_has_no_rung_above_720p_and_the_edge_refuses_them(live, edge, hd_profile, clips):
    job = transcode(clips.hd, name="Basic DASH", timeout=300)
    assert job.status == "done" and set(job.ladders.values_list("status", flat=True)) == {"done"}, job.error
    assert {r.name for r in job.renditions.filter(kind="video")} == {"v360", "v1080", "av1/v360", "av1/v1080"}
    user, profile = make_subscriber(plan="basic")
    session = playback_start(user=user, profile=profile, video=job.video, device="app-1", country="US",
                             codecs=["av1", "h264"], manifest="dash")
    assert session.max_height == 720
    with urllib.request.urlopen(f"{live.url}{mpd_url(session=session)}") as response:
        assert response.headers["Content-Type"] == "application/dash+xml"
        mpd = ET.fromstring(response.read())
    reps = mpd.findall("d:Period/d:AdaptationSet[@contentType='video']/d:Representation", NS)
    assert {r.get("id") for r in reps} == {"v360", "av1/v360"}
    assert max(int(r.get("height")) for r in reps) <= 720
    assert all(int(s.get("maxHeight")) <= 720
               for s in mpd.findall("d:Period/d:AdaptationSet[@contentType='video']", NS))
    edge_base = mpd.find("d:BaseURL", NS).text
    assert edge_base.startswith(edge.url)
    for allowed in ("v360/init.mp4", "av1/v360/init.mp4", "manifest.mpd"):
        with urllib.request.urlopen(edge_base + allowed) as ok:
            assert ok.status == 200
            if allowed.endswith(".mpd"):
                assert ok.headers["Content-Type"] == "application/dash+xml"
    for refused in ("v1080/init.mp4", "av1/v1080/init.mp4", "av1/v1080/seg_00000.m4s"):
        with pytest.raises(urllib.error.HTTPError) as exc:
            urllib.request.urlopen(edge_base + refused)
        assert exc.value.code == 403 and b"rung-above-plan" in exc.value.read(), refused
