"""Staff add subtitles in the admin: a second file in the same language
asks before replacing; a bad file is refused with its line; the video's
page lists its tracks, bitmap streams marked not supported with why."""
from __future__ import annotations

import io

import pytest
from django.urls import reverse

from catalog.models import TextTrack
from catalog.services import text_track_unsupported
from tests.factories import video_make

SRT = b"1\n00:00:01,000 --> 00:00:02,000\nBonjour\n"


def _add(client, video, data: bytes, **extra):
    fh = io.BytesIO(data)
    fh.name = "fr.srt"
    return client.post(reverse("admin:catalog_texttrack_add"),
                       {"video": video.pk, "language": "fre", "kind": "subtitles", "label": "", "upload": fh,
                        **extra})


@pytest.mark.django_db
def test_admin_upload_asks_before_replacing(admin_client, local_storage):
    video = video_make(duration=6)
    assert _add(admin_client, video, SRT).status_code == 302
    track = TextTrack.objects.get(video=video)
    assert track.language == "fr" and track.revision == 1
    asked = _add(admin_client, video, SRT.replace(b"Bonjour", b"Salut"))
    assert asked.status_code == 200 and b"Tick this box to replace them" in asked.content
    assert TextTrack.objects.get(pk=track.pk).revision == 1
    assert _add(admin_client, video, SRT.replace(b"Bonjour", b"Salut"), replace="on").status_code == 302
    track.refresh_from_db()
    assert track.revision == 2 and "Salut" in track.file.read().decode()
    bad = _add(admin_client, video, b"1\n00:00:03,000 --> 00:00:02,000\nx\n", replace="on")
    assert bad.status_code == 200 and b"Line 2: this cue ends" in bad.content
    text_track_unsupported(video=video, language="ger", stream_index=3, codec_name="hdmv_pgs_subtitle")
    page = admin_client.get(reverse("admin:catalog_video_change", args=[video.pk])).content.decode()
    assert "Not supported" in page and "PGS (Blu-ray)" in page and "Bonjour" not in page


@pytest.mark.django_db
def test_admin_dub_upload_asks_before_replacing(admin_client, local_storage, monkeypatch):
    from catalog.models import AudioTrack
    from transcoding import tasks

    sent: list[int] = []
    monkeypatch.setattr(tasks.dub_package, "send", lambda track_id: sent.append(track_id))
    video = video_make(duration=6)

    def add(**extra):
        fh = io.BytesIO(b"RIFF....WAVEfmt ")
        fh.name = "dub.wav"
        return admin_client.post(reverse("admin:catalog_audiotrack_add"),
                                 {"video": video.pk, "language": "spa", "name": "Español", "upload": fh, **extra})

    with django_capture_on_commit():
        assert add().status_code == 302
    track = AudioTrack.objects.get(video=video)
    assert (track.language, track.source, track.status) == ("es", "upload", "pending")
    assert sent == [track.pk], "the worker is asked to encode it"
    asked = add()
    assert asked.status_code == 200 and b"Tick this box to replace it" in asked.content
    assert add(replace="on").status_code == 302 and AudioTrack.objects.filter(video=video).count() == 1


def django_capture_on_commit():
    from django.test import TestCase

    return TestCase.captureOnCommitCallbacks(execute=True)
