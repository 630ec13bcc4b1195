"""The demo's videos: a sample film (a moving test card) and a short clip for
each demo title (its name on a test card), generated offline with ffmpeg
and taken through the real pipeline once, so that every demo title plays."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.management.base import CommandError

from catalog.models import Episode, Title, Video
from catalog.selectors import video_is_playable
from catalog.services import artwork_from_video, genre_get_or_create, title_create, video_create
from transcoding import ffmpeg
from transcoding.management.commands.transcode import job_watch
from transcoding.models import TranscodeJob
from transcoding.services import job_retry, job_start

SAMPLE_TITLE = "The Test Card"
SAMPLE_SYNOPSIS = (
    "A minute of moving test card and a two-voice tone, transcoded on this machine into a "
    "six-rung adaptive ladder (234p to 1080p). The first thing every broadcast engineer watches."
)
# Episodes of a demo series that get a clip; the rest stay "coming soon", as a series being released does.
EPISODES_PLAYABLE = 2


@dataclass(frozen=True)
class Wanted:
    title: Title
    episode: Episode | None
    seconds: int
    height: int
    label: str

    @property
    def file_name(self) -> str:
        part = f"-e{self.episode.season.number}x{self.episode.number}" if self.episode else ""
        return f"{self.title.slug}{part}-{self.height}p-{self.seconds}s.mp4"


def _sample_title() -> Title:
    title = Title.objects.filter(name=SAMPLE_TITLE).first()
    if title is None:
        genres = [genre_get_or_create(name=n) for n in ("Documentaries", "Science & Nature")]
        title = title_create(name=SAMPLE_TITLE, year=2026, synopsis=SAMPLE_SYNOPSIS,
                             maturity_rating=Title.Rating.ALL, genres=genres)
    return title


def _wanted(*, sample_seconds: int, sample_height: int, clip_seconds: int, clip_height: int) -> list[Wanted]:
    from catalog.demo_data import TITLES

    wanted = [Wanted(_sample_title(), None, sample_seconds, sample_height, "the sample")]
    for spec in TITLES:
        title = Title.objects.filter(name=spec["name"]).first()
        if title is None:
            continue
        if title.kind == Title.Kind.FILM:
            wanted.append(Wanted(title, None, clip_seconds, clip_height, title.name))
        for season in title.seasons.all():
            for episode in season.episodes.all()[:EPISODES_PLAYABLE]:
                wanted.append(Wanted(title, episode, clip_seconds, clip_height,
                                     f"{title.name} S{season.number}E{episode.number}"))
    return wanted


def _source(item: Wanted, stdout) -> Path:
    path = Path(settings.VAR_DIR) / "sample" / item.file_name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        stdout.write(f"Generating {item.label}: {item.seconds} s at {item.height}p with ffmpeg...")
        width = int(round(item.height * 16 / 9 / 2)) * 2
        partial = path.with_suffix(".part.mp4")
        if item.title.name == SAMPLE_TITLE:
            args = ffmpeg.sample_args(output=partial, seconds=item.seconds, width=width, height=item.height)
        else:
            caption = item.title.name if item.episode is None else f"{item.title.name}: {item.episode.name}"
            args = ffmpeg.sample_args(output=partial, seconds=item.seconds, width=width, height=item.height,
                                      title=caption)
        ffmpeg.run(args)
        partial.rename(path)
    return path


def demo_videos_ensure(*, stdout, sample_seconds: int, sample_height: int, clip_seconds: int,
                       clip_height: int) -> list[Video]:
    """Generate and transcode what is missing (a failed job is retried),
    all jobs at once so the workers stay busy; returns every demo video.
    (A finished transcode gives its title artwork from its poster frame
    where the title has none.)"""
    started: list[tuple[Wanted, TranscodeJob]] = []
    ready: list[Video] = []
    for item in _wanted(sample_seconds=sample_seconds, sample_height=sample_height,
                        clip_seconds=clip_seconds, clip_height=clip_height):
        videos = Video.objects.filter(title=item.title, episode=item.episode).order_by("-created_at")
        video = videos.first()
        if video and video_is_playable(video=video):
            # Transcoded before titles had artwork: its frame fills in now (a new
            # transcode does this itself when it finishes).
            artwork_from_video(video_id=video.pk)
            ready.append(video)
            if item.title.name == SAMPLE_TITLE:
                stdout.write(f"Sample title ready: {SAMPLE_TITLE}")
            continue
        if video is None:
            with _source(item, stdout).open("rb") as fh:
                video = video_create(title=item.title, episode=item.episode, source=File(fh, name=item.file_name))
        job = video.jobs.order_by("-created_at").first()
        if job is None:
            job = job_start(video=video)
        elif job.status in (TranscodeJob.Status.FAILED, TranscodeJob.Status.CANCELLED):
            job = job_retry(job=job)
        started.append((item, job))
    for item, job in started:
        stdout.write(f"Transcoding {item.label} into the ABR ladder (job {job.pk}); this runs once.")
        job = job_watch(job.pk, stdout=stdout, timeout=3600)
        if job.status != TranscodeJob.Status.DONE:
            raise CommandError(f"The transcode of {item.label} failed: {job.error}")
        ladder = ", ".join(r.name for r in job.renditions.filter(kind="video"))
        stdout.write(f"{'Sample' if item.title.name == SAMPLE_TITLE else item.label} ready: {ladder}")
        ready.append(job.video)
    return ready
