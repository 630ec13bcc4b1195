"""Push fill end to end: playback sessions make titles popular in a zone,
`manage.py edge_fill` plans what each node owns, a real runedge fetches its
plan (signed), pulls it from an HTTP origin inside its window at the rate
cap, reports progress, and picks the plan up again after a restart."""
from __future__ import annotations

import io
import os
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from catalog.models import Title, Video
from edge import rendezvous
from edge.heartbeat import FILL_PLAN_PATH, signed_get_headers
from edge.models import FillPlan
from edge.popularity import popularity_by_zone
from edge.services import fill_plans_build
from streaming.core import storage
from streaming.subscribers.models import PlaybackSession
from tests.conftest import free_port
from tests.edge.servers import FETCH_LOG, FETCHES, Runedge, ThreadedApp, counting_origin_app, wait_until
from tests.factories import node_beat, node_make, subscriber_make

KEYS_RAW = "f1:push-fill-test-secret-0123456789"
SEGMENT = 50_000


def title_with_ladder(origin: Path | None, name: str, segments: int) -> Video:
    """A ready title with one rendition in this test's storage (local folder
    or S3 bucket: the fill planner lists it there) and, when ``origin`` is
    given, the same files in that folder for an HTTP origin to serve."""
    title = Title.objects.create(name=name, slug=f"{name.lower()}-{uuid.uuid4().hex[:6]}")
    video = Video.objects.create(title=title, status=Video.Status.READY, source="sources/x.mp4")
    files = {"index.m3u8": b"#EXTM3U\n", **{f"seg_{i:05d}.m4s": os.urandom(SEGMENT) for i in range(segments)}}
    for name_, data in files.items():
        key = f"hls/{video.public_id}/v720/{name_}"
        storage.put_bytes(key, data)
        if origin is not None:
            (origin / key).parent.mkdir(parents=True, exist_ok=True)
            (origin / key).write_bytes(data)
    return video


def plays(video: Video, *, zone: str, count: int, days_ago: float = 0) -> None:
    user, profile = subscriber_make()
    now = timezone.now()
    for n in range(count):
        session = PlaybackSession.objects.create(
            user=user, profile=profile, video=video, device=f"d{n}", max_height=1080, country="IN",
            viewer_zone=zone, zone_code=zone, last_heartbeat_at=now, expires_at=now + timedelta(hours=1))
        if days_ago:
            PlaybackSession.objects.filter(pk=session.pk).update(started_at=now - timedelta(days=days_ago))


@pytest.mark.django_db
def test_popularity_per_zone_comes_from_playback_sessions(settings):
    hit, niche, old = (title_with_ladder(None, n, 1) for n in ("Hit", "Niche", "Old"))
    plays(hit, zone="mumbai", count=3)
    plays(niche, zone="mumbai", count=1)
    plays(niche, zone="frankfurt", count=2)
    plays(old, zone="mumbai", count=9, days_ago=settings.EDGE_FILL_POPULARITY_DAYS + 1)
    popularity = popularity_by_zone()
    assert [(t.video_public_id, t.plays) for t in popularity["mumbai"]] == [(hit.public_id, 3), (niche.public_id, 1)]
    assert [t.plays for t in popularity["frankfurt"]] == [2]


@pytest.mark.django_db
def test_plans_split_a_zones_titles_over_its_nodes_within_their_budgets(settings):
    big, small = title_with_ladder(None, "Big", 12), title_with_ladder(None, "Small", 4)
    plays(big, zone="mumbai", count=5)
    plays(small, zone="mumbai", count=2)
    plays(big, zone="frankfurt", count=3)
    plays(small, zone="frankfurt", count=1)
    nodes = [node_beat(node_make("mumbai", i)) for i in (1, 2, 3)]
    lone = node_beat(node_make("frankfurt"))
    for node, cache in [*((n, 40 * SEGMENT) for n in nodes), (lone, 8 * SEGMENT)]:
        node.cache_max_bytes = cache
        node.save()
    fill_plans_build()
    plans = {p.node.name: p for p in FillPlan.objects.select_related("node")}
    assert set(plans) == {"mumbai-1", "mumbai-2", "mumbai-3", "frankfurt-1"}
    # Mumbai: every object of both titles, each on one node (its owner), most popular first.
    keys = [key for name, plan in plans.items() if name.startswith("mumbai") for key, _ in plan.keys]
    assert len(keys) == len(set(keys)), "each object goes to one node, its owner"
    everything = {f"hls/{v.public_id}/v720/{f}" for v in (big, small)
                  for f in ["index.m3u8", *(f"seg_{i:05d}.m4s" for i in range(12 if v == big else 4))]}
    assert set(keys) == everything
    names = sorted(n.name for n in nodes)
    for name, plan in plans.items():
        assert plan.bytes_total <= plan.budget_bytes
        if name.startswith("mumbai"):
            assert all(rendezvous.owner(names, key) == name for key, _ in plan.keys)
            if any(str(big.public_id) in key for key, _ in plan.keys):  # owns a share of it (almost surely)
                assert plan.titles[0]["video"] == str(big.public_id)
    # Frankfurt's one node has room for 6 segments: Big does not fit, the less popular Small does.
    assert [t["video"] for t in plans["frankfurt-1"].titles] == [str(small.public_id)]
    assert plans["frankfurt-1"].objects_total == 5
    assert all(p.version == 1 and p.state == FillPlan.State.PLANNED for p in plans.values())
    fill_plans_build(nodes=[nodes[0]])
    assert FillPlan.objects.get(node=nodes[0]).version == 2 and FillPlan.objects.get(node=nodes[1]).version == 1


@pytest.mark.django_db
def test_the_plan_is_served_to_its_node_only(client, settings):
    node = node_beat(node_make("mumbai"))
    other = node_beat(node_make("mumbai", 2))
    node.cache_max_bytes = 10**9
    node.save()
    video = title_with_ladder(None, "One", 2)
    plays(video, zone="mumbai", count=1)
    fill_plans_build(nodes=[node])
    response = client.get(FILL_PLAN_PATH, headers=signed_get_headers(node_id=node.pk, secret=node.secret,
                                                                      path=FILL_PLAN_PATH))
    assert response.status_code == 200 and response.json()["version"] == 1
    assert {"window", "rate_mbps", "start_now", "objects"} <= set(response.json())
    forged = signed_get_headers(node_id=node.pk, secret=other.secret, path=FILL_PLAN_PATH)
    assert client.get(FILL_PLAN_PATH, headers=forged).status_code == 403
    stale = signed_get_headers(node_id=node.pk, secret=node.secret, path=FILL_PLAN_PATH, timestamp=1)
    assert client.get(FILL_PLAN_PATH, headers=stale).status_code == 403
    assert client.get(FILL_PLAN_PATH, headers=signed_get_headers(node_id=other.pk, secret=other.secret,
                                                                  path=FILL_PLAN_PATH)).status_code == 404


def _closed_window() -> str:
    start = datetime.now(UTC) + timedelta(hours=2)
    end = start + timedelta(hours=1)
    return f"{start:%H:%M}-{end:%H:%M}"


@pytest.mark.slow
def test_runedge_pulls_its_plan_in_the_window_at_the_rate_cap_and_resumes_after_a_restart(
        live_server, tmp_path, settings):
    settings.EDGE_SIGNING_KEYS_RAW = KEYS_RAW
    settings.EDGE_FILL_RATE_MBPS = 2.0  # 250 kB/s: the 16 objects below take about three seconds
    settings.EDGE_FILL_WINDOW = _closed_window()
    media = tmp_path / "origin"
    first, second = title_with_ladder(media, "First", 10), title_with_ladder(media, "Second", 5)
    plays(first, zone="mumbai", count=4)
    plays(second, zone="mumbai", count=1)
    origin = ThreadedApp(counting_origin_app(media)).start()
    node = node_make("mumbai", port=free_port())
    edge = Runedge(node, origin=origin.url, cache_dir=tmp_path / "cache", control_url=live_server.url,
                   keys_raw=KEYS_RAW)
    try:
        edge.start()
        wait_until(lambda: node.refresh_from_db() or node.cache_max_bytes, what="the first heartbeat")
        # Planned, but outside the window: the node waits and nothing moves.
        call_command("edge_fill", stdout=io.StringIO())
        plan = FillPlan.objects.get(node=node)
        assert plan.objects_total == 17 and not plan.start_now
        wait_until(lambda: FillPlan.objects.get(node=node).state == FillPlan.State.WAITING,
                   what="the node to fetch its plan and wait for the window")
        assert sum(origin.app[FETCHES].values()) == 0
        # --now: the window opens for this plan.
        out = io.StringIO()
        call_command("edge_fill", "--now", stdout=out)
        assert "mumbai-1: plan v2, 2 titles, 17 objects" in out.getvalue() and "Mb/s now" in out.getvalue()
        wait_until(lambda: len(origin.app[FETCH_LOG]) >= 6, what="push fill to start")
        edge.kill()  # mid-plan, like a crash
        fetched_before = dict(origin.app[FETCHES])
        assert 6 <= sum(fetched_before.values()) < 17
        edge.start()  # same cache folder: the plan file and the objects are still there
        wait_until(lambda: FillPlan.objects.get(node=node).state == FillPlan.State.DONE, timeout=30,
                   what="the restarted node to finish the plan")
        plan = FillPlan.objects.get(node=node)
        assert (plan.objects_done, plan.bytes_done) == (17, plan.bytes_total)
        # Nothing done before the restart is fetched again; the one object in
        # flight when the process died (if any) is fetched once more.
        again = [key for key, count in origin.app[FETCHES].items() if count > 1]
        assert len(again) <= 1 and max(origin.app[FETCHES].values()) <= 2, again
        assert set(origin.app[FETCHES]) == {key for key, _ in plan.keys}
        # The rate cap: after the first object, bytes over time stay under 2 Mb/s (10% slack
        # for timers), measured at the origin over each run between the restart. The origin
        # stamps a request when its thread gets to it: on a busy machine one request can be
        # stamped late and the next on time, so one more object is allowed for that jitter.
        log = origin.app[FETCH_LOG]
        runs = [log[: sum(fetched_before.values())], log[sum(fetched_before.values()):]]
        for run in runs:
            start_time = run[0][0]
            for when, _, _ in run[1:]:
                sent_after_first = sum(size for t, _, size in run[1:] if t <= when)
                assert sent_after_first * 8 <= 2e6 * (when - start_time) * 1.1 + 2 * 8 * SEGMENT, run
        total_time = log[-1][0] - log[0][0]
        assert total_time > (17 * SEGMENT - 2 * SEGMENT) * 8 / 2e6 * 0.9  # really capped, not just lucky
        # Viewers now hit.
        assert edge.status()["fill"]["state"] == "done"
    finally:
        edge.stop()
        origin.stop()
