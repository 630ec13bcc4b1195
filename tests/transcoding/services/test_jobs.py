"""Failed jobs can be retried, redoing only what is missing; a job whose
merge message was lost is asked for again (by the reconciler, or by staff
with Retry); only failed, cancelled or stuck jobs can be retried."""
from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

from catalog.models import Video
from tests.factories import job_make, video_make
from tests.fixtures.broker import drain, wait_for
from tests.fixtures.transcode import lose_first_merge, merge_lost_wait, transcode_submit
from transcoding.models import Chunk, TranscodeJob
from transcoding.services import job_retry


def flaky_ffmpeg(folder: Path, *, fail_when: str) -> tuple[Path, Path]:
    """An ffmpeg that fails while a flag file exists, for commands containing
    ``fail_when``; otherwise it is the real ffmpeg."""
    flag = folder / "broken"
    flag.touch()
    script = folder / "ffmpeg"
    script.write_text(
        "#!/bin/sh\n"
        f'if [ -e "{flag}" ] && echo "$*" | grep -q -- "{fail_when}"; then\n'
        '  echo "Conversion failed: simulated disk error" >&2; exit 1\nfi\n'
        'exec ffmpeg "$@"\n'
    )
    script.chmod(0o755)
    return script, flag


def test_retry_redoes_only_what_is_missing(worker, run_transcode, clips, admin_client, settings, tmp_path):
    # 30 fps, 2 s chunks: the second chunk's command trims from frame 60.
    settings.FFMPEG_BINARY, flag = map(str, flaky_ffmpeg(tmp_path, fail_when="start_pts=60"))
    job = run_transcode(clips.motion)
    assert job.status == TranscodeJob.Status.FAILED
    assert "simulated disk error" in job.error and "chunk 1" in job.error, job.error
    # Chunks still encoding when the job failed stop on their own (or finish);
    # chunk messages still queued find the job failed and do nothing. Wait for
    # both, so that no message from the first run is left to claim a chunk
    # beside the retry's own (which would count a second attempt).
    wait_for(lambda: not job.chunks.filter(status=Chunk.Status.RUNNING).exists(), what="running chunks to stop")
    drain(worker)
    before = {c.pk: (c.status, c.attempts) for c in job.chunks.all()}
    done_before = {pk for pk, (status, _) in before.items() if status == Chunk.Status.DONE}
    assert before and len(done_before) < len(before)

    Path(flag).unlink()  # the disk is fixed
    response = admin_client.post(
        reverse("admin:transcoding_transcodejob_changelist"),
        {"action": "retry", "_selected_action": [job.pk]},
    )
    assert response.status_code == 302
    job = wait_for(
        lambda: TranscodeJob.objects.filter(pk=job.pk).exclude(status__in=TranscodeJob.ACTIVE).first(),
        what="the retried job to end",
    )
    assert job.status == TranscodeJob.Status.DONE, job.error
    after = {c.pk: c.attempts for c in job.chunks.all()}
    for pk, (_status, attempts) in before.items():
        if pk in done_before:
            assert after[pk] == attempts, "a done chunk is not encoded again"
        else:
            assert after[pk] == attempts + 1
    assert Video.objects.get(pk=job.video_id).status == Video.Status.READY


def test_a_lost_merge_message_is_asked_for_again_by_the_reconciler(worker, fast_profile, clips, monkeypatch):
    from datetime import timedelta

    from transcoding.services import jobs_reconcile

    lost = lose_first_merge(monkeypatch)
    transcode_submit(clips.silent)
    job = merge_lost_wait(worker, lost=lost, title_name="silent")  # stuck: the merge was asked for and lost
    assert job.progress == 90.0
    assert jobs_reconcile(stale_after=timedelta(minutes=5)) == [], "not stale yet: nothing is asked"
    assert jobs_reconcile(stale_after=timedelta(seconds=0)) == [job.pk]
    job = wait_for(lambda: TranscodeJob.objects.filter(pk=job.pk, status="done").first(), what="the merge")
    assert job.progress == 100 and job.merge_started_at is not None


def test_a_job_stuck_merging_can_be_retried_by_staff(worker, fast_profile, clips, monkeypatch, admin_client):
    lost = lose_first_merge(monkeypatch)
    transcode_submit(clips.silent)
    job = merge_lost_wait(worker, lost=lost, title_name="silent")
    response = admin_client.post(reverse("admin:transcoding_transcodejob_changelist"),
                                 {"action": "retry", "_selected_action": [job.pk]})
    assert response.status_code == 302
    assert wait_for(lambda: TranscodeJob.objects.filter(pk=job.pk, status="done").exists(), what="the merge")


def test_only_failed_jobs_can_be_retried(db):
    from streaming.core.errors import ApplicationError

    job = job_make(video=video_make(), status=TranscodeJob.Status.DONE)
    with pytest.raises(ApplicationError, match="Only failed, cancelled or stuck jobs"):
        job_retry(job=job)

