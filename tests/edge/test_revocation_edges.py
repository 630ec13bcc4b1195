"""Revocation that reaches the edges, measured with real processes on
loopback: the control plane and the API (live server), a runedge process
and an nginx edge with its edge_agent, both heartbeating; the origin path.

Five app devices share one account on the 1-screen Basic plan and take
turns: start, keep (heartbeats), then end in one of three ways (stop, sign
out, or go quiet until the session loses its screen). A prober asks, all
the time, for a segment with every token issued so far, through runedge,
through nginx and on the origin path. Two things must hold:

- at no moment do two tokens stream: in every probing round (newest token
  first, so a round never pairs a new token with an older one's earlier
  answer) at most one token gets a 200 anywhere;
- every ended session's token is refused (403) everywhere, within a delay
  the test measures and prints (``REVOKE`` lines): at most a heartbeat
  interval and a bit at the edges, at once on the origin path.

The heartbeat interval of both edges is REVOKE_TEST_INTERVAL (1 s by
default, to keep the test short; the default deployment beats every 5 s)."""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field

import pytest
from rest_framework.throttling import ScopedRateThrottle

from edge.nginx import JS_MODULE
from streaming.core import storage
from streaming.subscribers.models import PlaybackSession
from tests.conftest import free_port
from tests.edge.servers import (
    NGINX,
    ROOT,
    NginxEdgeProcess,
    Runedge,
    ThreadedApp,
    counting_origin_app,
    http_get,
    wait_until,
)
from tests.factories import PASSWORD, node_make, subscriber_make, title_make, video_ready_make

KEYS_RAW = "rv1:revocation-test-secret-0123456789"
INTERVAL = float(os.environ.get("REVOKE_TEST_INTERVAL", "1"))
SESSION_TTL = 5  # seconds without a heartbeat before a session loses its screen (90 by default)
OVERLAP = 1.0  # EDGE_REVOCATION_OVERLAP (3 by default): shortens the release of a screen
KEEP = 2.0  # seconds each device plays
MODES = ["stop", "sign-out", "quiet", "stop", "sign-out", "quiet", "stop"]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not (os.path.exists(NGINX) and os.path.exists(JS_MODULE)),
                       reason="nginx with njs is not installed"),
]


def api(base: str, method: str, path: str, body: dict | None = None, token: str | None = None):
    """(status, JSON body or None) of an API call."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else b"" if method == "POST" else None
    request = urllib.request.Request(base + path, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        try:
            return exc.code, json.loads(raw)
        except ValueError:
            return exc.code, None


@dataclass
class Issued:
    """One session's token, and what the prober saw of it."""

    device: str
    session_id: str
    token: str
    mode: str = ""
    started: float = 0.0  # when the start request was sent
    ended: float | None = None  # when it lost its media access (end answered, or last heartbeat + TTL)
    first_refused: dict[str, float] = field(default_factory=dict)  # place -> first 403 after `ended`
    refused_rounds: int = 0


class Prober(threading.Thread):
    """Asks for a segment with every live token through every place, round
    after round, newest token first."""

    def __init__(self, places: dict[str, str], video, issued: list[Issued]):
        super().__init__(daemon=True)
        self.places, self.video, self.issued = places, video, issued
        self.stop_event = threading.Event()
        self.rounds = 0
        self.most_streaming = 0  # the most tokens seen streaming in one round
        self.violations: list[str] = []
        self.lock = threading.Lock()

    def url(self, base: str, token: str) -> str:
        return f"{base}/t/{token}/hls/{self.video}/v720/seg_00001.m4s"

    def run(self) -> None:
        while not self.stop_event.is_set():
            with self.lock:
                tokens = [t for t in reversed(self.issued) if t.refused_rounds < 3]
            if not tokens:
                time.sleep(0.05)
                continue
            streaming = []
            for item in tokens:
                refused_everywhere = True
                for place, base in self.places.items():
                    status = http_get(self.url(base, item.token), {"Range": "bytes=0-99"})[0]
                    now = time.time()
                    if status in (200, 206):
                        refused_everywhere = False
                        if item not in streaming:
                            streaming.append(item)
                    elif status == 403:  # a token is refused only once its session lost access
                        item.first_refused.setdefault(place, now)
                    else:
                        refused_everywhere = False
                        self.violations.append(f"{place} answered {status} for {item.device}")
                if refused_everywhere:
                    item.refused_rounds += 1
            self.most_streaming = max(self.most_streaming, len(streaming))
            if len(streaming) > 1:
                self.violations.append(f"round {self.rounds}: {len(streaming)} tokens streamed: "
                                       + ", ".join(f"{t.device}/{t.mode or 'playing'}" for t in streaming))
            self.rounds += 1


@pytest.fixture
def delivery(live_server, tmp_path, settings, monkeypatch):
    """The control plane, a runedge and an nginx edge (with its agent)
    heartbeating to it, a video on the Basic plan's ladder, and an account."""
    settings.EDGE_SIGNING_KEYS_RAW = KEYS_RAW
    settings.PLAYBACK_SESSION_TTL = SESSION_TTL
    settings.EDGE_REVOCATION_OVERLAP = OVERLAP
    settings.EDGE_HEARTBEAT_INTERVAL = INTERVAL
    settings.EDGE_HEARTBEAT_TTL = max(30, int(INTERVAL * 6))
    # Devices retry a refused start every 0.3 s; the API's start throttle is not what is tested here.
    monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "playback_start", "1000/minute")
    monkeypatch.setitem(ScopedRateThrottle.THROTTLE_RATES, "sign_in", "1000/minute")
    video = video_ready_make(title=title_make(name="Revocation Test"), width=1280, height=720, duration=600.0)
    # The segment in this test's storage (the origin path's: a folder or an S3
    # bucket) and in the folder the edges' origin serves.
    media = tmp_path / "origin"
    key = f"hls/{video.public_id}/v720/seg_00001.m4s"
    segment = os.urandom(20_000)
    storage.put_bytes(key, segment)
    (media / key).parent.mkdir(parents=True)
    (media / key).write_bytes(segment)
    user, profile = subscriber_make(plan="basic")

    run_node = node_make("mumbai", port=free_port())
    nginx_node = node_make("frankfurt", port=free_port())
    with ThreadedApp(counting_origin_app(media)) as origin:
        runedge = Runedge(run_node, origin=str(media), cache_dir=tmp_path / "runedge-cache",
                          control_url=live_server.url, keys_raw=KEYS_RAW, heartbeat=INTERVAL)
        nginx = NginxEdgeProcess(nginx_node, origin_url=origin.url, prefix=tmp_path / "ng")
        agent_log = (tmp_path / "agent.log").open("w")
        agent = None
        try:
            runedge.start()
            nginx.start()
            agent = subprocess.Popen(
                [sys.executable, "manage.py", "edge_agent", "--node", str(nginx_node.pk),
                 f"--secret={nginx_node.secret}", "--control-url", live_server.url,
                 "--stub-status", f"{nginx_node.base_url}/_edge/stub_status",
                 "--access-log", str(nginx.prefix / "logs" / "access.log"),
                 "--cache-dir", str(nginx.prefix / "cache"), "--interval", str(INTERVAL), "--no-push-fill"],
                cwd=ROOT, env={**os.environ, "EDGE_SIGNING_KEYS": KEYS_RAW, "PYTHONUNBUFFERED": "1"},
                stdout=agent_log, stderr=subprocess.STDOUT)

            def both_keep_lists():
                for node in (run_node, nginx_node):
                    node.refresh_from_db()
                # (getattr: this test also runs against code without revocation, to show what it fixes)
                return all(n.is_fresh() and getattr(n, "revocations_applied_at", True) is not None
                           for n in (run_node, nginx_node))
            wait_until(both_keep_lists, timeout=30, what="both edges to report their revocation lists")
            places = {"runedge": run_node.base_url, "nginx": nginx_node.base_url,
                      "origin path": f"{live_server.url}/edge/origin"}
            yield {"base": live_server.url, "video": video, "user": user, "profile": profile, "places": places,
                   "nodes": (run_node, nginx_node), "tmp": tmp_path}
        finally:
            if agent is not None:
                agent.terminate()
                agent.wait(10)
            nginx.stop()
            runedge.stop()


class Device:
    def __init__(self, base: str, username: str, name: str):
        self.base, self.username, self.name = base, username, name
        self.access = ""

    def sign_in(self) -> None:
        status, body = api(self.base, "POST", "/api/v1/auth/sign-in/",
                           {"username": self.username, "password": PASSWORD, "device_name": self.name})
        assert status == 200, body
        self.access = body["access_token"]

    def call(self, method: str, path: str, body: dict | None = None):
        return api(self.base, method, path, body, token=self.access)


def test_five_devices_on_one_screen_never_stream_two_tokens_and_revocation_reaches_every_edge(delivery, capsys):
    d = delivery
    video, profile, places = d["video"], d["profile"], d["places"]
    devices = [Device(d["base"], d["user"].get_username(), f"device-{i}") for i in range(5)]
    for device in devices:
        device.sign_in()
    issued: list[Issued] = []
    prober = Prober(places, video.public_id, issued)
    prober.start()
    waits, lines = [], []
    try:
        for step, mode in enumerate(MODES):
            device = devices[step % len(devices)]
            if not device.access:
                device.sign_in()
            asked = time.time()
            refusals = 0
            while True:  # as an app would: retry while the last screen is being released
                status, body = device.call("POST", "/api/v1/playback/",
                                           {"profile": profile.pk, "video": str(video.public_id)})
                if status == 201:
                    break
                assert status == 409 and body["code"] == "too_many_screens", (status, body)
                refusals += 1
                assert time.time() - asked < 60, "the screen was never released"
                time.sleep(0.3)
            waits.append(time.time() - asked)
            token = body["master_url"].split("/play/t/", 1)[1].split("/", 1)[0]
            item = Issued(device=device.name, session_id=body["id"], token=token, mode=mode, started=asked)
            with prober.lock:
                issued.append(item)
            # It plays everywhere (the prober sees it too).
            for place, base in places.items():
                assert http_get(prober.url(base, token), {"Range": "bytes=0-99"})[0] == 206, place
            beat_until = time.time() + KEEP
            while time.time() < beat_until:
                status, _ = device.call("POST", f"/api/v1/playback/{item.session_id}/heartbeat/",
                                        {"position": 1.0, "state": "playing"})
                assert status == 200
                time.sleep(0.5)
            # The revocation's moment: when the device asks (for "quiet": when the screen is lost).
            if mode == "stop":
                item.ended = time.time()
                assert device.call("POST", f"/api/v1/playback/{item.session_id}/stop/", {})[0] == 204
            elif mode == "sign-out":
                item.ended = time.time()
                assert device.call("POST", "/api/v1/auth/sign-out/")[0] in (200, 204)
                device.access = ""
            else:  # quiet: no more heartbeats; the screen is lost SESSION_TTL after the last one
                last = PlaybackSession.objects.get(pk=item.session_id).last_heartbeat_at
                item.ended = last.timestamp() + SESSION_TTL
            lines.append(f"REVOKE step {step} {device.name:9} {mode:8} start waited {waits[-1]:4.1f} s "
                         f"({refusals} refusals: screen being released)")
        # Every token refused everywhere (the prober goes on until then, or a minute).
        deadline = time.time() + 60
        while time.time() < deadline and not all(len(t.first_refused) == len(places) for t in issued):
            time.sleep(0.2)
    finally:
        prober.stop_event.set()
        prober.join(30)
    def delay(item: Issued, place: str) -> str:
        return f"{item.first_refused[place] - item.ended:+.2f} s" if place in item.first_refused else "never"

    delays = {place: [t.first_refused[place] - t.ended for t in issued if place in t.first_refused]
              for place in places}
    with capsys.disabled():
        print()
        print("\n".join(lines))
        for item in issued:
            print(f"REVOKE {item.device:9} {item.mode:8} refused after "
                  + ", ".join(f"{place} {delay(item, place)}" for place in places))
        for place, values in delays.items():
            if values:
                print(f"REVOKE delay {place:11}: min {min(values):+.2f} s, median {statistics.median(values):+.2f} "
                      f"s, max {max(values):+.2f} s over {len(values)} revocations "
                      f"(edge heartbeat every {INTERVAL:g} s)")
        print(f"REVOKE start waits: median {statistics.median(waits):.1f} s, max {max(waits):.1f} s "
              f"(session TTL {SESSION_TTL} s, overlap {OVERLAP:g} s); {prober.rounds} probing rounds, "
              f"{len(issued)} tokens, at most {prober.most_streaming} streaming in one round, "
              f"{len(prober.violations)} rounds or answers wrong")
    assert not prober.violations, "\n".join(prober.violations[:20])
    for item in issued:  # a last look: every token refused everywhere
        for place, base in places.items():
            assert http_get(prober.url(base, item.token))[0] == 403, (item.device, item.mode, place)
    # The origin path has the database: at once (the prober's resolution aside).
    assert max(delays["origin path"]) < 1.5
    # An edge learns with its next heartbeat: one interval, plus the answer and the prober's round.
    for place in ("runedge", "nginx"):
        assert max(delays[place]) < INTERVAL * 2 + 1.5, (place, delays[place])
    # The quiet sessions lost them for good: their heartbeats are refused now.
    for quiet in (t for t in issued if t.mode == "quiet"):
        owner = next(device for device in devices if device.name == quiet.device)
        if owner.access:
            status, body = owner.call("POST", f"/api/v1/playback/{quiet.session_id}/heartbeat/", {"position": 2})
            assert status == 409 and body["code"] == "session_ended", body
