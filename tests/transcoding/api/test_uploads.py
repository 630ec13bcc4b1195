"""Staff source uploads over real HTTP, then the real transcode.

S3: presigned multipart against moto's server; parts PUT straight to the
bucket (never through Django), then complete -> Video -> transcode.
Local storage: resumable chunks to a live server, with a connection that
breaks mid-chunk; the client resumes from the offset the server reports."""
from __future__ import annotations

import socket
from urllib.parse import urlsplit

import requests

from catalog.models import Video
from catalog.services import title_create
from tests.factories import subscriber_make
from tests.fixtures.api import bearer
from tests.fixtures.broker import wait_for
from tests.fixtures.media import make_clip
from transcoding.models import TranscodeJob


def staff_token() -> str:
    user, _ = subscriber_make(plan="premium")
    user.is_staff = True
    user.save()
    return bearer(user).issued.access_token


def job_done(video_public_id) -> TranscodeJob:
    job = wait_for(lambda: TranscodeJob.objects.filter(video__public_id=video_public_id)
                   .exclude(status__in=TranscodeJob.ACTIVE).first(), timeout=180, what="the transcode")
    assert job.status == "done", job.error
    return job


def test_s3_presigned_multipart_upload_then_transcode(s3_storage, worker, fast_profile, live_server, tmp_path):
    client, bucket = s3_storage
    source = make_clip(tmp_path / "big.mp4", size="480x270", seconds=4, extra={
        "b:v": "14M", "minrate": "14M", "maxrate": "14M", "bufsize": "2M", "x264-params": "nal-hrd=cbr"})
    data = source.read_bytes()
    assert len(data) > 5 * 1024 * 1024, "two parts need more than S3's 5 MiB minimum part"
    title = title_create(name="Straight to the bucket")
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {staff_token()}"
    base = live_server.url + "/api/v1"
    created = api.post(f"{base}/staff/uploads/", json={"title": title.slug, "filename": "big.mp4",
                                                        "size": len(data), "part_size": 5 * 1024 * 1024})
    assert created.status_code == 201, created.text
    upload = created.json()
    assert upload["mode"] == "s3_multipart" and len(upload["parts"]) == 2
    assert upload["key"].startswith("sources/") and upload["key"].endswith("/big.mp4")
    done = []
    for part in upload["parts"]:
        assert urlsplit(part["url"]).netloc != urlsplit(live_server.url).netloc, "bytes go to the bucket"
        start = (part["number"] - 1) * upload["part_size"]
        put = requests.put(part["url"], data=data[start:start + part["size"]], timeout=30)
        assert put.status_code == 200, put.text
        done.append({"number": part["number"], "etag": put.headers["ETag"]})
    # Resuming would ask again: no part is missing now.
    state = api.get(f"{base}/staff/uploads/{upload['id']}/").json()
    assert state["offset"] == len(data) and state["parts"] == []
    completed = api.post(f"{base}/staff/uploads/{upload['id']}/complete/", json={"parts": done})
    assert completed.status_code == 200, completed.text
    result = completed.json()
    assert result["status"] == "complete" and result["video"]
    video = Video.objects.get(public_id=result["video"])
    assert video.source.name == upload["key"] and video.title == title
    assert str(video.public_id) in upload["key"]
    job = job_done(video.public_id)
    assert job.renditions.filter(kind="video").exists()
    progress = api.get(f"{base}/staff/jobs/{job.pk}/").json()
    assert progress["status"] == "done" and progress["progress"] == 100
    # Completing again answers the same video.
    again = api.post(f"{base}/staff/uploads/{upload['id']}/complete/", json={}).json()
    assert again["video"] == result["video"]


def send_partial_chunk(url: str, token: str, offset: int, declared: int, data: bytes) -> None:
    """A PATCH whose connection breaks after ``len(data)`` of ``declared`` bytes."""
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=10)
    head = (f"PATCH {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/offset+octet-stream\r\nUpload-Offset: {offset}\r\n"
            f"Content-Length: {declared}\r\nConnection: close\r\n\r\n")
    sock.sendall(head.encode() + data)
    sock.shutdown(socket.SHUT_WR)  # the phone lost its network here
    try:
        while sock.recv(65536):
            pass
    except OSError:
        pass
    sock.close()


def test_resumable_chunked_upload_survives_an_interruption(local_storage, worker, fast_profile, live_server,
                                                           clips, settings, tmp_path):
    settings.API_UPLOAD_TEMP_DIR = tmp_path / "uploads"
    data = clips.silent.read_bytes()
    title = title_create(name="Chunk by chunk")
    token = staff_token()
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {token}"
    base = live_server.url + "/api/v1"
    upload = api.post(f"{base}/staff/uploads/", json={"title": title.slug, "filename": "silent.mp4",
                                                       "size": len(data)}).json()
    assert upload["mode"] == "chunked" and upload["offset"] == 0 and upload["parts"] == []
    url = f"{base}/staff/uploads/{upload['id']}/"
    chunk = len(data) // 3 + 1
    headers = {"Content-Type": "application/offset+octet-stream"}
    first = api.patch(url, data=data[:chunk], headers={**headers, "Upload-Offset": "0"})
    assert first.status_code == 204 and int(first.headers["Upload-Offset"]) == chunk
    # The second chunk breaks off halfway.
    half = chunk // 2
    send_partial_chunk(url, token, chunk, chunk, data[chunk:chunk + half])
    offset = int(wait_for(lambda: (r := api.head(url)).ok and int(r.headers["Upload-Offset"]) > chunk and r,
                          timeout=10, what="the partial chunk").headers["Upload-Offset"])
    assert offset == chunk + half, "the bytes that arrived are kept"
    # A client that lost track sends from the wrong offset: told where to go on.
    wrong = api.patch(url, data=data[chunk:], headers={**headers, "Upload-Offset": str(chunk)})
    assert wrong.status_code == 409 and wrong.json()["extra"]["offset"] == offset
    early = api.post(f"{url}complete/", json={})
    assert early.status_code == 409 and early.json()["code"] == "offset_mismatch"
    # Resume from the reported offset, in two more chunks.
    while offset < len(data):
        end = min(len(data), offset + chunk)
        r = api.patch(url, data=data[offset:end], headers={**headers, "Upload-Offset": str(offset)})
        assert r.status_code == 204, r.text
        offset = int(r.headers["Upload-Offset"])
    completed = api.post(f"{url}complete/", json={})
    assert completed.status_code == 200, completed.text
    video = Video.objects.get(public_id=completed.json()["video"])
    with video.source.open("rb") as fh:
        assert fh.read() == data, "stored byte for byte"
    job_done(video.public_id)
    assert not list((tmp_path / "uploads").glob("*.part")), "the temporary file is gone"
