"""`manage.py demo`: everything a newcomer needs, then the server.

Creates the demo accounts, loads the demo catalog with its artwork,
generates a sample film and a short clip for each demo title on first start
and takes them through the real pipeline (progress bars: the sample in
H.264 and AV1 at a faster AV1 preset, the clips in H.264; see
_demo_videos.py), then serves on http://127.0.0.1:8000 as soon as every
H.264 ladder is merged (every title plays; the sample's AV1 ladder goes on
encoding in this process and joins the sessions started after it is
merged) and, once the site answers, starts three edge caches (Mumbai,
Frankfurt, Virginia). The edges stop with the server whatever stops
it: Ctrl-C, SIGTERM, the server crashing (and, on Linux, this process being
killed). A port already taken is refused before anything starts. DEBUG only."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from catalog.demo_data import demo_artwork_load, demo_catalog_load
from edge.demo import demo_edges_start, demo_edges_stop
from streaming.core.broker import embedded_worker_start
from streaming.core.processes import exit_with_parent, port_free, stop, wait_http

from ...models import Plan, Profile
from ...plans import plans_ensure
from ...services import account_create, subscription_change_plan
from ._demo_videos import SAMPLE_TITLE, demo_videos_ensure

DEMO_ADMIN = "admin"
DEMO_VIEWER = "viewer"
DEMO_BASIC = "basic"
EDGE_NAMES = ("Mumbai", "Frankfurt", "Virginia")
__all__ = ["Command", "SAMPLE_TITLE"]


class Stopped(Exception):
    """SIGTERM or SIGINT arrived: stop the server and the edges."""


def _ports(text: str) -> list[int]:
    try:
        ports = [int(p) for p in text.split(",")]
    except ValueError:
        ports = []
    if len(ports) != len(EDGE_NAMES) or not all(0 < p < 65536 for p in ports):
        raise CommandError(f"--edge-ports takes {len(EDGE_NAMES)} port numbers separated by commas, "
                           "e.g. 8101,8102,8103.")
    return ports


class Command(BaseCommand):
    help = "Set up the demo (accounts, catalog, transcoded videos, edges) and serve it."

    def add_arguments(self, parser):
        parser.add_argument("--addr", default=os.environ.get("DEMO_ADDR", "127.0.0.1:8000"))
        parser.add_argument("--edge-ports", default=os.environ.get("DEMO_EDGE_PORTS", "8101,8102,8103"),
                            help="Ports of the Mumbai, Frankfurt and Virginia edges.")
        parser.add_argument("--no-serve", action="store_true", help="Set up, then exit.")
        parser.add_argument("--no-sample", action="store_true", help="Skip generating and transcoding videos.")
        parser.add_argument("--no-edges", action="store_true", help="Serve without edge caches.")
        parser.add_argument("--sample-seconds", type=int, default=int(os.environ.get("DEMO_SAMPLE_SECONDS", "60")))
        parser.add_argument("--sample-height", type=int, default=int(os.environ.get("DEMO_SAMPLE_HEIGHT", "1080")))
        parser.add_argument("--clip-seconds", type=int, default=int(os.environ.get("DEMO_CLIP_SECONDS", "16")),
                            help="Length of each demo title's clip.")
        parser.add_argument("--clip-height", type=int, default=int(os.environ.get("DEMO_CLIP_HEIGHT", "540")))
        parser.add_argument("--wait", choices=["playable", "all"], default=None,
                            help="Wait for the videos until they play (H.264 merged; the default when serving) or "
                                 "until every codec is merged (the default with --no-serve).")

    def handle(self, *args, addr: str, edge_ports: str, no_serve: bool, no_sample: bool, no_edges: bool,
               sample_seconds: int, sample_height: int, clip_seconds: int, clip_height: int, wait: str | None,
               **options):
        if not settings.DEBUG:
            raise CommandError("The demo creates known passwords: run it with DJANGO_DEBUG=1 only.")
        host, _, port = addr.rpartition(":")
        if not host or not port.isdigit():
            raise CommandError(f"--addr takes host:port, e.g. 127.0.0.1:8000 (not {addr!r}).")
        ports = [] if no_edges else _ports(edge_ports)
        if not no_serve:
            self._ports_check(host, int(port), ports)  # before minutes of transcoding, not after
        # At once, not at the first upload: a demo killed mid-transcode is taken
        # over here (its job finishes, its ffmpeg and scratch are cleaned up).
        embedded_worker_start()
        password = os.environ.get("DEMO_ADMIN_PASSWORD", "streaming-demo")
        admin = self._admin(password)
        viewer_password = os.environ.get("DEMO_VIEWER_PASSWORD", "watch-demo-1")
        self._viewers(viewer_password)
        created = demo_catalog_load()
        self.stdout.write(f"Demo catalog: {created} titles added.")
        if demo_artwork_load():
            self.stdout.write("Demo artwork drawn.")
        if not no_sample:
            # Without a server the process ends here, and the embedded worker with
            # it: then wait for every codec, not only until the titles play (a
            # later start resumes what an earlier one left unfinished).
            wait_all = (wait or ("all" if no_serve else "playable")) == "all"
            demo_videos_ensure(stdout=self.stdout, sample_seconds=sample_seconds, sample_height=sample_height,
                               clip_seconds=clip_seconds, clip_height=clip_height, wait_all=wait_all)
        banner = [
            "",
            f"  Browse:  http://{addr}/        (in DEBUG, add ?country=IN or ?country=DE to travel)",
            f"  Sign in: http://{addr}/login/   user {DEMO_VIEWER!r}  password {viewer_password!r}"
            f"  (Standard plan, 1080p; {DEMO_BASIC!r} has Basic, 720p)",
            f"  Admin:   http://{addr}/admin/   user {admin.get_username()!r}  password {password!r}",
        ]
        if ports:
            banner.append("  Edges:   " + "  ".join(f"http://{host}:{p} ({n})" for p, n in zip(ports, EDGE_NAMES,
                                                                                                   strict=True)))
        if no_serve:
            self.stdout.write(self.style.SUCCESS("\n".join(banner + [""])))
            return
        self._serve(addr=addr, host=host, port=int(port), ports=ports, banner=banner)

    # --- serving ---------------------------------------------------------------------------

    def _ports_check(self, host: str, port: int, edge_ports: list[int]) -> None:
        wanted = [(port, "the web server", "DEMO_ADDR=host:port (--addr)")] + [
            (p, f"the {name} edge", "DEMO_EDGE_PORTS=a,b,c (--edge-ports)")
            for p, name in zip(edge_ports, EDGE_NAMES, strict=True)]
        for number, who, option in wanted:
            if not port_free(host, number):
                raise CommandError(
                    f"Port {number} on {host} ({who}) is already in use, perhaps by an earlier demo still "
                    f"running. Stop it, or choose free ports with {option}, e.g. DEMO_ADDR=127.0.0.1:8080 make run. "
                    "Nothing was started.")

    def _serve(self, *, addr: str, host: str, port: int, ports: list[int], banner: list[str]) -> None:
        self._ports_check(host, port, ports)

        def stopped(signum, frame):
            raise Stopped(signal.Signals(signum).name)

        previous = {s: signal.signal(s, stopped) for s in (signal.SIGTERM, signal.SIGINT)}
        env = {**os.environ, "EDGE_ORIGIN_URL": os.environ.get("EDGE_ORIGIN_URL") or f"http://{addr}"}
        manage = str(Path(settings.BASE_DIR) / "manage.py")
        server = subprocess.Popen([sys.executable, manage, "runserver", addr, "--noreload"],
                                  cwd=settings.BASE_DIR, env=env, preexec_fn=exit_with_parent)
        edges: list[subprocess.Popen] = []
        try:
            try:
                # Edges heartbeat to the site as soon as they start: start them once it answers.
                wait_http(f"http://{addr}/healthz", timeout=60, process=server)
            except RuntimeError as exc:
                raise CommandError(f"The web server {exc}.") from None
            if ports:
                self.stdout.write(f"Starting edge caches: {', '.join(EDGE_NAMES)}...")
                try:
                    edges = demo_edges_start(control_url=f"http://{addr}", ports=ports)
                except RuntimeError as exc:
                    raise CommandError(str(exc)) from None
            ready = banner + ["", "  Ctrl-C stops the server and the edges.", ""]
            self.stdout.write(self.style.SUCCESS("\n".join(ready)))
            self._supervise(server, edges)
        except Stopped as why:
            self.stdout.write(f"\n{why}: stopping the web server and the edges.")
        finally:
            demo_edges_stop(edges)
            stop([server])
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        if server.returncode not in (0, -signal.SIGTERM, -signal.SIGINT) and server.returncode is not None:
            raise CommandError(f"The web server exited with code {server.returncode}; the edges were stopped.")

    def _supervise(self, server: subprocess.Popen, edges: list[subprocess.Popen]) -> None:
        """Until the server ends: an edge that dies is reported (playback
        moves to the next pathway); the server ending ends everything."""
        reported: set[int] = set()
        while server.poll() is None:
            for name, edge in zip(EDGE_NAMES, edges, strict=False):
                if edge.poll() is not None and edge.pid not in reported:
                    reported.add(edge.pid)
                    self.stderr.write(f"The {name} edge exited (code {edge.returncode}); viewers move to the next one.")
            time.sleep(0.3)
        self.stderr.write(f"The web server exited (code {server.returncode}): stopping the edges.")

    # --- accounts ----------------------------------------------------------------------------

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
