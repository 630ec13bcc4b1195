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
from transcoding.models import Chunk, TranscodeJob
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


def job_watch(job_id: int, *, stdout, timeout: float) -> TranscodeJob:
    """Poll the database and draw the bar until the job ends."""
    bar = ProgressBar(stdout)
    started = time.monotonic()
    hinted = False
    while True:
        job = TranscodeJob.objects.get(pk=job_id)
        total = job.chunks.filter(kind=Chunk.Kind.VIDEO).count()
        done = job.chunks.filter(kind=Chunk.Kind.VIDEO, status=Chunk.Status.DONE).count()
        label = f"{job.get_status_display().lower()}" + (f", chunks {done}/{total}" if total else "")
        bar.update(job.progress, label)
        if job.status not in TranscodeJob.ACTIVE:
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
        renditions = ", ".join(f"{r.name} {r.average_bandwidth // 1000}k" for r in job.renditions.all())
        self.stdout.write(f"Ready: {renditions}")
        self.stdout.write(storage_location(job.master_key))
