"""The jobs' admin: a progress bar, chunks done, renditions and chunks."""
from __future__ import annotations

from django.urls import reverse

from tests.factories import job_make, renditions_make, video_make


def test_admin_lists_jobs_with_a_progress_bar(admin_client, fast_profile):
    # What a 4 s 480x270 clip without audio leaves in 2 s chunks: two chunks, one rung.
    job = job_make(video=video_make(width=480, height=270, duration=4.0), profile=fast_profile, audio=False)
    renditions_make(job=job, audio=False)
    page = admin_client.get(reverse("admin:transcoding_transcodejob_changelist")).content.decode()
    assert "100%" in page and "2/2" in page
    detail = admin_client.get(reverse("admin:transcoding_transcodejob_change", args=[job.pk])).content.decode()
    assert "v234" in detail and "chunk 0 of job" in detail
