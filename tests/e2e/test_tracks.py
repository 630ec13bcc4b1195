"""A title with two audio languages (440 Hz English, 660 Hz German), an
embedded English subtitle stream and an uploaded French SRT, transcoded
for real, played in Chromium: the web player (hls.js) lists both languages
and the subtitles (with Off) in menus that stay closed until clicked; a
chosen cue is active at its time, drawn above the control bar; switching
audio keeps playing without a stall; the choices are remembered for the
profile. Shaka lists the same tracks from the session's DASH manifest.
Screenshots at 1366 and 390 px wide in artifacts/pages/."""
from __future__ import annotations

import pytest

from catalog.models import TextTrack
from catalog.services import text_track_upload
from streaming.subscribers.models import Profile
from streaming.subscribers.services import mpd_url, playback_start
from tests.factories import subscriber_make
from tests.fixtures.broker import wait_for
from tests.fixtures.tracks import FRENCH_SRT
from transcoding.models import TranscodeJob

from .conftest import screenshot
from .test_dash import app_page  # noqa: F401  (fixture)
from .test_player import sign_in_and_open_title, wait_playing

pytestmark = pytest.mark.slow


@pytest.fixture
def multitrack_title(run_transcode, multitrack_source):
    job = run_transcode(multitrack_source, name="Languages")
    assert job.status == TranscodeJob.Status.DONE, job.error
    video = job.video
    text_track_upload(video=video, data=FRENCH_SRT.encode(), filename="fr.srt", language="fr")
    wait_for(lambda: 'LANGUAGE="fr"' in _stored_master(video), timeout=60, what="the French track packaged")
    job.refresh_from_db()
    return job


def _stored_master(video) -> str:
    from django.core.files.storage import default_storage

    try:  # storage.put replaces a file by deleting it first: a rewrite can be caught in between
        with default_storage.open(f"{video.ladder_prefix}/master.m3u8") as fh:
            return fh.read().decode()
    except FileNotFoundError:
        return ""


def _menu_labels(page, menu: str) -> list[str]:
    return page.eval_on_selector_all(f".{menu} .menu-list button", "els => els.map(e => e.textContent)")


def _choose(page, menu: str, label: str) -> None:
    page.click(f".{menu} .menu-button")
    page.click(f".{menu} .menu-list button:has-text('{label}')")


def _no_stall_for(page, seconds: float) -> dict:
    """Watch the playhead for ``seconds``: it must advance, and no 'waiting' may last over 1 s."""
    return page.evaluate("""(seconds) => new Promise((resolve) => {
        const v = document.getElementById('video');
        const from = v.currentTime; let waitingSince = null; let longest = 0;
        const onWaiting = () => { waitingSince = performance.now(); };
        const onPlaying = () => { if (waitingSince !== null) { longest = Math.max(longest, performance.now() - waitingSince); waitingSince = null; } };
        v.addEventListener('waiting', onWaiting); v.addEventListener('playing', onPlaying);
        setTimeout(() => {
          if (waitingSince !== null) longest = Math.max(longest, performance.now() - waitingSince);
          v.removeEventListener('waiting', onWaiting); v.removeEventListener('playing', onPlaying);
          resolve({from, to: v.currentTime, longestWaitMs: longest, paused: v.paused});
        }, seconds * 1000);
    })""", seconds)


def test_player_menus_subtitles_and_audio_switch(page, live, edge, multitrack_title):
    video = multitrack_title.video
    user, profile = subscriber_make(plan="standard")
    sign_in_and_open_title(page, live, user, video.title.slug)
    wait_playing(page, beyond=0.2)
    page.evaluate("document.getElementById('video').pause()")
    page.wait_for_function("window.player.hls.audioTracks.length === 2 && window.player.hls.subtitleTracks.length === 2")
    # Menus: closed until clicked.
    assert page.is_visible(".audio-menu .menu-button") and page.is_visible(".subtitles-menu .menu-button")
    assert page.is_hidden(".audio-menu .menu-list") and page.is_hidden(".subtitles-menu .menu-list")
    assert _menu_labels(page, "audio-menu") == ["English", "German"]
    assert _menu_labels(page, "subtitles-menu") == ["Off", "English", "French"]
    assert page.evaluate("window.player.hls.audioTracks.map(t => t.lang)") == ["en", "de"]
    assert page.evaluate("window.player.hls.subtitleTrack") == -1, "subtitles start off"
    # French subtitles: the cue 00:00:02.000 --> 00:00:05.000 is active at its time.
    _choose(page, "subtitles-menu", "French")
    assert page.is_hidden(".subtitles-menu .menu-list"), "a choice closes the menu"
    page.evaluate("document.getElementById('video').currentTime = 2.6")
    page.wait_for_function("""() => { const v = document.getElementById('video');
        const t = Array.from(v.textTracks).find(t => t.language === 'fr' && t.mode !== 'disabled');
        return t && t.activeCues && t.activeCues.length > 0; }""", timeout=20_000)
    cue = page.evaluate("""() => { const v = document.getElementById('video');
        const t = Array.from(v.textTracks).find(t => t.language === 'fr' && t.mode !== 'disabled');
        const c = t.activeCues[0];
        return {text: c.text, start: c.startTime, end: c.endTime, mode: t.mode, time: v.currentTime,
                firstFrame: v.buffered.length ? v.buffered.start(0) : null}; }""")
    assert cue["text"].startswith("Bonjour") and cue["mode"] == "hidden", cue
    # Aligned: the cue starts 2.000 s after the first frame, in the element's own time.
    print("cue", cue, "media start", multitrack_title.media_start)
    assert abs(cue["start"] - 2.0 - cue["firstFrame"]) < 0.05, cue
    # Drawn above the control bar's buttons, never under them.
    page.hover(".seek")
    page.wait_for_selector(".captions:not([hidden])")
    box = page.eval_on_selector(".captions span", "e => e.getBoundingClientRect().toJSON()")
    bar_top = page.evaluate("Math.min(...Array.from(document.querySelectorAll('.controls > *'))"
                            ".map(e => e.getBoundingClientRect()).filter(r => r.height).map(r => r.top))")
    assert box["bottom"] <= bar_top, (box, bar_top)
    assert page.inner_text(".captions").startswith("Bonjour")
    wait_for(lambda: Profile.objects.get(pk=profile.pk).subtitle_language == "fr", timeout=10,
             what="the profile to remember French subtitles")
    # Both menus open, for the screenshots (one at a time is the rule: shown side by side here).
    for width, name in ((1366, "player-tracks-1366.png"), (390, "player-tracks-390.png")):
        page.set_viewport_size({"width": width, "height": 768 if width > 500 else 844})
        page.hover(".seek")
        # The line sits on the picture (a portrait phone letterboxes it far above
        # the controls) and above the bar.
        page.wait_for_function("""() => { const v = document.getElementById('video'), r = v.getBoundingClientRect();
            const s = Math.min(r.width / v.videoWidth, r.height / v.videoHeight);
            const picture = r.top + (r.height + v.videoHeight * s) / 2;
            const line = document.querySelector('.captions span').getBoundingClientRect();
            const bar = Math.min(...Array.from(document.querySelectorAll('.controls > *'))
                .map(e => e.getBoundingClientRect()).filter(b => b.height).map(b => b.top));
            return line.bottom <= picture + 1 && line.bottom <= bar && line.top >= r.top; }""", timeout=5_000)
        page.click(".audio-menu .menu-button")
        page.evaluate("document.querySelector('.subtitles-menu .menu-list').hidden = false")
        screenshot(page, f"pages/{name}")
        page.keyboard.press("Escape")
        page.evaluate("document.querySelector('.subtitles-menu .menu-list').hidden = true")
    page.set_viewport_size({"width": 1280, "height": 720})
    # Switch audio while playing: the playhead goes on, no stall.
    page.evaluate("document.getElementById('video').play()")
    page.wait_for_function("!document.getElementById('video').paused")
    _choose(page, "audio-menu", "German")
    watched = _no_stall_for(page, 2.5)
    assert page.evaluate("window.player.hls.audioTrack") == 1
    assert watched["to"] > watched["from"] + 1.5 and not watched["paused"], watched
    assert watched["longestWaitMs"] < 1000, watched
    wait_for(lambda: Profile.objects.get(pk=profile.pk).audio_language == "de", timeout=10,
             what="the profile to remember German audio")
    errors = [m for m in page.console_messages if m.startswith("error")]
    assert not errors, page.console_messages


def test_next_session_starts_in_the_profiles_languages(page, live, edge, multitrack_title):
    video = multitrack_title.video
    user, profile = subscriber_make(plan="standard")
    Profile.objects.filter(pk=profile.pk).update(audio_language="de", subtitle_language="en")
    sign_in_and_open_title(page, live, user, video.title.slug)
    wait_playing(page, beyond=0.2)
    page.wait_for_function("window.player.hls.subtitleTrack >= 0")
    assert page.evaluate("window.player.hls.audioTracks[window.player.hls.audioTrack].lang") == "de"
    assert page.evaluate("window.player.hls.subtitleTracks[window.player.hls.subtitleTrack].lang") == "en"
    assert page.inner_text(".subtitles-menu .menu-label") == "English"


def test_shaka_lists_audio_and_text_tracks_of_the_dash_session(page, live, edge, multitrack_title, app_page):  # noqa: F811
    video = multitrack_title.video
    assert TextTrack.objects.filter(video=video, status="ready").count() == 2
    user, profile = subscriber_make(plan="standard")
    session = playback_start(user=user, profile=profile, video=video, device="tv", country="US", manifest="dash")
    url = f"{live.url}{mpd_url(session=session)}"
    texts: list[str] = []
    page.on("request", lambda r: texts.append(r.url) if r.url.endswith(".vtt") else None)
    page.goto(app_page)
    page.evaluate("(url) => start(url)", url)
    page.wait_for_function("document.getElementById('v').currentTime > 0.5", timeout=30_000)
    # Shaka 5.2: getAudioTracks / selectAudioTrack, getTextTracks / selectTextTrack.
    assert sorted(page.evaluate("player.getAudioTracks().map(t => t.language)")) == ["de", "en"]
    assert page.evaluate("player.getAudioTracks().find(t => t.active).language") == "en", "Role main first"
    assert sorted(page.evaluate("player.getTextTracks().map(t => t.language)")) == ["en", "fr"]
    page.evaluate("""() => { const t = player.getTextTracks().find(t => t.language === 'fr');
                             player.selectTextTrack(t); document.getElementById('v').currentTime = 2.6; }""")
    page.wait_for_function("""() => Array.from(document.getElementById('v').textTracks)
        .some(t => t.mode !== 'disabled' && t.activeCues
                   && Array.from(t.activeCues).some(c => c.text.startsWith('Bonjour')))""", timeout=20_000)
    # Aligned as in HLS: the cue written at 2.000 s starts 2 s after the first frame.
    cue = page.evaluate("""() => { const v = document.getElementById('v');
        const t = Array.from(v.textTracks).find(t => t.mode !== 'disabled' && t.activeCues && t.activeCues.length);
        return {start: t.activeCues[0].startTime, firstFrame: v.buffered.start(0)}; }""")
    assert abs(cue["start"] - 2.0 - cue["firstFrame"]) < 0.03, cue
    assert texts and all(u.startswith(edge.url) and "/t/" in u for u in texts), texts
    page.evaluate("player.selectAudioTrack(player.getAudioTracks().find(t => t.language === 'de'))")
    page.wait_for_function("player.getAudioTracks().some(t => t.active && t.language === 'de')")
    assert page.evaluate("window.events") == []


def test_admin_lists_what_the_probe_found(page, live, multitrack_title):
    """Staff see every track of the video on its admin page: both audio
    languages, the embedded and the uploaded subtitles, and a bitmap stream
    marked not supported with what to do."""
    from django.contrib.auth import get_user_model

    from catalog.services import text_track_unsupported

    video = multitrack_title.video
    text_track_unsupported(video=video, language="ger", stream_index=4, codec_name="hdmv_pgs_subtitle")
    get_user_model().objects.create_superuser("staff-tracks", "staff@example.org", "a-Strong-pass-123")
    page.set_viewport_size({"width": 1366, "height": 1100})
    page.goto(f"{live.url}/admin/login/?next=/admin/catalog/video/{video.pk}/change/")
    page.fill("input[name=username]", "staff-tracks")
    page.fill("input[name=password]", "a-Strong-pass-123")
    page.click("input[type=submit]")
    page.wait_for_selector("#audio_tracks-group")
    audio = page.inner_text("#audio_tracks-group")
    text = page.inner_text("#text_tracks-group")
    assert "en" in audio and "de" in audio and audio.count("Ready") == 2, audio
    assert "In the source" in text and "Uploaded" in text and "Not supported" in text and "PGS (Blu-ray)" in text
    page.locator("#audio_tracks-group").scroll_into_view_if_needed()
    page.screenshot(path=str(screenshot_path("pages/admin-video-tracks.png")), full_page=True)


def screenshot_path(name: str):
    from .conftest import ARTIFACTS

    path = ARTIFACTS / name
    path.parent.mkdir(parents=True, exist_ok=True)
    return path
