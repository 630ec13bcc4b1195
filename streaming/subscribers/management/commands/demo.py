"""`manage.py demo`: everything a newcomer needs, then the server.

Creates the demo accounts, loads the demo catalog, generates a sample film
on first start and takes it through the real pipeline (progress bar), starts
three edge caches (Mumbai, Frankfurt, Virginia), and serves on
http://127.0.0.1:8000 with the in-process worker. DEBUG only."""
from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files import File
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from catalog.demo_data import demo_catalog_load
from catalog.models import Title
from catalog.selectors import video_is_playable
from catalog.services import genre_get_or_create, title_create, video_create
from edge.demo import demo_edges_start, demo_edges_stop
from streaming.core.broker import embedded_worker_start
from transcoding import ffmpeg
from transcoding.management.commands.transcode import job_watch
from transcoding.models import TranscodeJob
from transcoding.services import job_retry, job_start

from ...models import Plan, Profile
from ...plans import plans_ensure
from ...services import account_create, subscription_change_plan

DEMO_ADMIN = "admin"
DEMO_VIEWER = "viewer"
DEMO_BASIC = "basic"
SAMPLE_TITLE = "The Test Card"
SAMPLE_SYNOPSIS = (
    "A minute of moving test card and a two-voice tone, transcoded on this machine into a "
    "six-rung adaptive ladder (234p to 1080p). The first thing every broadcast engineer watches."
)


class Command(BaseCommand):
    help = "Set up the demo (accounts, catalog, a transcoded sample, edges) and serve it."

    def add_arguments(self, parser):
        parser.add_argument("--addr", default=os.environ.get("DEMO_ADDR", "127.0.0.1:8000"))
        parser.add_argument("--no-serve", action="store_true", help="Set up, then exit.")
        parser.add_argument("--no-sample", action="store_true", help="Skip the sample transcode.")
        parser.add_argument("--no-edges", action="store_true", help="Serve without edge caches.")
        parser.add_argument("--sample-seconds", type=int, default=int(os.environ.get("DEMO_SAMPLE_SECONDS", "60")))
        parser.add_argument("--sample-height", type=int, default=int(os.environ.get("DEMO_SAMPLE_HEIGHT", "1080")))

    def handle(self, *args, addr: str, no_serve: bool, no_sample: bool, no_edges: bool,
               sample_seconds: int, sample_height: int, **options):
        if not settings.DEBUG:
            raise CommandError("The demo creates known passwords: run it with DJANGO_DEBUG=1 only.")
        # At once, not at the first upload: a demo killed mid-transcode is taken
        # over here (its job finishes, its ffmpeg and scratch are cleaned up).
        embedded_worker_start()
        password = os.environ.get("DEMO_ADMIN_PASSWORD", "streaming-demo")
        admin = self._admin(password)
        viewer_password = os.environ.get("DEMO_VIEWER_PASSWORD", "watch-demo-1")
        self._viewers(viewer_password)
        created = demo_catalog_load()
        self.stdout.write(f"Demo catalog: {created} titles added.")
        if not no_sample:
            self._sample(seconds=sample_seconds, height=sample_height)
        edges = []
        if not no_serve and not no_edges:
            self.stdout.write("Starting edge caches: Mumbai, Frankfurt, Virginia...")
            edges = demo_edges_start(control_url=f"http://{addr}")
        banner = [
            "",
            f"  Browse:  http://{addr}/        (in DEBUG, add ?country=IN or ?country=DE to travel)",
            f"  Sign in: http://{addr}/login/   user {DEMO_VIEWER!r}  password {viewer_password!r}"
            f"  (Standard plan, 1080p; {DEMO_BASIC!r} has Basic, 720p)",
            f"  Admin:   http://{addr}/admin/   user {admin.get_username()!r}  password {password!r}",
        ]
        if edges:
            banner.append("  Edges:   http://127.0.0.1:8101 (Mumbai)  :8102 (Frankfurt)  :8103 (Virginia)")
        self.stdout.write(self.style.SUCCESS("\n".join(banner + [""])))
        if no_serve:
            return
        try:
            call_command("runserver", addr, use_reloader=False)
        finally:
            if edges:
                demo_edges_stop(edges)

    def _viewers(self, password: str) -> None:
        """A Standard subscriber (with a kids profile) and a Basic one."""
        plans_ensure(Plan)
        User = get_user_model()
        for username, plan_slug in ((DEMO_VIEWER, "standard"), (DEMO_BASIC, "basic")):
            plan = Plan.objects.get(slug=plan_slug)
            user = User.objects.filter(username=username).first()
            if user is None:
                user = account_create(username=username, email=f"{username}@example.com", password=password,
                                      plan=plan, profile_name=username.title())
            else:
                user.set_password(password)
                user.save()
                subscription_change_plan(user=user, plan=plan)
            if username == DEMO_VIEWER:
                Profile.objects.get_or_create(user=user, name="Kids", defaults={"kids": True})

    def _admin(self, password: str):
        User = get_user_model()
        admin, _ = User.objects.get_or_create(username=DEMO_ADMIN, defaults={"email": "admin@example.com"})
        admin.is_staff = admin.is_superuser = True
        admin.set_password(password)
        admin.save()
        return admin

    def _sample(self, *, seconds: int, height: int) -> None:
        """Generate the sample once, transcode it once; resume a failed job."""
        title = Title.objects.filter(name=SAMPLE_TITLE).first()
        if title is None:
            genres = [genre_get_or_create(name=n) for n in ("Documentaries", "Science & Nature")]
            title = title_create(name=SAMPLE_TITLE, year=2026, synopsis=SAMPLE_SYNOPSIS,
                                 maturity_rating=Title.Rating.ALL, genres=genres)
        video = title.videos.order_by("-created_at").first()
        if video and video_is_playable(video=video):
            self.stdout.write(f"Sample title ready: {SAMPLE_TITLE}")
            return
        if video is None:
            path = Path(settings.VAR_DIR) / "sample" / f"test-card-{height}p-{seconds}s.mp4"
            if not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                self.stdout.write(f"Generating a {seconds} s {height}p sample film with ffmpeg...")
                width = int(round(height * 16 / 9 / 2)) * 2
                partial = path.with_suffix(".part.mp4")
                ffmpeg.run(ffmpeg.sample_args(output=partial, seconds=seconds, width=width, height=height))
                partial.rename(path)
            with path.open("rb") as fh:
                video = video_create(title=title, source=File(fh, name=path.name))
        job = video.jobs.order_by("-created_at").first()
        if job is None:
            job = job_start(video=video)
        elif job.status in (TranscodeJob.Status.FAILED, TranscodeJob.Status.CANCELLED):
            job = job_retry(job=job)
        self.stdout.write(f"Transcoding the sample into the ABR ladder (job {job.pk}); this runs once.")
        job = job_watch(job.pk, stdout=self.stdout, timeout=3600)
        if job.status != TranscodeJob.Status.DONE:
            raise CommandError(f"The sample transcode failed: {job.error}")
        ladder = ", ".join(r.name for r in job.renditions.filter(kind="video"))
        self.stdout.write(self.style.SUCCESS(f"Sample ready: {ladder}"))
