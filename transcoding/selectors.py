"""Reads of the transcoding app: progress for admin, the API and the CLI."""
from __future__ import annotations

from dataclasses import dataclass

from catalog.models import Video

from .models import Chunk, Rendition, TranscodeJob


@dataclass(frozen=True)
class ChunkProgress:
    label: str
    status: str
    progress: float
    attempts: int
    worker: str


@dataclass(frozen=True)
class JobProgress:
    job_id: int
    status: str
    progress: float
    error: str
    chunks: list[ChunkProgress]
    master_key: str


def job_progress(*, job_id: int) -> JobProgress:
    job = TranscodeJob.objects.get(pk=job_id)
    return JobProgress(
        job_id=job.pk, status=job.status, progress=job.progress, error=job.error, master_key=job.master_key,
        chunks=[
            ChunkProgress(label=str(c), status=c.status, progress=c.progress, attempts=c.attempts, worker=c.worker)
            for c in job.chunks.all()
        ],
    )


def job_latest_for_video(*, video: Video) -> TranscodeJob | None:
    return video.jobs.order_by("-created_at").first()


def renditions_playable(*, video: Video) -> list[Rendition]:
    """The renditions of the video's latest finished job, tallest first."""
    job = video.jobs.filter(status=TranscodeJob.Status.DONE).order_by("-finished_at").first()
    return list(job.renditions.all()) if job else []


def chunks_running() -> int:
    return Chunk.objects.filter(status=Chunk.Status.RUNNING).count()
