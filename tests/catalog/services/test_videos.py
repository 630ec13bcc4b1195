"""A stored source is measured by a worker (size, SHA-256); an empty one is
kept in storage and marked failed with a reason."""
from __future__ import annotations

import hashlib

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from catalog.models import Video
from catalog.services import title_create, video_create
from tests.catalog.test_admin import PAYLOAD, upload
from tests.fixtures.broker import wait_for


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


def test_empty_source_is_kept_and_marked_failed_with_a_reason(worker):
    title = title_create(name="Empty")
    video = video_create(title=title, source=ContentFile(b"", name="empty.mp4"))
    video = wait_for(
        lambda: Video.objects.filter(pk=video.pk, status=Video.Status.FAILED).first(),
        what="the empty source to be marked failed",
    )
    assert video.error == "The uploaded file is empty (0 bytes)."
    assert default_storage.exists(video.source.name), "the source must stay in storage"


def test_an_empty_upload_gets_its_transcode_job_even_when_the_fingerprint_is_first(worker, monkeypatch):
    """One job per upload: the transcoding app starts one for every stored
    source, and an empty one fails with its reason. A worker may measure the
    file (and mark it failed) before the upload's listeners have run; that
    must not leave the upload without a job."""
    from catalog import tasks
    from transcoding.models import TranscodeJob

    # The fingerprint's worker wins the race: it runs the moment it is sent.
    monkeypatch.setattr(tasks.video_source_fingerprint, "send",
                        lambda video_id: tasks.video_source_fingerprint.fn(video_id))
    video = video_create(title=title_create(name="Empty race"), source=ContentFile(b"", name="empty.mp4"))
    job = wait_for(lambda: TranscodeJob.objects.filter(video=video).exclude(status__in=TranscodeJob.ACTIVE).first(),
                   timeout=60, what="the empty upload's job to end")
    assert job.status == TranscodeJob.Status.FAILED and "empty (0 bytes)" in job.error
    video.refresh_from_db()
    assert video.status == Video.Status.FAILED and video.error == "The uploaded file is empty (0 bytes)."
