"""A job step is claimed by compare-and-set: two deliveries of one message
(a redelivery and the reconciler's resend) never both do the work, and a
superseded attempt can no longer write."""
from __future__ import annotations

import threading

import pytest
from django.db import connection

from catalog.models import Title, Video
from tests.fixtures.broker import wait_for
from tests.fixtures.transcode import transcode as start_and_wait
from tests.transcoding.test_failures import lose_first_merge, merging_without_merge
from tests.transcoding.test_pipeline import assert_package_is_correct
from transcoding.models import Chunk, TranscodeJob
from transcoding.services import chunks, profile_default
from transcoding.services import merge as merge_step


@pytest.fixture
def encoding_chunk(db):
    title = Title.objects.create(name="Claims", slug="claims")
    video = Video.objects.create(title=title, source="sources/claims/film.mp4")
    job = TranscodeJob.objects.create(video=video, profile=profile_default(), status=TranscodeJob.Status.ENCODING)
    return Chunk.objects.create(job=job, index=0, start_frame=0, end_frame=60)


def test_of_two_deliveries_reading_one_chunk_exactly_one_claims_it(encoding_chunk):
    first, second = Chunk.objects.get(pk=encoding_chunk.pk), Chunk.objects.get(pk=encoding_chunk.pk)
    assert chunks.chunk_claim(chunk=first) == 1
    assert chunks.chunk_claim(chunk=second) is None, "it read the row before the first claim"
    row = Chunk.objects.get(pk=encoding_chunk.pk)
    assert (row.status, row.attempts) == (Chunk.Status.RUNNING, 1)


def test_a_redelivery_supersedes_a_dead_attempt_which_can_no_longer_write(encoding_chunk):
    assert chunks.chunk_claim(chunk=Chunk.objects.get(pk=encoding_chunk.pk)) == 1
    # The worker died mid-chunk; the broker redelivers the message to another worker.
    assert chunks.chunk_claim(chunk=Chunk.objects.get(pk=encoding_chunk.pk)) == 2
    stale = Chunk.objects.filter(pk=encoding_chunk.pk, attempts=1)
    assert stale.update(status=Chunk.Status.DONE) == 0, "the old attempt's writes are fenced off"
    assert Chunk.objects.get(pk=encoding_chunk.pk).status == Chunk.Status.RUNNING


def test_a_done_chunk_is_never_claimed_again(encoding_chunk):
    Chunk.objects.filter(pk=encoding_chunk.pk).update(status=Chunk.Status.DONE)
    assert chunks.chunk_claim(chunk=Chunk.objects.get(pk=encoding_chunk.pk)) is None


def test_two_merges_racing_one_finishes_and_the_package_is_whole(worker, fast_profile, clips, monkeypatch, tmp_path):
    lose_first_merge(monkeypatch)
    with pytest.raises(AssertionError, match="timed out"):
        start_and_wait(clips.motion, timeout=20)  # all chunks done, the merge message lost
    job = merging_without_merge("motion")
    assert job is not None

    # The first merge is held inside its packaging until the second one (a
    # redelivered message, or the reconciler's) has claimed the job too.
    inside = []
    both_inside = threading.Event()
    real_package = merge_step.codec_package

    def merge_together(*, job, codec, tmp):
        inside.append(threading.current_thread().name)
        if len(inside) == 2:
            both_inside.set()
        assert both_inside.wait(60)
        return real_package(job=job, codec=codec, tmp=tmp)

    monkeypatch.setattr(merge_step, "codec_package", merge_together)
    finished: dict[str, bool] = {}

    def merge(name: str) -> None:
        try:
            finished[name] = merge_step.job_merge(job_id=job.pk)
        finally:
            connection.close()

    first = threading.Thread(target=merge, args=("first",), name="first")
    first.start()
    wait_for(lambda: inside, what="the first merge to start packaging")
    second = threading.Thread(target=merge, args=("second",), name="second")
    second.start()
    first.join(120)
    second.join(120)
    assert finished == {"first": False, "second": True}, "only the latest claim finishes the job"
    job.refresh_from_db()
    assert job.status == TranscodeJob.Status.DONE and job.ladders.get(codec="h264").merge_attempts == 2
    assert job.renditions.filter(kind="video").count() >= 1
    assert_package_is_correct(job, clips.motion, tmp_path / "package")
