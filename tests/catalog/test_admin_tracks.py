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
