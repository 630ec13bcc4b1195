"""The jobs' admin: a progress bar, chunks done, renditions and chunks."""
from __future__ import annotations

from django.urls import reverse


def test_admin_lists_jobs_with_a_progress_bar(run_transcode, clips, admin_client):
    job = run_transcode(clips.silent)
    page = admin_client.get(reverse("admin:transcoding_transcodejob_changelist")).content.decode()
    assert "100%" in page and "2/2" in page
    detail = admin_client.get(reverse("admin:transcoding_transcodejob_change", args=[job.pk])).content.decode()
    assert "v234" in detail and "chunk 0 of job" in detail
