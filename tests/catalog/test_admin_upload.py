"""Staff upload a source through the admin; it lands in storage (local disk
or S3 over HTTP) and the Video row records it."""
from __future__ import annotations

import hashlib
import io
import os

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from catalog.models import Video
from catalog.services import title_create
from tests.fixtures.broker import wait_for

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
    from catalog.models import Episode, Season

    title, other = title_create(name="Show A", kind="series"), title_create(name="Show B", kind="series")
    episode = Episode.objects.create(season=Season.objects.create(title=other, number=1), number=1, name="Pilot")
    fh = io.BytesIO(b"x" * 10)
    fh.name = "a.mp4"
    response = admin_client.post(
        reverse("admin:catalog_video_add"), {"title": title.pk, "episode": episode.pk, "source": fh}
    )
    assert response.status_code == 200
    assert b"That episode belongs to another title." in response.content
    assert not Video.objects.exists()


def test_uploaded_source_is_fingerprinted_by_a_worker(client, worker, django_user_model):
    admin = django_user_model.objects.create_superuser("boss", "b@example.com", "pw-123456789")
    client.force_login(admin)
    title = title_create(name="Fingerprint")
    assert upload(client, title).status_code == 302
    video = Video.objects.get(title=title)
    video = wait_for(
        lambda: Video.objects.filter(pk=video.pk, source_size__isnull=False).first(),
        what="the worker to measure the source",
    )
    assert video.source_size == len(PAYLOAD)
    assert video.source_sha256 == hashlib.sha256(PAYLOAD).hexdigest()


@pytest.mark.django_db
def test_admin_refuses_an_empty_file_at_once(admin_client):
    title = title_create(name="Empty Admin")
    response = upload(admin_client, title, payload=b"", name="empty.mp4")
    assert response.status_code == 200
    assert b"The submitted file is empty." in response.content
    assert not Video.objects.exists()


def test_empty_source_is_kept_and_marked_failed_with_a_reason(worker):
    from django.core.files.base import ContentFile

    from catalog.services import video_create

    title = title_create(name="Empty")
    video = video_create(title=title, source=ContentFile(b"", name="empty.mp4"))
    video = wait_for(
        lambda: Video.objects.filter(pk=video.pk, status=Video.Status.FAILED).first(),
        what="the empty source to be marked failed",
    )
    assert video.error == "The uploaded file is empty (0 bytes)."
    assert default_storage.exists(video.source.name), "the source must stay in storage"
