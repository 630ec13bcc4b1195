"""Staff upload subtitles through the API: good files become tracks (with
the repairs listed), bad files are refused with their reason and line and
leave the video and its tracks as they were, a language already there is
only replaced with replace=true."""
from __future__ import annotations

import codecs

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from catalog.models import TextTrack, Video
from tests.factories import video_make
from tests.fixtures.api import assert_error

GOOD = "1\n00:00:01,000 --> 00:00:03,000\nHallo Welt\n\n2\n00:00:04,000 --> 00:00:05,500\nZweite Zeile\n"


def _post(client, video, data: bytes, *, name="subs.srt", language="de", **extra):
    body = {"file": SimpleUploadedFile(name, data), "language": language, **extra}
    return client.post(f"/api/v1/staff/videos/{video.public_id}/tracks/", body, format="multipart")


def _untouched(video: Video, before: dict) -> None:
    after = Video.objects.get(pk=video.pk)
    assert {f: getattr(after, f) for f in before} == before
    assert not TextTrack.objects.filter(video=video).exists()


@pytest.fixture
def video(db):
    return video_make(duration=6.0)


def test_upload_list_replace_delete(staff, member, video):
    client, _, _ = staff
    assert_error(_post(member[0], video, GOOD.encode()), 403)
    created = _post(client, video, GOOD.encode(), language="ger", kind="subtitles")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["language"] == "de" and body["label"] == "German" and body["cue_count"] == 2
    assert body["status"] == "ready" and body["warnings"] == []
    track = TextTrack.objects.get(pk=body["id"])
    assert track.file.read().decode().startswith("WEBVTT\n\n00:00:01.000 --> 00:00:03.000\nHallo Welt")
    again = assert_error(_post(client, video, GOOD.encode()), 409, "track_exists")
    assert "replace" in again["message"]
    replaced = _post(client, video, GOOD.replace("Hallo", "Servus").encode(), replace="true")
    assert replaced.status_code == 201 and replaced.json()["id"] == track.pk and replaced.json()["revision"] == 2
    assert "Servus" in TextTrack.objects.get(pk=track.pk).file.read().decode()
    captions = _post(client, video, GOOD.encode(), kind="captions")
    assert captions.status_code == 201 and captions.json()["label"] == "German (CC)"
    listed = client.get(f"/api/v1/staff/videos/{video.public_id}/tracks/").json()
    assert sorted((t["language"], t["kind"]) for t in listed["text"]) == [("de", "captions"), ("de", "subtitles")]
    assert listed["audio"] == []
    gone = client.delete(f"/api/v1/staff/videos/{video.public_id}/tracks/text/{track.pk}/")
    assert gone.status_code == 204 and TextTrack.objects.filter(video=video).count() == 1


@pytest.mark.parametrize(("data", "line", "reason"), [
    (b"1\n00:00:01,000 --> 00:00:03,000\nok\n\n2\n00:00:0x,000 --> 00:00:05,000\nbad\n", 6, "cannot be read"),
    (b"1\n00:00:04,000 --> 00:00:03,000\nbackwards\n", 2, "ends (00:00:03.000) before it starts"),
    (b"1\n00:00:01,000 --> 00:61:03,000\nminutes\n", 2, "more than 59"),
    (b"\x00\x01\x02binary\x00" * 20, None, "not a text file"),
    (b"[Script Info]\nTitle: x\n", None, "SSA/ASS"),
    (b"", None, "empty"),
    (b"1\n00:00:07,000 --> 00:00:09,000\nafter the end\n", None, "after the video ends"),
])
def test_bad_files_are_refused_with_their_reason(staff, video, data, line, reason):
    client, _, _ = staff
    before = {f: getattr(video, f) for f in ("status", "duration", "source", "error", "updated_at")}
    body = assert_error(_post(client, video, data), 400, "bad_subtitles")
    assert reason in body["message"], body
    assert body["extra"].get("line") == line, body
    if line:
        assert body["message"].startswith(f"Line {line}:")
    _untouched(video, before)


@pytest.mark.parametrize(("data", "warning"), [
    ("1\n00:00:01,000 --> 00:00:03,000\nÄrger über Straße\n".encode("latin-1"), "not saved as UTF-8"),
    (codecs.BOM_UTF16_LE + "1\n00:00:01,000 --> 00:00:03,000\nÄrger\n".encode("utf-16-le"), None),
    (codecs.BOM_UTF8 + "1\n00:00:01,000 --> 00:00:03,000\nÄrger\n".encode(), None),
    (b"1\n00:00:01,000 --> 00:00:04,000\nfirst\n\n2\n00:00:02,000 --> 00:00:03,000\nsecond\n", "both show at once"),
    (b"1\n00:00:05,000 --> 00:00:09,000\nruns past the end\n", "shortened to end with the video"),
])
def test_repairable_files_are_kept_with_a_warning(staff, video, data, warning):
    client, _, _ = staff
    created = _post(client, video, data)
    assert created.status_code == 201, created.content
    warnings = created.json()["warnings"]
    text = TextTrack.objects.get(pk=created.json()["id"]).file.read().decode("utf-8")
    assert text.startswith("WEBVTT\n") and "\ufeff" not in text
    if warning:
        assert any(warning in w for w in warnings), warnings
    if "Ärger" in data.decode("latin-1", "replace") or b"\xc4" in data or codecs.BOM_UTF16_LE in data[:2]:
        assert "Ärger" in text
    if b"runs past" in data:
        assert "00:00:05.000 --> 00:00:06.000" in text


def test_bad_language_is_refused(staff, video):
    client, _, _ = staff
    body = assert_error(_post(client, video, GOOD.encode(), language="english!"), 400)
    assert "language tag" in body["message"]
