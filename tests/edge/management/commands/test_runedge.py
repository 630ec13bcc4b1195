"""manage.py runedge as a real process: it prints where it serves, serves
signed segments, and its heartbeats reach the control plane over HTTP."""
from __future__ import annotations

import os
import subprocess
import sys
import uuid

import pytest

from edge.models import EdgeNode
from edge.selectors import pathways_for
from edge.signing import token_issue, video_path_prefix
from tests.conftest import ROOT, free_port
from tests.edge.servers import http_get, http_get_or_none, wait_until
from tests.factories import node_make

KEYS_RAW = "r1:runedge-test-secret-0123456789"


@pytest.mark.slow
def test_runedge_serves_and_heartbeats(live_server, tmp_path, settings):
    settings.EDGE_SIGNING_KEYS_RAW = KEYS_RAW
    video = uuid.uuid4()
    folder = tmp_path / "media" / "hls" / str(video) / "v360"
    folder.mkdir(parents=True)
    (folder / "seg_00001.m4s").write_bytes(b"segment-bytes" * 100)
    port = free_port()
    node = node_make("mumbai", port=port)
    assert pathways_for(country="IN", client_ip=None)[0].id == "origin"  # never reported yet
    env = {**os.environ, "EDGE_SIGNING_KEYS": KEYS_RAW, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "manage.py", "runedge", "--port", str(port), "--node", str(node.pk),
         f"--secret={node.secret}", "--name", node.name, "--origin", str(tmp_path / "media"),
         "--cache-dir", str(tmp_path / "cache"), "--cache-max-bytes", "8M",
         "--control-url", live_server.url, "--heartbeat-interval", "0.3"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        line = process.stdout.readline()
        assert f"Edge mumbai-1 serving http://127.0.0.1:{port}" in line, line
        token = token_issue(session_id="s", path_prefix=video_path_prefix(video))
        target = f"http://127.0.0.1:{port}/t/{token}/hls/{video}/v360/seg_00001.m4s"
        status, headers, body = wait_until(lambda: (r := http_get_or_none(target)) and r[0] == 200 and r, what="edge answer")
        assert body == b"segment-bytes" * 100 and headers["X-Cache-Status"] == "MISS"
        assert http_get(target)[1]["X-Cache-Status"] == "HIT"

        def reported():
            node.refresh_from_db()
            return node.hit_ratio == 0.5 and node.cache_bytes == 1300 and node
        wait_until(reported, what="a heartbeat carrying the cache figures")
        assert node.health() == EdgeNode.Health.HEALTHY and node.cache_max_bytes == 8 * 1024 * 1024
        assert pathways_for(country="IN", client_ip=None)[0].id == "mumbai-1"
    finally:
        process.terminate()
        process.wait(10)
