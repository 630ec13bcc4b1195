"""Byte ranges on the Django origin path (edge/ranges.py): a suffix range of
zero bytes cannot be satisfied (416, RFC 9110 14.1.2), never the whole file
as a 206; odd spellings are ignored (whole body, 200) or refused, not
misread."""
from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from edge.ranges import RangeNotSatisfiable, byte_range_parse
from streaming.subscribers.services import session_token
from tests.fixtures.playback import ready_session_start

BODY = bytes(range(100))


@pytest.fixture
def ready_session(db, client):
    return ready_session_start(client)


@pytest.mark.parametrize("header, expected", [
    ("bytes=0-9", (0, 9)), ("bytes=90-", (90, 99)), ("bytes=-10", (90, 99)), ("bytes=-1000", (0, 99)),
    ("bytes=95-200", (95, 99)), (None, None), ("bytes=0-1,5-6", None), ("items=0-1", None),
    ("bytes=5-2", None), ("bytes=1_0-2_0", None), ("bytes=+1-5", None), ("bytes= 1-5", (1, 5)),
    ("bytes=1-+5", None), ("bytes=-+5", None), ("bytes=--5", None), ("bytes=0x10-", None),
])
def test_byte_range_parse(header, expected):
    assert byte_range_parse(header, len(BODY)) == expected


@pytest.mark.parametrize("header", ["bytes=-0", "bytes=-00", "bytes=100-", "bytes=500-600"])
def test_unsatisfiable_ranges(header):
    with pytest.raises(RangeNotSatisfiable):
        byte_range_parse(header, len(BODY))


@pytest.mark.parametrize("header, status, body", [
    ("bytes=-0", 416, b""), ("bytes=0-9", 206, BODY[:10]), ("bytes=-10", 206, BODY[-10:]),
    ("bytes=1_0-2_0", 200, BODY), (None, 200, BODY),
])
def test_the_origin_path_answers_ranges(ready_session, header, status, body):
    client, session = ready_session
    key = f"{session.video.ladder_prefix}/v360/seg_00000.m4s"
    default_storage.save(key, ContentFile(BODY))
    url = f"/edge/origin/t/{session_token(session=session)}/{key}"
    answer = client.get(url, **({"HTTP_RANGE": header} if header else {}))
    assert answer.status_code == status
    assert b"".join(answer.streaming_content if answer.streaming else [answer.content]) == body
    if status == 416:
        assert answer["Content-Range"] == f"bytes */{len(BODY)}"
