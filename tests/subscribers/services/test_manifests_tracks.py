"""Every audio language and text track is in the session's manifests, on
every pathway, with the session's token; the profile's preferred languages
are DEFAULT (HLS) and first with Role main (DASH); the API and the player's
endpoint set the preferences."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from catalog.models import TextTrack
from streaming.subscribers.services import master_playlist, playback_start, session_mpd, session_token
from tests.factories import node_beat, node_make, subscriber_make, video_ready_make
from tests.fixtures.api import assert_error
from transcoding.models import Rendition
from transcoding.packaging.master import CAPTION_CHARACTERISTICS
from transcoding.selectors import renditions_playable

NS = {"d": "urn:mpeg:dash:schema:mpd:2011"}


def _languages_video():
    video = video_ready_make(width=1280, height=720)
    audio = Rendition.objects.get(job__video=video, kind="audio")
    audio.language, audio.label, audio.is_default = "en", "English", True
    audio.save()
    german = Rendition.objects.get(pk=audio.pk)
    german.pk, german.name, german.language, german.label, german.is_default = None, "audio2", "de", "Deutsch", False
    german.playlist_key = audio.playlist_key.replace("/audio/", "/audio2/")
    german.save()
    described = Rendition.objects.get(pk=audio.pk)
    described.pk, described.name, described.label, described.is_default = None, "audio3", "English AD", False
    described.characteristics = "public.accessibility.describes-video"
    described.save()
    for language, kind in (("fr", "subtitles"), ("en", "captions"), ("de", "forced")):
        TextTrack.objects.create(video=video, language=language, kind=kind, cue_count=1, packaged_revision=1)
    return video


def _media(text: str, kind: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith(f"#EXT-X-MEDIA:TYPE={kind}")]


@pytest.mark.django_db
def test_session_master_carries_every_track_on_every_pathway(db):
    video = _languages_video()
    node_beat(node_make("virginia"))
    node_beat(node_make("frankfurt"))
    user, profile = subscriber_make()
    session = playback_start(user=user, profile=profile, video=video, device="web", country="US",
                             client_ip="127.0.0.1")
    token = session_token(session=session)
    text = master_playlist(session=session, token=token).text
    pathways = re.findall(r'PATHWAY-ID="([^"]+)",STABLE', text)
    assert len(set(pathways)) >= 2, text
    audio, subs = _media(text, "AUDIO"), _media(text, "SUBTITLES")
    assert len(audio) == 3 * len(set(pathways)) and len(subs) == 3 * len(set(pathways))
    for line in audio + subs:
        assert f"/t/{token}/" in line, line
    first = [line for line in audio if 'GROUP-ID="aud-' in line][:3]
    assert [re.search('LANGUAGE="([^"]+)"', line)[1] for line in first] == ["en", "de", "en"]
    assert "DEFAULT=YES" in first[0] and 'CHARACTERISTICS="public.accessibility.describes-video"' in first[2]
    captions = next(line for line in subs if 'LANGUAGE="en"' in line)
    assert f'CHARACTERISTICS="{CAPTION_CHARACTERISTICS}"' in captions and 'NAME="English (CC)"' in captions
    forced = next(line for line in subs if 'LANGUAGE="de"' in line)
    assert "FORCED=YES" in forced and "AUTOSELECT=YES" in forced
    assert all("DEFAULT=NO" in line for line in subs), "no preference: subtitles off"
    for line in text.splitlines():
        if line.startswith("#EXT-X-STREAM-INF"):
            group = re.search('AUDIO="([^"]+)"', line)[1]
            assert re.search(f'SUBTITLES="subs-{group.removeprefix("aud-")}"', line), line


@pytest.mark.django_db
def test_profile_languages_are_default_in_hls_and_first_in_dash(db):
    video = _languages_video()
    user, profile = subscriber_make()
    profile.audio_language, profile.subtitle_language = "de", "fr"
    profile.save()
    session = playback_start(user=user, profile=profile, video=video, device="web", country="US",
                             client_ip="127.0.0.1")
    token = session_token(session=session)
    text = master_playlist(session=session, token=token).text
    defaults = [line for line in text.splitlines() if "DEFAULT=YES" in line]
    assert {re.search("TYPE=([A-Z]+)", line)[1] + ":" + re.search('LANGUAGE="([^"]+)"', line)[1]
            for line in defaults} == {"AUDIO:de", "SUBTITLES:fr"}
    mpd = ET.fromstring(session_mpd(session=session, token=token))
    sets = mpd.findall(".//d:AdaptationSet", NS)
    audio = [s for s in sets if s.get("contentType") == "audio"]
    assert [s.get("lang") for s in audio] == ["de", "en", "en"]
    assert [s.find("d:Role", NS).get("value") for s in audio] == ["main", "alternate", "description"]
    texts = [s for s in sets if s.get("contentType") == "text"]
    assert [(s.get("lang"), s.find("d:Role", NS).get("value")) for s in texts] == [
        ("fr", "subtitle"), ("en", "caption"), ("de", "forced-subtitle")]
    assert all(s.get("mimeType") == "text/vtt" for s in texts)
    base = mpd.find("d:BaseURL", NS).text
    assert f"/t/{token}/" in base
    assert texts[0].find(".//d:BaseURL", NS).text.endswith("subs/fr-subtitles-r1.vtt")
    assert {r.name for r in renditions_playable(video=video) if r.kind == "audio"} == {"audio", "audio2", "audio3"}


def test_profile_api_sets_languages(member):
    client, _, profile = member
    url = f"/api/v1/profiles/{profile.pk}/"
    body = client.patch(url, {"audio_language": "GER", "subtitle_language": "pt_br"}, format="json")
    assert body.status_code == 200, body.content
    assert (body.json()["audio_language"], body.json()["subtitle_language"]) == ("de", "pt-BR")
    assert client.get(url).json()["subtitle_language"] == "pt-BR"
    assert client.patch(url, {"subtitle_language": ""}, format="json").json()["subtitle_language"] == ""
    assert_error(client.patch(url, {"audio_language": "not a language"}, format="json"), 400)


def test_playback_api_lists_the_sessions_tracks(member):
    client, user, profile = member
    video = _languages_video()
    Profile = type(profile)
    Profile.objects.filter(pk=profile.pk).update(subtitle_language="fr")
    started = client.post("/api/v1/playback/", {"profile": profile.pk, "video": str(video.public_id)},
                          format="json")
    assert started.status_code == 201, started.content
    body = started.json()
    assert [(t["language"], t["default"], t["described_video"]) for t in body["audio_tracks"]] == [
        ("en", True, False), ("de", False, False), ("en", False, True)]
    text = {t["language"]: t for t in body["text_tracks"]}
    assert text["fr"]["default"] and not text["en"]["default"] and text["en"]["kind"] == "captions"
    assert text["fr"]["url"].endswith(f"/hls/{video.public_id}/subs/fr-subtitles-r1.vtt") and "/t/" in text["fr"]["url"]


@pytest.mark.django_db
def test_a_track_is_listed_once_packaged_and_a_replacement_once_its_files_are_there(db):
    video = _languages_video()
    user, profile = subscriber_make()
    session = playback_start(user=user, profile=profile, video=video, device="web", country="US",
                             client_ip="127.0.0.1")
    token = session_token(session=session)
    TextTrack.objects.create(video=video, language="ja", kind="subtitles", cue_count=1)  # not packaged yet
    TextTrack.objects.filter(video=video, language="fr").update(revision=2)  # replaced, r2 not packaged yet
    text = master_playlist(session=session, token=token).text
    assert 'LANGUAGE="ja"' not in text and "subs/fr-subtitles-r1/index.m3u8" in text
    TextTrack.objects.filter(video=video, language="fr").update(packaged_revision=2)
    assert "subs/fr-subtitles-r2/index.m3u8" in master_playlist(session=session, token=token).text
