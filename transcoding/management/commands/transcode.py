"""`manage.py transcode PATH [--title NAME]`: ingest a local file through
the same pipeline as an upload, with a progress bar; the last line printed is
the storage location of the master playlist.

Run again after it was interrupted (Ctrl-C, a crash, SIGKILL), the same
command picks up the same job instead of uploading the file again: its
worker, as it starts, takes over what the dead process left
(transcoding/services/recovery.py)."""
from __future__ import annotations

import time
from pathlib import Path

from django.core.files import File
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError

from catalog.models import Title
from catalog.services import title_create, video_create
from streaming.core.broker import embedded_worker_start
from transcoding.models import Codec, CodecLadder, TranscodeJob
from transcoding.progressbar import ProgressBar
from transcoding.services import job_start

WAITING_HINT_AFTER = 15.0


def storage_location(key: str) -> str:
    try:
        return default_storage.path(key)
    except NotImplementedError:
        bucket = getattr(default_storage, "bucket_name", "")
        location = getattr(default_storage, "location", "")
        full = "/".join(p for p in (location, key) if p)
        return f"s3://{bucket}/{full}" if bucket else default_storage.url(key)


def ladders_label(job: TranscodeJob) -> str:
    """ "H.264 done, AV1 41%" """
    order: list[str] = [Codec.H264, Codec.AV1, Codec.HEVC]
    ladders = sorted(job.ladders.all(), key=lambda x: order.index(x.codec))
    return ", ".join(f"{ladder.get_codec_display()} "
                     + (f"{ladder.progress:.0f}%" if ladder.status not in CodecLadder.TERMINAL else ladder.status)
                     for ladder in ladders)


def job_watch(job_id: int, *, stdout, timeout: float, until_playable: bool = False) -> TranscodeJob:
    """Poll the database and draw the bar until the job ends (or, with
    ``until_playable``, until its H.264 ladder is merged: the title plays
    while the other codecs go on)."""
    bar = ProgressBar(stdout)
    started = time.monotonic()
    hinted = False
    while True:
        job = TranscodeJob.objects.get(pk=job_id)
        h264 = job.ladders.filter(codec=Codec.H264).first()
        watched = h264 if until_playable and h264 is not None else job
        label = job.get_status_display().lower()
        if job.ladders.exists():
            label = ladders_label(job)
        bar.update(watched.progress, label)
        playable = h264 is not None and h264.status == CodecLadder.Status.DONE
        if job.status not in TranscodeJob.ACTIVE or (until_playable and playable):
            bar.close()
            return job
        elapsed = time.monotonic() - started
        if not hinted and job.status == TranscodeJob.Status.PENDING and elapsed > WAITING_HINT_AFTER:
            bar.close()
            stdout.write("Still waiting for a worker: is `manage.py rundramatiq` running on this broker?\n")
            hinted = True
        if elapsed > timeout:
            bar.close()
            raise CommandError(f"Gave up waiting after {timeout:.0f} s; the job goes on in the workers.")
        time.sleep(0.5)


class Command(BaseCommand):
    help = "Transcode a local video file into the HLS ladder, showing progress."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--title", help="Title name (default: the file name). Created if missing.")
        parser.add_argument("--timeout", type=float, default=6 * 3600)

    def handle(self, *args, path: str, title: str | None, timeout: float, **options):
        source = Path(path)
        if not source.is_file():
            raise CommandError(f"No such file: {source}")
        name = title or source.stem.replace("_", " ").replace("-", " ").title()
        title_obj = Title.objects.filter(name=name).first() or title_create(name=name)
        embedded_worker_start()  # resends what a dead run of this command left undone
        active = (TranscodeJob.objects.filter(video__title=title_obj, video__source_name=source.name,
                                              status__in=TranscodeJob.ACTIVE)
                  .select_related("video").order_by("-created_at").first())
        if active is not None:
            video, job = active.video, active
            self.stdout.write(f"Resuming the transcode of {source.name} as “{title_obj.name}” "
                              f"(video {video.public_id}, job {job.pk}, {job.status})")
        else:
            with source.open("rb") as fh:
                video = video_create(title=title_obj, source=File(fh, name=source.name))
            job = video.jobs.order_by("-created_at").first() or job_start(video=video)
            self.stdout.write(f"Transcoding {source.name} as “{title_obj.name}” "
                              f"(video {video.public_id}, job {job.pk})")
        job = job_watch(job.pk, stdout=self.stdout, timeout=timeout)
        if job.status != TranscodeJob.Status.DONE:
            raise CommandError(f"Transcode {job.status}: {job.error}")
        video.refresh_from_db()
        for ladder in job.ladders.filter(status=CodecLadder.Status.FAILED):
            self.stdout.write(f"{ladder.get_codec_display()} failed (the other codecs ship): {ladder.error}")
        renditions = ", ".join(f"{r.name} {r.average_bandwidth // 1000}k" for r in job.renditions.all())
        self.stdout.write(f"Ready: {renditions}")
        self.stdout.write(storage_location(job.master_key))
