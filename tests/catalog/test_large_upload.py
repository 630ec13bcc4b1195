"""A large source uploaded through the admin over real HTTP is streamed to
storage: the server's memory stays flat however big the file is."""
from __future__ import annotations

import hashlib
import http.client
import re
import tracemalloc
import uuid
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlparse

import pytest

from catalog.models import Video
from catalog.services import title_create

SIZE = 200 * 1024 * 1024  # 200 MB, sent in 1 MB pieces generated on the fly
PIECE = bytes(range(256)) * 4096


class Browser:
    """Just enough of a browser for the admin: cookies and CSRF."""

    def __init__(self, base: str):
        url = urlparse(base)
        self.host, self.port = url.hostname, url.port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body=None, headers: dict | None = None):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=300)
        headers = dict(headers or {})
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        headers["Referer"] = f"http://{self.host}:{self.port}{path}"
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        for header in response.headers.get_all("Set-Cookie") or []:
            for key, morsel in SimpleCookie(header).items():
                self.cookies[key] = morsel.value
        data = response.read()
        conn.close()
        return response.status, response.headers, data

    def csrf_from(self, path: str) -> str:
        _, _, page = self.request("GET", path)
        return re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()


def multipart_stream(fields: dict[str, str], file_field: str, filename: str, size: int):
    boundary = f"----upload{uuid.uuid4().hex}"
    head = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    ) + (f'--{boundary}\r\nContent-Disposition: form-data; name="{file_field}"; filename="{filename}"\r\n'
         "Content-Type: video/mp4\r\n\r\n").encode()
    tail = f"\r\n--{boundary}--\r\n".encode()

    def body():
        yield head
        sent = 0
        while sent < size:
            piece = PIECE[: min(len(PIECE), size - sent)]
            sent += len(piece)
            yield piece
        yield tail

    return body(), len(head) + size + len(tail), f"multipart/form-data; boundary={boundary}"


@pytest.mark.slow
def test_a_200_mb_upload_streams_to_storage_with_flat_memory(live_server, admin_user, local_storage):
    title = title_create(name="Big Master")
    browser = Browser(live_server.url)
    token = browser.csrf_from("/admin/login/")
    status, _, _ = browser.request(
        "POST", "/admin/login/?next=/admin/",
        body=urlencode({"username": "admin", "password": "password", "csrfmiddlewaretoken": token}),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert status == 302
    token = browser.csrf_from("/admin/catalog/video/add/")
    body, length, content_type = multipart_stream(
        {"csrfmiddlewaretoken": token, "title": str(title.pk), "episode": ""}, "source", "master.mov", SIZE)
    tracemalloc.start()
    try:
        status, headers, _ = browser.request("POST", "/admin/catalog/video/add/", body=body,
                                             headers={"Content-Type": content_type, "Content-Length": str(length)})
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert status == 302, status
    video = Video.objects.get(title=title)
    path = local_storage / video.source.name
    assert path.stat().st_size == SIZE
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    expected = hashlib.sha256()
    for _ in range(SIZE // len(PIECE)):
        expected.update(PIECE)
    assert digest.hexdigest() == expected.hexdigest()
    assert peak < 32 * 1024 * 1024, f"peak Python memory {peak / 2**20:.0f} MiB while uploading 200 MB"
