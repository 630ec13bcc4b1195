"""Subtitle playlists and WebVTT segments (and the DASH sidecar) go
through the same token rules as video on all three ways a viewer reaches
them: the origin pathway, runedge and the nginx edge. A good token gets
them with their media types; a forged one, one for another title or an
expired one is refused."""
from __future__ import annotations

import gzip
import uuid

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from edge.server import LocalOrigin
from edge.signing import token_issue, video_path_prefix
from tests.edge.server.test_app import KEYS, edge_for
from tests.edge.servers import http_get
from tests.edge.test_nginx import edge_url, nginx_edge  # noqa: F401  (fixture)
from transcoding.packaging import webvtt_playlist_render, webvtt_segments_render

PLAYLIST_TYPE = "application/vnd.apple.mpegurl"
FOLDER = "subs/fr-subtitles-r1"


def _subtitle_files() -> dict[str, bytes]:
    from catalog.subtitles import subtitle_file_read

    cues = subtitle_file_read(b"1\n00:00:02,000 --> 00:00:05,000\nBonjour\n").cues
    files = {f"{FOLDER}/{name}": text.encode() for name, text in webvtt_segments_render(
        cues, segment_seconds=6, duration=12, offset_seconds=0.066)}
    files[f"{FOLDER}/index.m3u8"] = webvtt_playlist_render(segment_seconds=6, duration=12).encode()
    files[f"{FOLDER}.vtt"] = b"WEBVTT\n\n00:00:02.000 --> 00:00:05.000\nBonjour\n"
    return files


def _write(root, video, files) -> None:
    for rest, data in files.items():
        path = root / "hls" / str(video) / rest
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def _type(headers) -> str:
    return headers["Content-Type"].split(";")[0]


def _check_refusals(get, good_url: str, token: str, video, bad_video_token: str) -> None:
    forged = good_url.replace(token, token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB"))
    assert get(forged) == 403, "forged"
    assert get(good_url.replace(token, bad_video_token)) == 403, "a token for another title"


def test_origin_serves_subtitles_with_the_token_rules(client):
    video = uuid.uuid4()
    for rest, data in _subtitle_files().items():
        default_storage.save(f"hls/{video}/{rest}", ContentFile(data))
    token = token_issue(session_id="s", path_prefix=video_path_prefix(video), max_height=360)
    base = f"/edge/origin/t/{token}/hls/{video}"
    for rest, kind in ((f"{FOLDER}/index.m3u8", PLAYLIST_TYPE), (f"{FOLDER}/seg_00000.vtt", "text/vtt"),
                       (f"{FOLDER}.vtt", "text/vtt")):
        response = client.get(f"{base}/{rest}")
        assert response.status_code == 200, rest
        assert response["Content-Type"].split(";")[0] == kind, rest
        assert response["Access-Control-Allow-Origin"] == "*"
    body = b"".join(client.get(f"{base}/{FOLDER}/seg_00000.vtt").streaming_content)
    assert body.startswith(b"WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:5940,LOCAL:00:00:00.000\n")
    other = token_issue(session_id="s", path_prefix=video_path_prefix(uuid.uuid4()))
    _check_refusals(lambda u: client.get(u).status_code, f"{base}/{FOLDER}/seg_00000.vtt", token, video, other)
    expired = token_issue(session_id="s", path_prefix=video_path_prefix(video), expires_at=1)
    assert client.get(f"/edge/origin/t/{expired}/hls/{video}/{FOLDER}/seg_00000.vtt").status_code == 403


def test_runedge_serves_subtitles_with_the_token_rules(tmp_path):
    video = uuid.uuid4()
    root = tmp_path / "origin"
    files = _subtitle_files()
    _write(root, video, files)
    with edge_for(LocalOrigin(root), tmp_path) as edge:
        token = token_issue(session_id="s", path_prefix=video_path_prefix(video), keys=KEYS, max_height=360)
        base = f"{edge.url}/t/{token}/hls/{video}"
        status, headers, body = http_get(f"{base}/{FOLDER}/seg_00001.vtt")
        assert (status, _type(headers)) == (200, "text/vtt") and body == files[f"{FOLDER}/seg_00001.vtt"]
        status, headers, body = http_get(f"{base}/{FOLDER}/index.m3u8", {"Accept-Encoding": "gzip"})
        assert (status, _type(headers)) == (200, PLAYLIST_TYPE)
        if headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        assert body == files[f"{FOLDER}/index.m3u8"]
        status, headers, _ = http_get(f"{base}/{FOLDER}.vtt")
        assert (status, _type(headers)) == (200, "text/vtt")
        other = token_issue(session_id="s", path_prefix=video_path_prefix(uuid.uuid4()), keys=KEYS)
        _check_refusals(lambda u: http_get(u)[0], f"{base}/{FOLDER}/seg_00001.vtt", token, video, other)
        expired = token_issue(session_id="s", path_prefix=video_path_prefix(video), keys=KEYS, expires_at=1)
        assert http_get(f"{edge.url}/t/{expired}/hls/{video}/{FOLDER}/seg_00001.vtt")[0] == 403


def test_nginx_serves_subtitles_with_the_token_rules(nginx_edge, tmp_path):  # noqa: F811
    edge = nginx_edge
    files = _subtitle_files()
    _write(tmp_path / "origin", edge["video"], files)
    url = edge_url(edge, f"{FOLDER}/seg_00000.vtt", max_height=360)
    status, headers, body = http_get(url)
    assert (status, _type(headers), body) == (200, "text/vtt", files[f"{FOLDER}/seg_00000.vtt"])
    status, headers, body = http_get(edge_url(edge, f"{FOLDER}/index.m3u8"), {"Accept-Encoding": "gzip"})
    assert (status, _type(headers)) == (200, PLAYLIST_TYPE)
    assert (gzip.decompress(body) if headers.get("Content-Encoding") == "gzip" else body) == \
        files[f"{FOLDER}/index.m3u8"]
    assert _type(http_get(edge_url(edge, f"{FOLDER}.vtt"))[1]) == "text/vtt"
    token = url.split("/t/")[1].split("/")[0]
    other = token_issue(session_id="s", path_prefix=video_path_prefix(uuid.uuid4()))
    _check_refusals(lambda u: http_get(u)[0], url, token, edge["video"], other)
    assert http_get(edge_url(edge, f"{FOLDER}/seg_00000.vtt", expires_at=1))[0] == 403


pytestmark = pytest.mark.django_db
