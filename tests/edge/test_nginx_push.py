"""Push fill on an nginx edge: edge_agent (a real process) fetches the
node's plan, asks its nginx for each planned object inside the window at
the rate cap, reports progress, and goes on where it stopped after a
restart; nginx fills each object from origin once."""
from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest
from django.core.management import call_command

from edge.models import FillPlan
from edge.nginx import JS_MODULE
from tests.conftest import free_port
from tests.edge.servers import (
    FETCH_LOG,
    FETCHES,
    NGINX,
    ROOT,
    NginxEdgeProcess,
    ThreadedApp,
    counting_origin_app,
    wait_until,
)
from tests.edge.test_push_fill import SEGMENT, _closed_window, plays, title_with_ladder
from tests.factories import node_make

KEYS_RAW = "a1:agent-push-test-secret-0123456789"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not os.path.exists(NGINX), reason=f"nginx is not installed ({NGINX})"),
    pytest.mark.skipif(not os.path.exists(JS_MODULE), reason=f"njs is not installed ({JS_MODULE})"),
]


def agent_start(edge: NginxEdgeProcess, control_url: str) -> subprocess.Popen:
    node, prefix = edge.node, edge.prefix
    env = {**os.environ, "EDGE_SIGNING_KEYS": KEYS_RAW, "EDGE_NODE_SECRET": node.secret, "PYTHONUNBUFFERED": "1"}
    log = (prefix / "logs" / "agent.log").open("a")
    return subprocess.Popen(
        [sys.executable, "manage.py", "edge_agent", "--node", str(node.pk), "--control-url", control_url,
         "--stub-status", f"{edge.url}/_edge/stub_status", "--access-log", str(prefix / "logs" / "access.log"),
         "--fill-log", str(prefix / "logs" / "fill.log"), "--cache-dir", str(prefix / "cache"),
         "--cache-max-bytes", "64M", "--interval", "0.5"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def test_the_agent_pulls_the_plan_through_nginx_in_the_window_at_the_cap_and_resumes(live_server, tmp_path,
                                                                                    settings):
    settings.EDGE_SIGNING_KEYS_RAW = KEYS_RAW
    settings.EDGE_FILL_RATE_MBPS = 2.0
    settings.EDGE_FILL_WINDOW = _closed_window()
    media = tmp_path / "origin"
    title = title_with_ladder(media, "Pushed", 12)
    plays(title, zone="frankfurt", count=2)
    node = node_make("frankfurt", port=free_port())
    agent = None
    with ThreadedApp(counting_origin_app(media)) as origin:
        edge = NginxEdgeProcess(node, origin_url=origin.url, prefix=tmp_path / "ng").start()
        try:
            agent = agent_start(edge, live_server.url)
            wait_until(lambda: node.refresh_from_db() or node.cache_max_bytes, what="the agent's first heartbeat")
            call_command("edge_fill", stdout=io.StringIO())
            wait_until(lambda: FillPlan.objects.get(node=node).state == FillPlan.State.WAITING,
                       what="the agent to fetch the plan and wait for its window")
            assert not origin.app[FETCH_LOG]
            call_command("edge_fill", "--now", stdout=io.StringIO())
            plan = FillPlan.objects.get(node=node)
            assert plan.objects_total == 13
            wait_until(lambda: len(origin.app[FETCH_LOG]) >= 5, what="push fill to start")
            agent.kill()
            agent.wait(10)
            before = len(origin.app[FETCH_LOG])
            agent = agent_start(edge, live_server.url)
            wait_until(lambda: FillPlan.objects.get(node=node).state == FillPlan.State.DONE, timeout=30,
                       what="the restarted agent to finish the plan")
            plan = FillPlan.objects.get(node=node)
            assert (plan.objects_done, plan.bytes_done) == (13, plan.bytes_total)
            assert set(origin.app[FETCHES]) == {key for key, _ in plan.keys}
            assert max(origin.app[FETCHES].values()) == 1, "nginx filled each object once"
            # The restarted agent went on from where it stopped, not from the top.
            pushed = [line for line in (edge.prefix / "logs" / "access.log").read_text().splitlines()
                      if " push " in line]
            assert 13 <= len(pushed) <= 14, pushed
            log = origin.app[FETCH_LOG]
            for run in (log[:before], log[before:]):
                for when, _, _ in run[1:]:
                    sent = sum(size for t, _, size in run[1:] if t <= when)
                    assert sent * 8 <= 2e6 * (when - run[0][0]) * 1.1 + 8 * SEGMENT
            # Push requests are not viewers: nothing counted for viewer zones.
            node.refresh_from_db()
            assert not node.traffic_last
        finally:
            if agent is not None and agent.poll() is None:
                agent.terminate()
                agent.wait(10)
            edge.stop()
