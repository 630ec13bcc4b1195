"""The demo's videos: a sample film (a moving test card) and a short clip for
each demo title (its name on a test card), generated offline with ffmpeg
and taken through the real pipeline once, so that every demo title plays.

What is encoded (docs/codecs.md, "The demo"): the sample (60 s, 1080p) into
six H.264 rungs and six AV1 rungs at SVT-AV1 preset 10 (the demo profile);
each clip (16 s, 540p: four films and the first two episodes of each of two
series) into four H.264 rungs (the clips profile). The demo serves once
every H.264 ladder is merged (every title plays); the sample's AV1 ladder
goes on in this process and joins the sessions started after it is merged."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.management.base import CommandError
from django.db import transaction

from catalog.models import Episode, Title, Video
from catalog.selectors import video_is_playable
from catalog.services import artwork_from_video, genre_get_or_create, title_create, video_create
from transcoding import ffmpeg
from transcoding.management.commands.transcode import job_watch, ladders_label
from transcoding.models import CodecLadder, TranscodeJob
from transcoding.selectors import CODEC_ORDER
from transcoding.services import job_retry, job_retryable, job_start, profile_demo

SAMPLE_TITLE = "The Test Card"
SAMPLE_SYNOPSIS = (
    "A minute of moving test card and a two-voice tone, transcoded on this machine into "
    "six-rung adaptive ladders (234p to 1080p) in H.264 and AV1. The first thing every broadcast engineer watches."
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
    def is_sample(self) -> bool:
        return self.title.name == SAMPLE_TITLE

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
        if item.is_sample:
            args = ffmpeg.sample_args(output=partial, seconds=item.seconds, width=width, height=item.height)
        else:
            caption = item.title.name if item.episode is None else f"{item.title.name}: {item.episode.name}"
            args = ffmpeg.sample_args(output=partial, seconds=item.seconds, width=width, height=item.height,
                                      title=caption)
        ffmpeg.run(args)
        partial.rename(path)
    return path


def _rungs(job: TranscodeJob) -> str:
    """"v360, v234, av1/v360, av1/v234": codec by codec, tallest first."""
    names = sorted(job.renditions.filter(kind="video"),
                   key=lambda r: (CODEC_ORDER.index(r.codec), -(r.height or 0)))
    return ", ".join(r.name for r in names)


def demo_videos_ensure(*, stdout, sample_seconds: int, sample_height: int, clip_seconds: int,
                       clip_height: int, wait_all: bool = True) -> list[Video]:
    """Generate and transcode what is missing (a failed job is retried, and
    a ladder a previous run left unfinished is resumed), all jobs at once so
    the workers stay busy; returns every demo video. Waits for every ladder,
    or with ``wait_all`` False until every title plays (its H.264 merged),
    the rest going on in this process's workers. (A finished transcode gives
    its title artwork from its poster frame where the title has none.)"""
    started: list[tuple[Wanted, TranscodeJob]] = []
    ready: list[Video] = []
    for item in _wanted(sample_seconds=sample_seconds, sample_height=sample_height,
                        clip_seconds=clip_seconds, clip_height=clip_height):
        videos = Video.objects.filter(title=item.title, episode=item.episode).order_by("-created_at")
        # A title that plays is ready, whichever of its videos plays (staff may
        # have uploaded another, even one that failed: that is theirs to fix,
        # never a reason for the demo not to start). Otherwise the demo's own
        # video (its generated source's name) is resumed, retried or made.
        playable = [v for v in videos if video_is_playable(video=v)]
        video = playable[0] if playable else videos.filter(source_name=item.file_name).first()
        job = video.jobs.order_by("-created_at").first() if video else None
        if video and job and video_is_playable(video=video) and job.status == TranscodeJob.Status.DONE:
            # Transcoded before titles had artwork: its frame fills in now (a new
            # transcode does this itself when it finishes).
            artwork_from_video(video_id=video.pk)
            ready.append(video)
            if item.is_sample:
                stdout.write(f"Sample title ready: {SAMPLE_TITLE} ({ladders_label(job)})")
            continue
        profile = profile_demo(clips=not item.is_sample)
        if video is None:
            # The demo's own profile, not the default one an upload gets: the job
            # is made in the same transaction, so the upload starts no other.
            with _source(item, stdout).open("rb") as fh, transaction.atomic():
                video = video_create(title=item.title, episode=item.episode, source=File(fh, name=item.file_name))
                job = job_start(video=video, profile=profile)
        elif job is None or job.status == TranscodeJob.Status.DONE:  # an upload's job from before, done
            job = job_start(video=video, profile=profile)
        elif job_retryable(job):
            job = job_retry(job=job)  # sends again whatever the last run left unsent or failed
        started.append((item, job))
    for item, job in started:
        codecs = [c.get_codec_display() for c in sorted(job.profile.codecs.filter(enabled=True),
                                                         key=lambda c: CODEC_ORDER.index(c.codec))]
        stdout.write(f"Transcoding {item.label} into {' and '.join(codecs)} "
                     f"ladder{'s' if len(codecs) > 1 else ''} (job {job.pk}); this runs once.")
        job = job_watch(job.pk, stdout=stdout, timeout=3600, until_playable=not wait_all)
        if job.status in (TranscodeJob.Status.FAILED, TranscodeJob.Status.CANCELLED):
            raise CommandError(f"The transcode of {item.label} failed: {job.error}")
        for ladder in job.ladders.filter(status=CodecLadder.Status.FAILED):
            stdout.write(f"{item.label}: {ladder.get_codec_display()} failed: {ladder.error}")
        stdout.write(f"{'Sample' if item.is_sample else item.label} ready: {_rungs(job)}")
        later = job.ladders.exclude(status__in=CodecLadder.TERMINAL)
        if later.exists():
            names = " and ".join(ladder.get_codec_display() for ladder in later)
            stdout.write(f"{item.label.capitalize()} plays now in H.264; its {names} ladder goes on encoding in this "
                         "process and joins the sessions started once it is merged (progress: admin, Jobs).")
        ready.append(job.video)
    return ready
