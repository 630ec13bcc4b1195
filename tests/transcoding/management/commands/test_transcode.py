"""`manage.py transcode`: a progress bar, then the master's location."""
from __future__ import annotations

from transcoding.models import TranscodeJob


def test_transcode_command_prints_progress_and_master_location(worker, fast_profile, clips):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("transcode", str(clips.silent), "--title", "From The Shell", stdout=out)
    lines = out.getvalue().strip().splitlines()
    assert any("%" in line and "[" in line for line in lines), "a progress bar was drawn"
    assert lines[-1].endswith("/master.m3u8")
    job = TranscodeJob.objects.get(video__title__name="From The Shell")
    assert lines[-1].endswith(job.master_key)
    assert job.status == TranscodeJob.Status.DONE
