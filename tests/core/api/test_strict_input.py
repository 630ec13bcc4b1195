"""Every API answer in the one error format, 4xx with a reason, never a
500: strict JSON (no NaN/Infinity, bounded nesting), Django's own refusals
(a body over the limit, a suspicious file name), and a bug's 500 in the
format too; and the staff upload's edges (chunked transfer encoding, a file
named "..", the key's folder, abandoned .part files)."""
from __future__ import annotations

import http.client
import os
import time
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from catalog.models import SourceUpload, Video
from catalog.services import source_uploads_expire, title_create
from catalog.services.uploads import temp_path
from tests.fixtures.api import assert_error
from tests.transcoding.api.test_uploads import staff_token

SIGN_IN = "/api/v1/auth/sign-in/"
CHUNK = "application/offset+octet-stream"


@pytest.fixture
def api(anon):
    anon.raise_request_exception = False
    return anon


@pytest.mark.parametrize("debug", [True, False])
def test_5000_deep_json_on_the_sign_in_is_a_400_in_the_format(api, settings, debug, db):
    settings.DEBUG = debug
    deep = "[" * 5000 + "]" * 5000
    body = assert_error(api.post(SIGN_IN, deep, content_type="application/json"), 400, "malformed")
    assert "nested" in body["message"]
    shallow_but_deep = '{"username":' * 40 + '"x"' + "}" * 40
    assert_error(api.post(SIGN_IN, shallow_but_deep, content_type="application/json"), 400, "malformed")


@pytest.mark.parametrize("raw", ['{"username": "a", "password": NaN}', '{"username": "a", "password": Infinity}',
                                 '{"username": "a", "password": 1e400}', '{"username": "a", "password": -1e999}',
                                 '{"username": 1' + "0" * 5000 + ', "password": "p"}'])
def test_numbers_json_cannot_hold_are_refused(api, raw, db):
    assert_error(api.post(SIGN_IN, raw, content_type="application/json"), 400, "malformed")


def test_an_unknown_charset_is_read_as_utf8_not_a_500(api, db):
    assert_error(api.post(SIGN_IN, '{"username": "a"}', content_type="application/json; charset=klingon"),
                 400, "invalid")


@pytest.mark.parametrize("debug", [True, False])
def test_a_body_over_the_limit_is_a_413_in_the_format(api, settings, debug, db):
    settings.DEBUG = debug
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    big = '{"username": "%s", "password": "p"}' % ("x" * 5000)
    assert_error(api.post(SIGN_IN, big, content_type="application/json"), 413, "body_too_large")


def test_a_bug_is_a_500_in_the_format_and_still_logged(api, monkeypatch, caplog, db):
    def broken(**kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("streaming.subscribers.api.accounts.services.api_sign_in", broken)
    answer = api.post(SIGN_IN, {"username": "a", "password": "b"}, format="json")
    assert_error(answer, 500, "server_error")
    assert "a bug" not in answer.content.decode(), "no internals in the answer"
    assert "RuntimeError: a bug" in caplog.text


def test_errors_django_answers_itself_under_the_api_are_json(api, settings, db):
    settings.DEBUG = False
    assert_error(api.get("/api/v1/no/such/thing/"), 404, "not_found")
    answer = api.get("/api/v1/plans/", HTTP_HOST="evil.example")  # not in ALLOWED_HOSTS
    assert_error(answer, 400)
    assert api.get("/no-such-page/", HTTP_HOST="evil.example")["Content-Type"].startswith("text/html")


@pytest.fixture
def staff(db, local_storage, settings, tmp_path):
    from rest_framework.test import APIClient

    settings.API_UPLOAD_TEMP_DIR = tmp_path / "uploads"
    client = APIClient()
    client.raise_request_exception = False
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {staff_token()}")
    client.title = title_create(name="Uploads")
    return client


@pytest.mark.parametrize("name", ["..", ".", "/", "../..", "...", "a/..", "\\..", "  "])
def test_an_upload_named_dot_dot_is_a_400_naming_the_field(staff, name):
    answer = staff.post("/api/v1/staff/uploads/", {"title": staff.title.slug, "filename": name, "size": 10},
                        format="json")
    body = assert_error(answer, 400, "invalid")
    assert "filename" in body["fields"]


def test_an_upload_name_keeps_only_its_last_part(staff):
    answer = staff.post("/api/v1/staff/uploads/", {"title": staff.title.slug, "filename": "../../etc/film.mp4",
                                                   "size": 10}, format="json")
    assert answer.status_code == 201 and answer.json()["key"].endswith("/film.mp4")


def test_a_chunk_sent_with_chunked_transfer_encoding_is_refused_not_dropped(staff):
    upload = staff.post("/api/v1/staff/uploads/", {"title": staff.title.slug, "filename": "f.mp4", "size": 6},
                        format="json").json()
    url = f"/api/v1/staff/uploads/{upload['id']}/"
    answer = staff.generic("PATCH", url, b"abcdef", content_type=CHUNK, HTTP_UPLOAD_OFFSET="0",
                           HTTP_TRANSFER_ENCODING="chunked")
    assert_error(answer, 411, "length_required")
    assert staff.get(url).json()["offset"] == 0


def test_a_chunked_patch_over_real_http_gets_411(live_server, transactional_db, local_storage, settings, tmp_path):
    settings.API_UPLOAD_TEMP_DIR = tmp_path / "uploads"
    from rest_framework.test import APIClient

    token = staff_token()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    title = title_create(name="Chunked transfer")
    upload = client.post("/api/v1/staff/uploads/", {"title": title.slug, "filename": "f.mp4", "size": 6},
                         format="json").json()
    parts = urlsplit(live_server.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    conn.putrequest("PATCH", f"/api/v1/staff/uploads/{upload['id']}/")
    for header, value in (("Authorization", f"Bearer {token}"), ("Content-Type", CHUNK),
                          ("Upload-Offset", "0"), ("Transfer-Encoding", "chunked")):
        conn.putheader(header, value)
    conn.endheaders()
    conn.send(b"6\r\nabcdef\r\n0\r\n\r\n")
    answer = conn.getresponse()
    assert answer.status == 411, answer.read()[:300]
    assert b"length_required" in answer.read()


def test_a_chunked_upload_lands_in_the_folder_its_key_names(staff, settings):
    data = b"\0" * 1000
    upload = staff.post("/api/v1/staff/uploads/", {"title": staff.title.slug, "filename": "film.mp4",
                                                   "size": len(data)}, format="json").json()
    url = f"/api/v1/staff/uploads/{upload['id']}/"
    assert staff.generic("PATCH", url, data, content_type=CHUNK, HTTP_UPLOAD_OFFSET="0").status_code == 204
    done = staff.post(f"{url}complete/", {}, format="json").json()
    video = Video.objects.get(public_id=done["video"])
    assert video.source.name == upload["key"] == done["key"]
    assert str(video.public_id) in upload["key"]


def test_abandoned_uploads_expire_and_their_part_files_go(staff, settings):
    settings.API_UPLOAD_EXPIRY_SECONDS = 3600
    rows = []
    for name in ("old.mp4", "recent.mp4"):
        upload = staff.post("/api/v1/staff/uploads/", {"title": staff.title.slug, "filename": name, "size": 10},
                            format="json").json()
        staff.generic("PATCH", f"/api/v1/staff/uploads/{upload['id']}/", b"12345", content_type=CHUNK,
                      HTTP_UPLOAD_OFFSET="0")
        rows.append(SourceUpload.objects.get(pk=upload["id"]))
    old, recent = rows
    SourceUpload.objects.filter(pk__in=[old.pk, recent.pk]).update(created_at=timezone.now() - timedelta(days=2))
    long_ago = time.time() - 7200
    os.utime(temp_path(old), (long_ago, long_ago))  # its last byte came two hours ago
    orphan = temp_path(old).with_name("no-such-upload.part")
    orphan.write_bytes(b"x")
    os.utime(orphan, (long_ago, long_ago))
    assert source_uploads_expire() == [str(old.pk)]
    assert SourceUpload.objects.get(pk=old.pk).status == "aborted" and not temp_path(old).exists()
    assert SourceUpload.objects.get(pk=recent.pk).status == "open" and temp_path(recent).exists()
    assert not orphan.exists()


def test_a_lone_surrogate_is_refused_before_an_error_message_could_quote_it(api, db):
    # Found by tests/subscribers/api/test_fuzz_input.py: "is not a valid choice" quoted it, and the
    # answer could not be encoded (a 500 after the exception handler).
    body = '{"username": "a", "password": "b", "device_name": "\\ud800"}'
    assert_error(api.post(SIGN_IN, body, content_type="application/json"), 400, "malformed")
    assert_error(api.post(SIGN_IN, '{"\\udfff": 1}', content_type="application/json"), 400, "malformed")


def test_the_schema_links_a_started_session_to_its_heartbeat_and_an_upload_to_its_chunks(api, db):
    schema = api.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    start = schema["paths"]["/api/v1/playback/"]["post"]["responses"]["201"]["links"]
    assert start["Heartbeat"] == {"operationId": "playback_heartbeat",
                                  "parameters": {"session_id": "$response.body#/id"}}
    upload = schema["paths"]["/api/v1/staff/uploads/"]["post"]["responses"]["201"]["links"]
    assert {link["operationId"] for link in upload.values()} >= {"staff_uploads_chunk", "staff_uploads_complete"}
