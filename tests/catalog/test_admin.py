"""Staff upload a source through the admin; it lands in storage (local disk
or S3 over HTTP) and the Video row records it. A large source uploaded over
real HTTP is streamed to storage: the server's memory stays flat however big
the file is."""
from __future__ import annotations

import hashlib
import http.client
import io
import os
import re
import tracemalloc
import uuid
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlparse

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from catalog.models import Availability, Episode, Season, Title, Video
from catalog.services import title_create
from tests.factories import episode_make, season_make, title_make, video_make, video_ready_make

# Bigger than FILE_UPLOAD_MAX_MEMORY_SIZE, so Django spools it to a temporary
# file and storage receives it in chunks, as it would a multi-GB master.
PAYLOAD = os.urandom(3 * 1024 * 1024 + 17)


def upload(client, title, payload=PAYLOAD, name="master.mp4"):
    fh = io.BytesIO(payload)
    fh.name = name
    return client.post(
        reverse("admin:catalog_video_add"), {"title": title.pk, "episode": "", "source": fh}
    )


@pytest.mark.django_db
def test_admin_upload_lands_in_local_storage(admin_client, local_storage):
    title = title_create(name="Upload Test")
    response = upload(admin_client, title)
    assert response.status_code == 302, response.content[:2000]
    video = Video.objects.get(title=title)
    assert video.source_name == "master.mp4"
    assert video.source.name.startswith(f"sources/{video.public_id}/")
    assert video.status == Video.Status.UPLOADED
    path = local_storage / video.source.name
    assert path.read_bytes() == PAYLOAD


@pytest.mark.django_db
def test_admin_upload_lands_in_s3(admin_client, s3_storage):
    client, bucket = s3_storage
    title = title_create(name="S3 Upload")
    response = upload(admin_client, title)
    assert response.status_code == 302, response.content[:2000]
    video = Video.objects.get(title=title)
    # Read back with boto3 directly, not through django-storages.
    body = client.get_object(Bucket=bucket, Key=video.source.name)["Body"].read()
    assert hashlib.sha256(body).hexdigest() == hashlib.sha256(PAYLOAD).hexdigest()


@pytest.mark.django_db
def test_two_uploads_with_the_same_name_never_collide(admin_client):
    title = title_create(name="Twins")
    upload(admin_client, title, payload=b"first" * 100)
    upload(admin_client, title, payload=b"second" * 100)
    first, second = Video.objects.filter(title=title).order_by("created_at")
    assert first.source.name != second.source.name
    assert default_storage.open(first.source.name).read() == b"first" * 100
    assert default_storage.open(second.source.name).read() == b"second" * 100


@pytest.mark.django_db
def test_upload_without_a_file_is_refused_with_a_message(admin_client):
    title = title_create(name="No File")
    response = admin_client.post(reverse("admin:catalog_video_add"), {"title": title.pk})
    assert response.status_code == 200
    assert b"This field is required" in response.content
    assert not Video.objects.exists()


@pytest.mark.django_db
def test_episode_of_another_title_is_refused(admin_client):
    title, other = title_make(name="Show A", kind="series"), title_make(name="Show B", kind="series")
    episode = episode_make(season=season_make(title=other), name="Pilot")
    fh = io.BytesIO(b"x" * 10)
    fh.name = "a.mp4"
    response = admin_client.post(
        reverse("admin:catalog_video_add"), {"title": title.pk, "episode": episode.pk, "source": fh}
    )
    assert response.status_code == 200
    assert b"That episode belongs to another title." in response.content
    assert not Video.objects.exists()


@pytest.mark.django_db
def test_admin_refuses_an_empty_file_at_once(admin_client):
    title = title_create(name="Empty Admin")
    response = upload(admin_client, title, payload=b"", name="empty.mp4")
    assert response.status_code == 200
    assert b"The submitted file is empty." in response.content
    assert not Video.objects.exists()


# --- a large source over real HTTP -------------------------------------------------

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


@pytest.fixture
def staff(admin_client):
    return admin_client


def test_adding_a_title_in_the_admin_limits_it_to_its_countries(staff):
    response = staff.post(reverse("admin:catalog_title_add"), {
        "kind": "film", "name": "Admin Film", "slug": "admin-film", "synopsis": "", "year": "2024",
        "maturity_rating": "13", "published": "on", "countries": "in, de",
        "artwork-TOTAL_FORMS": "0", "artwork-INITIAL_FORMS": "0",
        "seasons-TOTAL_FORMS": "0", "seasons-INITIAL_FORMS": "0",
        "videos-TOTAL_FORMS": "0", "videos-INITIAL_FORMS": "0",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    title = Title.objects.get(slug="admin-film")
    assert sorted(Availability.objects.filter(title=title).values_list("country", flat=True)) == ["DE", "IN"]


def test_seasons_and_episodes_added_in_the_admin_are_saved(staff):
    title = Title.objects.create(name="Series", slug="series", kind="series")
    response = staff.post(reverse("admin:catalog_title_change", args=[title.pk]), {
        "kind": "series", "name": "Series", "slug": "series", "synopsis": "", "year": "",
        "maturity_rating": "13", "published": "on", "countries": "",
        "artwork-TOTAL_FORMS": "0", "artwork-INITIAL_FORMS": "0",
        "seasons-TOTAL_FORMS": "1", "seasons-INITIAL_FORMS": "0",
        "seasons-0-number": "1", "seasons-0-name": "First",
        "videos-TOTAL_FORMS": "0", "videos-INITIAL_FORMS": "0",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    season = Season.objects.get(title=title)
    response = staff.post(reverse("admin:catalog_season_change", args=[season.pk]), {
        "title": title.pk, "number": "1", "name": "First",
        "episodes-TOTAL_FORMS": "1", "episodes-INITIAL_FORMS": "0",
        "episodes-0-number": "1", "episodes-0-name": "  Pilot ", "episodes-0-synopsis": "",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    assert list(Episode.objects.filter(season=season).values_list("name", flat=True)) == ["Pilot"], \
        "episode_save stripped the name"


def test_deleting_titles_from_the_list_goes_through_the_service(staff):
    for n in range(2):
        Title.objects.create(name=f"Gone {n}", slug=f"gone-{n}")
    response = staff.post(reverse("admin:catalog_title_changelist"), {
        "action": "delete_selected", "post": "yes",
        "_selected_action": list(Title.objects.filter(slug__startswith="gone").values_list("pk", flat=True)),
    })
    assert response.status_code == 302
    assert not Title.objects.filter(slug__startswith="gone").exists()


def test_the_lists_say_why_an_upload_failed_and_what_subscribers_still_get(staff):
    title = title_make(name="Signal")
    video_ready_make(title=title, duration=3725.4)
    failed = video_make(title=title, status=Video.Status.FAILED, source_name="bad.mp4")
    failed.error = "This is not a video file ffmpeg can read: it contains text."
    failed.save()
    page = staff.get(reverse("admin:catalog_video_changelist")).content.decode()
    assert "This is not a video file ffmpeg can read: it contains text." in page, "the reason, in the list"
    assert "1:02:05" in page, "a length, not 3725.4"
    titles = staff.get(reverse("admin:catalog_title_changelist")).content.decode()
    row = titles[titles.index("Signal"):]
    assert "Ready" in row[:2000] and "newest upload: failed" in row[:2000], "the ready video still plays"
