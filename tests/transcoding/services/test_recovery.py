"""Recovery of jobs whose embedded-broker owner died: the owner is judged
dead only when it is (pid gone or reused on this host; lease not renewed on
another), one process takes each job over, and what the database says is
missing is sent again."""
from __future__ import annotations

import os
import socket
import subprocess
from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.models import Title, Video
from streaming.core.processes import ProcessName, process_alive, process_name
from transcoding import tasks
from transcoding.models import Chunk, Codec, CodecLadder, TranscodeJob
from transcoding.services import profile_default
from transcoding.services.recovery import jobs_owner_renew, jobs_recover, owner_is_dead

HOST = socket.gethostname()


def dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


@pytest.fixture
def sent(monkeypatch):
    """What recovery sends, by actor, instead of running it."""
    out: dict[str, list] = {"job_prepare": [], "chunk_encode": [], "job_merge": []}
    for name in out:
        monkeypatch.setattr(getattr(tasks, name), "send",
                            lambda *args, _n=name: out[_n].append(args[0] if len(args) == 1 else args))
    return out


def make_job(status: str, owner: str, chunk_states=(), seen_at=None, ladder: str = "encoding") -> TranscodeJob:
    n = TranscodeJob.objects.count()
    title = Title.objects.create(name=f"Recover {n}", slug=f"recover-{n}")
    video = Video.objects.create(title=title, source="sources/x/film.mp4")
    job = TranscodeJob.objects.create(video=video, profile=profile_default(), status=status, owner=owner,
                                      owner_seen_at=seen_at, plan={"fps": "30/1"} if chunk_states else {})
    if status not in ("pending", "probing"):
        CodecLadder.objects.create(job=job, codec=Codec.H264, status=ladder)
    for i, state in enumerate(chunk_states):
        Chunk.objects.create(job=job, index=i, codec=Codec.H264, start_frame=i * 60, end_frame=(i + 1) * 60,
                             status=state,
                             attempts=1 if state != "pending" else 0, progress=40 if state == "running" else 0)
    return job


def test_a_process_is_alive_only_with_its_own_pid_and_start_time():
    me = process_name()
    assert process_alive(me) is True
    assert process_alive(ProcessName(host=HOST, pid=me.pid, start="1")) is False, "a reused pid is another process"
    assert process_alive(ProcessName(host=HOST, pid=dead_pid(), start=me.start)) is False
    assert process_alive(ProcessName(host="elsewhere.example", pid=me.pid, start=me.start)) is None
    assert ProcessName.parse(str(me)) == me


def test_another_hosts_owner_is_dead_only_when_its_lease_is_stale(settings):
    settings.TRANSCODE_STALE_SECONDS = 60
    now = timezone.now()
    assert not owner_is_dead("elsewhere.example:12:34", seen_at=now - timedelta(seconds=30), now=now)
    assert owner_is_dead("elsewhere.example:12:34", seen_at=now - timedelta(seconds=90), now=now)
    assert owner_is_dead("elsewhere.example:12:34", seen_at=None, now=now)


@pytest.mark.django_db
def test_a_dead_owners_encoding_job_has_every_unfinished_chunk_sent_again(sent, django_capture_on_commit_callbacks):
    dead = f"{HOST}:{dead_pid()}:123"
    job = make_job("encoding", dead, ["done", "done", "running", "running", "pending", "failed"])
    me = str(process_name())
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs_recover(owner=me) == [job.pk]
    job.refresh_from_db()
    assert job.owner == me and job.status == "encoding"
    states = list(job.chunks.order_by("index").values_list("status", flat=True))
    assert states == ["done", "done", "pending", "pending", "pending", "pending"]
    assert sorted(sent["chunk_encode"]) == sorted(job.chunks.exclude(status="done").values_list("pk", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs_recover(owner=me) == [], "taken over once"


@pytest.mark.django_db
@pytest.mark.parametrize("status, actor", [("merging", "job_merge"), ("pending", "job_prepare"),
                                           ("probing", "job_prepare")])
def test_a_dead_owners_merge_or_preparation_is_asked_again(sent, django_capture_on_commit_callbacks, status, actor):
    if status == "merging":  # the job encodes; its H.264 ladder merges (a merge was claimed, then the owner died)
        job = make_job("encoding", f"{HOST}:{dead_pid()}:123", ["done", "done"], ladder="merging")
        CodecLadder.objects.filter(job=job).update(merge_started_at=timezone.now(), merge_attempts=1)
        expected = [(job.pk, "h264")]
    else:
        job = make_job(status, f"{HOST}:{dead_pid()}:123")
        expected = [job.pk]
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs_recover(owner="") == [job.pk], "a broker-server worker takes over too, for the broker"
    assert sent[actor] == expected
    assert not sent["chunk_encode"], "every chunk was done: only the merge is asked again"
    assert TranscodeJob.objects.get(pk=job.pk).owner == ""


@pytest.mark.django_db
def test_live_owners_jobs_and_ownerless_jobs_are_left_alone(sent, django_capture_on_commit_callbacks, settings):
    settings.TRANSCODE_STALE_SECONDS = 60
    live_here = make_job("encoding", str(process_name(os.getppid())), ["running", "pending"])
    live_there = make_job("encoding", "elsewhere.example:12:34", ["done"], seen_at=timezone.now(), ladder="merging")
    ownerless = make_job("encoding", "", ["running"])  # a broker server holds its messages
    finished = make_job("done", f"{HOST}:{dead_pid()}:123")
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs_recover(owner=str(process_name())) == []
    assert sent == {"job_prepare": [], "chunk_encode": [], "job_merge": []}
    for job in (live_here, live_there, ownerless, finished):
        assert TranscodeJob.objects.get(pk=job.pk).owner == job.owner


@pytest.mark.django_db
def test_an_owner_renews_its_active_jobs_only():
    me = str(process_name())
    active = make_job("encoding", me, ["running"])
    done = make_job("done", me)
    assert jobs_owner_renew(owner=me) == 1
    assert TranscodeJob.objects.get(pk=active.pk).owner_seen_at is not None
    assert TranscodeJob.objects.get(pk=done.pk).owner_seen_at is None
