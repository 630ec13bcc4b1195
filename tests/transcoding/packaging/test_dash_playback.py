"""The MPD played for real: headless Chromium (Debian's), the vendored Shaka
Player, a tiny real CMAF ladder made here with ffmpeg and served on loopback.

The ladder: H.264 and AV1 at 320x180 and 640x360 (4 s, 2 s segments, each
rung packaged by ffmpeg's HLS muxer into init.mp4 + seg_*.m4s), AAC audio in
English and French, WebVTT subtitles. The MPD comes from transcoding.packaging.dash
with durations measured from the segment files; the server puts a token in
every path, as the signed edge URLs do, and refuses requests without it."""
from __future__ import annotations

import json
import shutil
import threading
from dataclasses import dataclass, field
from fractions import Fraction
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.conftest import (
    ROOT,  # noqa: E402
    free_port,
)
from tests.transcoding.cmaf_media import Rendition, make_source, package_audio, package_video
from transcoding.packaging.dash import (
    AudioRepresentation,
    AudioSet,
    BaseUrl,
    Presentation,
    Steering,
    TextTrack,
    VideoRepresentation,
    render_mpd,
    video_set,
)

SHAKA = ROOT / "static/vendor/shaka-player-5.2.12/shaka-player.compiled.js"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
TOKEN = "tok-5e1f0c"
SECONDS = 4
VTT = {"en": "WEBVTT\n\n00:00:00.500 --> 00:00:03.500\nHello\n",
       "fr": "WEBVTT\n\n00:00:00.500 --> 00:00:03.500\nBonjour\n"}

PAGE = """<!doctype html><meta charset="utf-8"><title>dash</title>
<video id="v" muted playsinline width="640" height="360"></video>
<script src="/shaka.js"></script>
<script>
window.events = [];
async function start(url, config) {
  shaka.polyfill.installAll();
  const video = document.getElementById('v');
  const player = new shaka.Player();
  window.player = player;
  await player.attach(video);
  player.configure(config || {});
  player.getNetworkingEngine().addEventListener('retry', (e) => {
    window.events.push({type: 'retry', uri: (e.error && e.error.data) ? String(e.error.data[0]) : ''});
  });
  player.addEventListener('error', (e) => window.events.push({type: 'error', code: e.detail.code}));
  await player.load(url);
  await video.play();
  return true;
}
function state() {
  const v = document.getElementById('v');
  return {
    time: v.currentTime, videoHeight: v.videoHeight,
    variants: player.getVariantTracks().map((t) => ({
      id: t.id, active: t.active, videoCodec: t.videoCodec, audioCodec: t.audioCodec, height: t.height,
      width: t.width, bandwidth: t.bandwidth, language: t.language, videoId: t.originalVideoId,
      audioId: t.originalAudioId, roles: t.audioRoles})),
    text: player.getTextTracks().map((t) => ({language: t.language, kind: t.kind, roles: t.roles,
      forced: t.forced, mimeType: t.mimeType})),
    events: window.events,
  };
}
</script>"""


@dataclass
class Ladder:
    root: Path
    video: dict[str, list[Rendition]]   # codec -> rungs
    audio: dict[str, Rendition]         # lang -> rendition
    heights: dict[str, int]


@pytest.fixture(scope="module")
def ladder(tmp_path_factory) -> Ladder:
    work = tmp_path_factory.mktemp("dash")
    source = make_source(work / "src.mkv", seconds=SECONDS)
    root = work / "title"
    video = {
        "h264": [package_video(root, source, "v180", "h264", width=320, height=180, bitrate=250_000),
                 package_video(root, source, "v360", "h264", width=640, height=360, bitrate=600_000)],
        # SVT-AV1 at a fast preset: these are tiny frames, the test is about playback
        "av1": [package_video(root, source, "av1_180", "av1", width=320, height=180, bitrate=160_000, preset=10),
                package_video(root, source, "av1_360", "av1", width=640, height=360, bitrate=400_000, preset=10)],
    }
    audio = {"en": package_audio(root, source, "aud_en", 0), "fr": package_audio(root, source, "aud_fr", 1)}
    (root / "subs").mkdir()
    for lang, text in VTT.items():
        (root / "subs" / f"{lang}.vtt").write_text(text)
    heights = {"v180": 180, "v360": 360, "av1_180": 180, "av1_360": 360}
    return Ladder(root, video, audio, heights)


def presentation(ladder: Ladder, *, codecs=("h264", "av1"), base_urls=(), steering=None) -> Presentation:
    sets = []
    for codec in codecs:
        reps = []
        for r in ladder.video[codec]:
            h = ladder.heights[r.name]
            reps.append(VideoRepresentation(r.name, r.peak_bandwidth, h * 16 // 9, h, Fraction(30), r.codecs, r.files))
        sets.append(video_set(reps))
    audio = tuple(
        AudioSet(lang, 2, (AudioRepresentation(r.name, r.average_bandwidth, r.codecs, 48000, r.files),),
                 label={"en": "English", "fr": "Fran\u00e7ais"}[lang], main=(lang == "en"))
        for lang, r in ladder.audio.items()
    )
    text = (TextTrack("sub_en", "en", "subs/en.vtt", "subtitle", "English"),
            TextTrack("forced_fr", "fr", "subs/fr.vtt", "forced-subtitle", "Fran\u00e7ais (forced)"))
    duration = max(r.seconds for rungs in ladder.video.values() for r in rungs)
    return Presentation(duration, tuple(sets), audio, text, tuple(base_urls), steering)


@dataclass
class Server:
    port: int
    root: Path
    log: list[tuple[str, str]] = field(default_factory=list)   # (host header, path)
    steering: dict | None = None

    @property
    def title(self) -> str:
        return f"http://127.0.0.1:{self.port}/t/{TOKEN}/title/"

    def segment_requests(self) -> list[str]:
        return [path for _, path in self.log if path.endswith(".m4s")]


@pytest.fixture(scope="module")
def server(ladder):
    state = Server(free_port(), ladder.root)
    (ladder.root.parent / "player.html").write_text(PAGE)
    shutil.copy(SHAKA, ladder.root.parent / "shaka.js")

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # quiet
            pass

        def do_GET(self):
            url = urlsplit(self.path)
            state.log.append((self.headers.get("Host", ""), self.path))
            if url.path in ("/player.html", "/shaka.js"):
                return self._file(ladder.root.parent / url.path.lstrip("/"))
            if url.path == "/steer.json" and state.steering is not None:
                body = json.dumps({**state.steering, "RELOAD-URI": f"/steer.json?{url.query}"}).encode()
                return self._send(200, body, "application/json")
            parts = url.path.split("/", 4)  # "", "t", token, "title", rest
            if len(parts) == 5 and parts[1] == "t" and parts[3] == "title":
                if parts[2] != TOKEN:
                    return self._send(403, b"bad token", "text/plain")
                path = (ladder.root / parts[4]).resolve()
                if ladder.root in path.parents:
                    return self._file(path)
            self._send(404, b"not found", "text/plain")

        def _file(self, path: Path):
            if not path.is_file():
                return self._send(404, b"not found", "text/plain")
            types = {".mpd": "application/dash+xml", ".mp4": "video/mp4", ".m4s": "video/iso.segment",
                     ".vtt": "text/vtt", ".js": "text/javascript", ".html": "text/html"}
            self._send(200, path.read_bytes(), types.get(path.suffix, "application/octet-stream"))

        def _send(self, code: int, body: bytes, ctype: str):
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Access-Control-Allow-Origin", "*")
            self.end_headers()
            self.wfile.write(body)

    httpd = ThreadingHTTPServer(("127.0.0.1", state.port), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield state
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def publish(server: Server, name: str, mpd: Presentation) -> str:
    (server.root / name).write_text(render_mpd(mpd))
    return server.title + name


def play(browser, server: Server, mpd_url: str, config: dict | None = None, past: float = 2.2):
    """Open the player, load the MPD, wait until the playhead is past ``past`` s."""
    page = browser.new_page()
    page.set_default_timeout(30_000)
    console: list[str] = []
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    page.goto(f"http://127.0.0.1:{server.port}/player.html")
    try:
        page.evaluate("([url, config]) => start(url, config)", [mpd_url, config or {}])
        page.wait_for_function(f"document.getElementById('v').currentTime > {past}")
    except Exception:
        print("browser console:", *console[-20:], sep="\n  ")
        print("page state:", page.evaluate("window.events"))
        raise
    return page



def prefer(codec: str) -> dict:
    return {"preferredVideo": [{"codec": codec, "label": "", "role": "", "language": "",
                                "hdrLevel": "", "layout": ""}]}


def expected_variants(ladder: Ladder, mpd: Presentation, codec_set: int) -> set[tuple]:
    """(video id, codecs, height, variant bandwidth, language) per video x audio, from the MPD."""
    return {(r.id, r.codecs, r.height, r.bandwidth + a.representations[0].bandwidth, a.lang)
            for r in mpd.video[codec_set].representations for a in mpd.audio}


def reported_variants(state: dict) -> set[tuple]:
    return {(v["videoId"], v["videoCodec"], v["height"], v["bandwidth"], v["language"]) for v in state["variants"]}


def test_plays_and_reports_the_mpd_representations(browser, server, ladder):
    mpd = presentation(ladder)
    url = publish(server, "manifest.mpd", mpd)
    page = play(browser, server, url)
    state = page.evaluate("state()")
    assert state["time"] > 2.2 and state["videoHeight"] in (180, 360)
    # Shaka keeps one codec: the one whose cheapest rung is cheapest (AV1 here),
    # after dropping what MediaSource cannot decode; the variants it offers are
    # exactly that AdaptationSet's Representations x the audio languages.
    assert reported_variants(state) == expected_variants(ladder, mpd, 1)
    assert {v["videoCodec"] for v in state["variants"]} == {r.codecs for r in ladder.video["av1"]}
    page.close()

    page = play(browser, server, url, prefer("avc1"))
    state = page.evaluate("state()")
    assert reported_variants(state) == expected_variants(ladder, mpd, 0)
    assert {v["videoCodec"] for v in state["variants"]} == {r.codecs for r in ladder.video["h264"]}
    assert state["events"] == []
    page.close()


def test_switching_rung(browser, server, ladder):
    url = publish(server, "switch.mpd", presentation(ladder, codecs=("h264",)))
    page = play(browser, server, url, {"abr": {"enabled": False}}, past=0.3)
    active = next(v for v in page.evaluate("state()")["variants"] if v["active"])
    target = 180 if active["height"] == 360 else 360
    page.evaluate("""(h) => {
      const t = player.getVariantTracks().find((v) => v.height === h && v.language === 'en');
      player.selectVariantTrack(t, /* clearBuffer= */ true);
    }""", target)
    page.wait_for_function(f"document.getElementById('v').videoHeight === {target}")
    page.wait_for_function("document.getElementById('v').currentTime > 2.5")
    state = page.evaluate("state()")
    now = next(v for v in state["variants"] if v["active"])
    assert now["height"] == target and now["videoId"] == ("v180" if target == 180 else "v360")
    requested = server.segment_requests()
    assert any(f"/{now['videoId']}/seg_" in p for p in requested)
    page.close()


def test_audio_languages_and_text_tracks(browser, server, ladder):
    url = publish(server, "audio.mpd", presentation(ladder, codecs=("h264",)))
    page = play(browser, server, url, past=0.5)
    state = page.evaluate("state()")
    assert {v["language"] for v in state["variants"]} == {"en", "fr"}
    active = next(v for v in state["variants"] if v["active"])
    assert active["language"] == "en" and active["roles"] == ["main"]  # Role main is the default
    assert sorted((t["language"], t["roles"][0], t["forced"], t["mimeType"]) for t in state["text"]) == \
        [("en", "subtitle", False, "text/vtt"), ("fr", "forced-subtitle", True, "text/vtt")]
    page.evaluate("player.selectAudioTrack(player.getAudioTracks().find((t) => t.language === 'fr'))")
    page.wait_for_function("player.getVariantTracks().find((v) => v.active).language === 'fr'")
    page.wait_for_function("document.getElementById('v').currentTime > 2.2")
    assert any("/aud_fr/seg_" in p for p in server.segment_requests())
    page.close()


def test_baseurl_failover_to_the_second_pathway(browser, server, ladder):
    """First BaseURL: a closed port on another loopback address (a dead edge);
    second: the live server. Shaka must play from the second."""
    dead = f"http://127.0.0.2:{free_port()}/t/{TOKEN}/title/"
    mpd = presentation(ladder, codecs=("h264",), base_urls=(BaseUrl(dead, "edge"), BaseUrl(server.title, "origin")))
    url = publish(server, "failover.mpd", mpd)
    before = len(server.log)
    page = play(browser, server, url)
    state = page.evaluate("state()")
    served = [p for _, p in server.log[before:] if p.endswith((".m4s", ".mp4"))]
    retries = [e for e in state["events"] if e["type"] == "retry"]
    print(f"\nBaseURL failover: {len(served)} init/media requests served by the second BaseURL, "
          f"{len(retries)} retries after the dead first BaseURL failed: "
          f"{sorted({r['uri'].split('/title/')[-1] for r in retries})}")
    assert state["time"] > 2.2
    assert served and all(p.startswith(f"/t/{TOKEN}/title/") for p in served)
    assert retries and all(r["uri"].startswith(dead) for r in retries)
    page.close()


def try_play(browser, server: Server, url: str, seconds: float = 12.0) -> dict:
    """Load and report what happened within ``seconds``, without failing."""
    page = browser.new_page()
    page.goto(f"http://127.0.0.1:{server.port}/player.html")
    loaded = page.evaluate("""([url, ms]) => Promise.race([
        start(url, {}).then(() => 'loaded', (e) => 'error ' + (e && e.code)),
        new Promise((resolve) => setTimeout(() => resolve('still loading'), ms))])""", [url, seconds * 1000])
    try:
        page.wait_for_function("document.getElementById('v').currentTime > 2.2", timeout=seconds * 1000)
    except Exception:
        pass
    state = page.evaluate("""() => ({time: document.getElementById('v').currentTime, events: window.events})""")
    page.close()
    return {"load": loaded, **state}



STEERING_CASES = {
    # name: (steering server answers?, defaultServiceLocation, plays?)
    "server-orders-pathways": (True, ("edge",), True),
    "no-server-default-lists-all": (False, ("edge", "origin"), True),
    "no-server-default-is-dead-edge": (False, ("edge",), False),
}


@pytest.mark.parametrize("case", list(STEERING_CASES))
def test_content_steering_in_shaka(browser, server, ladder, case):
    """What Shaka 5.2.12 does with <ContentSteering> over the same two
    pathways (dead edge first, live origin second), printed and pinned:

    - the steering server answers PATHWAY-PRIORITY [origin, edge]: Shaka
      fetches it and goes straight to the origin, no failed request at all;
    - no steering server, defaultServiceLocation="edge origin" (the DASH-IF
      whitespace-separated list): Shaka splits the attribute on commas, so it
      matches no pathway and falls back to every BaseURL in MPD order, i.e.
      plain failover;
    - no steering server, defaultServiceLocation="edge": Shaka uses that
      pathway only and never tries the origin: nothing plays. This is why
      transcoding.packaging.dash renders ContentSteering only on request."""
    answers, default, plays = STEERING_CASES[case]
    dead = f"http://127.0.0.2:{free_port()}/t/{TOKEN}/title/"
    server.steering = {"VERSION": 1, "TTL": 300, "PATHWAY-PRIORITY": ["origin", "edge"]} if answers else None
    steering = Steering(f"http://127.0.0.1:{server.port}/steer.json", default, query_before_start=True)
    mpd = presentation(ladder, codecs=("h264",), base_urls=(BaseUrl(dead, "edge"), BaseUrl(server.title, "origin")),
                       steering=steering)
    url = publish(server, f"steer-{case}.mpd", mpd)
    before = len(server.log)
    result = try_play(browser, server, url, seconds=8 if not plays else 20)
    log = [p for _, p in server.log[before:]]
    media = [p for p in log if p.endswith((".m4s", ".mp4"))]
    media_retries = [e["uri"] for e in result["events"] if e["type"] == "retry" and "/title/" in e["uri"]]
    print(f"\nContentSteering {case}: load={result['load']} playhead={result['time']:.2f}s "
          f"steering requests={sum(p.startswith('/steer.json') for p in log)} media served={len(media)} "
          f"failed media requests (dead edge)={len(media_retries)}")
    assert any(p.startswith("/steer.json") for p in log)
    assert all(uri.startswith(dead) for uri in media_retries)
    if plays:
        assert result["time"] > 2.2 and media
        assert (len(media_retries) == 0) == answers  # the steering answer avoids the dead edge entirely
    else:
        assert result["time"] == 0 and not media and media_retries
