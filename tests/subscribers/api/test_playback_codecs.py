"""Playback start with codecs and a manifest kind, on the title transcoded to
H.264, AV1 and HEVC (tests/fixtures/multicodec.py): a client gets only the
codecs it decodes, as HLS or DASH; one that says nothing gets H.264 HLS."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import m3u8
import pytest

from streaming.subscribers.models import PlaybackSession
from tests.factories import subscriber_make as make_subscriber
from tests.fixtures.accounts import sign_in
from tests.fixtures.api import assert_error, bearer
from transcoding.packaging.dash_model import MPD_NS

pytestmark = pytest.mark.slow
NS = {"d": MPD_NS}


def start(app, profile, video, **extra):
    response = app.post("/api/v1/playback/", {"profile": profile.pk, "video": str(video.public_id), **extra},
                        format="json")
    assert response.status_code == 201, response.content
    return response.json()


def fetch(client, url: str):
    return client.get(url.removeprefix("http://testserver"))


def variant_codecs(text: str) -> list[str]:
    return [p.stream_info.codecs.split(",")[0].split(".")[0] for p in m3u8.loads(text).playlists]


def test_a_client_that_says_nothing_gets_h264_hls_as_before(multicodec_title, client):
    job, _ = multicodec_title
    user, profile = make_subscriber()
    s = start(bearer(user), profile, job.video)
    assert s["manifest"] == "hls" and s["master_url"] == s["manifest_url"]
    assert [c["codec"] for c in s["codecs"]] == ["h264"] and s["codecs"][0]["codecs"].startswith("avc1.64")
    master = fetch(client, s["manifest_url"])
    assert master["Content-Type"] == "application/vnd.apple.mpegurl"
    text = master.content.decode()
    assert set(variant_codecs(text)) == {"avc1"} and "I-FRAME-STREAM-INF" in text


def test_hls_lists_only_the_codecs_the_client_decodes(multicodec_title, client):
    job, _ = multicodec_title
    user, profile = make_subscriber()
    s = start(bearer(user), profile, job.video, codecs=["hevc", "h264"])
    assert [c["codec"] for c in s["codecs"]] == ["hevc", "h264"]
    text = fetch(client, s["manifest_url"]).content.decode()
    assert variant_codecs(text)[0] == "hvc1", "the preferred codec's start variant comes first"
    assert set(variant_codecs(text)) == {"hvc1", "avc1"} and "av01" not in text
    iframes = [line for line in text.splitlines() if line.startswith("#EXT-X-I-FRAME-STREAM-INF")]
    assert {line.split('CODECS="')[1].split(".")[0] for line in iframes} == {"hvc1", "avc1"}
    # An app that decodes AV1 only.
    other_user, other_profile = make_subscriber()
    av1 = start(bearer(other_user), other_profile, job.video, codecs=["av1"])
    assert set(variant_codecs(fetch(client, av1["manifest_url"]).content.decode())) == {"av01"}


def test_dash_answers_an_mpd_with_one_adaptation_set_per_codec_and_signed_base_urls(multicodec_title, client):
    job, _ = multicodec_title
    user, profile = make_subscriber()
    s = start(bearer(user), profile, job.video, codecs=["h264", "av1"], manifest="dash")
    assert s["manifest"] == "dash" and s["manifest_url"].endswith("/manifest.mpd") and s["master_url"] is None
    assert [c["codec"] for c in s["codecs"]] == ["av1", "h264"]
    response = fetch(client, s["manifest_url"])
    assert response.status_code == 200 and response["Content-Type"] == "application/dash+xml"
    mpd = ET.fromstring(response.content)
    sets = mpd.findall("d:Period/d:AdaptationSet", NS)
    assert [s_.get("contentType") for s_ in sets] == ["video", "video", "audio"]
    assert [{r.get("codecs")[:4] for r in s_.findall("d:Representation", NS)} for s_ in sets[:2]] == [
        {"av01"}, {"avc1"}]
    bases = [(b.get("serviceLocation"), b.text) for b in mpd.findall("d:BaseURL", NS)]
    session = PlaybackSession.objects.get(pk=s["id"])
    assert [loc for loc, _ in bases] == session.pathways
    token = s["manifest_url"].split("/t/")[1].split("/")[0]
    assert all(f"/t/{token}/hls/{job.video.public_id}/" in url and url.endswith("/") for _, url in bases)


def test_codecs_and_manifest_are_checked(multicodec_title):
    job, _ = multicodec_title
    user, profile = make_subscriber()
    app = bearer(user)
    body = {"profile": profile.pk, "video": str(job.video.public_id)}
    assert_error(app.post("/api/v1/playback/", {**body, "codecs": ["vp9"]}, format="json"), 400, "invalid")
    assert_error(app.post("/api/v1/playback/", {**body, "manifest": "smooth"}, format="json"), 400, "invalid")
    assert_error(app.post("/api/v1/playback/", {**body, "codecs": []}, format="json"), 400, "invalid")


def test_the_web_player_narrows_its_session_to_the_codec_it_plays(multicodec_title, client):
    job, _ = multicodec_title
    user, profile = make_subscriber()
    page = sign_in(client, user, profile).get(f"/watch/{job.video.public_id}/")
    assert page.status_code == 200
    config = client.post(page.context["start"]["start"]).json()  # the page's POST start
    assert list(config["codecs"]) == ["av1", "hevc", "h264"]
    assert config["codecs"]["av1"].startswith("av01.") and config["codecLabels"]["av1"] == "AV1"
    master = config["master"]
    assert set(variant_codecs(client.get(master, {"codecs": "av1"}).content.decode())) == {"av01"}
    assert set(variant_codecs(client.get(master, {"codecs": "h264"}).content.decode())) == {"avc1"}
    safari = client.get(master, {"codecs": "hevc,h264"}).content.decode()
    assert set(variant_codecs(safari)) == {"hvc1", "avc1"}
    assert client.get(master, {"codecs": "vp9"}).status_code == 409
    mpd = client.get(config["master"].replace("master.m3u8", "manifest.mpd"), {"codecs": "av1"})
    assert mpd.status_code == 200 and b"av01" in mpd.content and b"avc1" not in mpd.content


def test_the_watch_page_carries_a_start_for_each_codec_the_player_may_choose(multicodec_title, client):
    """AV1 and H.264 (what codecs.js may pick for MediaSource; HEVC only
    plays natively, with no start): each with the session's master narrowed
    to that codec, as its ?codecs= URL answers it, and that codec's rungs
    alone with their media playlists. The API's payload carries none."""
    job, _ = multicodec_title
    user, profile = make_subscriber()
    page = sign_in(client, user, profile).get(f"/watch/{job.video.public_id}/")
    config = client.post(page.context["start"]["start"]).json()  # the page's POST start
    assert list(config["start"]) == ["av1", "h264"]
    for codec, tag, folder in (("av1", "av01", "/av1/v"), ("h264", "avc1", "/v")):
        start = config["start"][codec]
        assert start["masterText"] == client.get(config["master"], {"codecs": codec}).content.decode()
        assert set(variant_codecs(start["masterText"])) == {tag}
        assert {v["codecs"].split(".")[0] for v in start["variants"]} == {tag}
        assert all(f"/hls/{job.video.public_id}{folder}" in v["url"] for v in start["variants"])
        assert {v["height"] for v in start["variants"]} == {234, 360}
        assert start["audio"]["url"].endswith("/audio/index.m3u8") and start["segmentSeconds"]
    assert "start" not in start_api_keys(bearer(user), profile, job.video)


def start_api_keys(app, profile, video) -> set[str]:
    return set(start(app, profile, video, codecs=["av1", "h264"]))


def test_an_av1_only_client_is_told_when_the_video_has_no_av1(run_transcode, clips):
    job = run_transcode(clips.silent)  # the fast profile: H.264 alone
    user, profile = make_subscriber()
    err = assert_error(bearer(user).post("/api/v1/playback/", {
        "profile": profile.pk, "video": str(job.video.public_id), "codecs": ["av1"]}, format="json"), 409, "no_codec")
    assert err["extra"]["available"] == ["h264"]
