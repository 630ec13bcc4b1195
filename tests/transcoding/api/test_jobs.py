"""Staff: a video's state, a job's status and its retry; staff only."""
from __future__ import annotations

from django.core.files.base import ContentFile

from catalog.services import title_create, video_create
from tests.fixtures.api import assert_error
from transcoding.models import TranscodeJob
from transcoding.services import job_fail, job_start


def test_job_status_and_retry(staff, django_capture_on_commit_callbacks):
    staff_client, _, _ = staff
    title = title_create(name="Broken")
    video = video_create(title=title, source=ContentFile(b"not a video", name="broken.mp4"))
    job = job_start(video=video)
    job_fail(job_id=job.pk, reason="No video stream in the source.")
    state = staff_client.get(f"/api/v1/staff/videos/{video.public_id}/").json()
    assert state["status"] == "failed" and state["job"]["error"] == "No video stream in the source."
    assert staff_client.get(f"/api/v1/staff/jobs/{job.pk}/").json()["status"] == "failed"
    with django_capture_on_commit_callbacks(execute=False):
        retried = staff_client.post(f"/api/v1/staff/jobs/{job.pk}/retry/")
    assert retried.status_code == 202 and retried.json()["status"] == "pending"
    assert_error(staff_client.post(f"/api/v1/staff/jobs/{job.pk}/retry/"), 400, "invalid")
    assert TranscodeJob.objects.get(pk=job.pk).status == "pending"


def test_job_video_and_upload_endpoints_are_staff_only(member, staff):
    client, _, _ = member
    staff_client, _, _ = staff
    title = title_create(name="New Film")
    for path in ("/api/v1/staff/jobs/1/", "/api/v1/staff/videos/00000000-0000-0000-0000-000000000000/"):
        assert_error(client.get(path), 403, "permission_denied")
        assert_error(staff_client.get(path), 404, "not_found")
    upload = {"title": title.slug, "filename": "a.mp4", "size": 10}
    assert_error(client.post("/api/v1/staff/uploads/", upload, format="json"), 403)
