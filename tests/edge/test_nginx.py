"""The production edge: the generated nginx config, run by real nginx with
njs, checks tokens with the same keys, caches, and answers ranges; the agent
beside it reports to the control plane."""
from __future__ import annotations

import gzip
import os
import subprocess
import uuid
from pathlib import Path

import pytest
from django.core.management import call_command

from edge.models import EdgeNode
from edge.nginx import JS_MODULE
from edge.signing import token_issue, video_path_prefix
from tests.conftest import free_port
from tests.edge.servers import FETCHES, ThreadedApp, counting_origin_app, http_get, http_get_or_none, wait_until
from tests.factories import node_make

NGINX = "/usr/sbin/nginx"
KEYS_RAW = "n2:nginx-test-secret-0123456789,n1:older-nginx-secret-0123456789"

pytestmark = [
    pytest.mark.skipif(not os.path.exists(NGINX), reason=f"nginx is not installed ({NGINX}): apt-get install nginx"),
    pytest.mark.skipif(not os.path.exists(JS_MODULE),
                       reason=f"njs is not installed ({JS_MODULE}): apt-get install libnginx-mod-http-js"),
]


@pytest.fixture
def nginx_edge(tmp_path, settings, transactional_db):
    settings.EDGE_SIGNING_KEYS_RAW = KEYS_RAW
    video = uuid.uuid4()
    root = tmp_path / "origin"
    folder = root / "hls" / str(video) / "v720"
    folder.mkdir(parents=True)
    segment = os.urandom(300_000)
    (folder / "seg_00001.m4s").write_bytes(segment)
    (folder / "index.m3u8").write_bytes(b"#EXTM3U\n" + b"#EXTINF:6.0,\nseg_00001.m4s\n" * 100)
    (root / "hls" / str(video) / "v1080").mkdir()
    (root / "hls" / str(video) / "v1080" / "seg_00001.m4s").write_bytes(b"hd")
    port = free_port()
    node = node_make("frankfurt", port=port)
    prefix = tmp_path / "nginx"
    with ThreadedApp(counting_origin_app(root)) as origin:
        args = ["--node", str(node.pk), "--origin", origin.url, "--prefix", str(prefix),
                "--cache-max-bytes", "64M"]
        if os.geteuid() == 0:
            args += ["--user", "root"]  # workers must write the test's private cache folder
        call_command("edge_nginx_conf", *args)
        conf = prefix / "conf" / "nginx.conf"
        assert oct((prefix / "conf" / "edge_token.js").stat().st_mode)[-3:] == "600"
        check = subprocess.run([NGINX, "-t", "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "logs/error.log")],
                               capture_output=True, text=True)
        assert check.returncode == 0, check.stderr
        process = subprocess.Popen([NGINX, "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "logs/error.log"),
                                    "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until(lambda: http_get_or_none(base + "/healthz"), what="nginx to listen")
            yield {"base": base, "video": video, "segment": segment, "origin": origin, "node": node,
                   "prefix": prefix}
        finally:
            process.terminate()
            process.wait(10)


def edge_url(edge, rest, **claims):
    token = token_issue(session_id="s", path_prefix=video_path_prefix(edge["video"]), **claims)
    return f"{edge['base']}/t/{token}/hls/{edge['video']}/{rest}"


def test_nginx_serves_signed_segments_caches_and_refuses_forgeries(nginx_edge):
    edge = nginx_edge
    url = edge_url(edge, "v720/seg_00001.m4s", max_height=720)
    status, headers, body = http_get(url)
    assert (status, headers["X-Cache-Status"], body) == (200, "MISS", edge["segment"])
    assert headers["Content-Type"] == "video/iso.segment" and headers["X-Edge-Node"] == "frankfurt-1"
    assert headers["Access-Control-Allow-Origin"] == "*"
    status, headers, body = http_get(url)
    assert (status, headers["X-Cache-Status"], body) == (200, "HIT", edge["segment"])
    assert edge["origin"].app[FETCHES][f"hls/{edge['video']}/v720/seg_00001.m4s"] == 1
    # Range through the slice cache
    status, headers, body = http_get(url, {"Range": "bytes=1000-1999"})
    assert (status, body) == (206, edge["segment"][1000:2000])
    assert headers["Content-Range"] == "bytes 1000-1999/300000"
    status, headers, _ = http_get(url, {"Range": "bytes=-0"})
    assert status == 416 and headers["Content-Range"] == "bytes */300000", "a zero-byte suffix selects nothing"
    # an older key still verifies (rotation)
    assert http_get(edge_url(edge, "v720/seg_00001.m4s", key_id="n1"))[0] == 200
    # refusals, decided by njs with our keys
    token = url.split("/t/")[1].split("/")[0]
    forged = url.replace(token, token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB"))
    status, _, body = http_get(forged)
    assert status == 403 and b"forged" in body
    assert http_get(edge_url(edge, "v720/seg_00001.m4s", expires_at=1))[0] == 403
    assert http_get(edge_url(edge, "v1080/seg_00001.m4s", max_height=720))[0] == 403
    other = token_issue(session_id="s", path_prefix=video_path_prefix(uuid.uuid4()))
    assert http_get(url.replace(token, other))[0] == 403
    assert edge["origin"].app[FETCHES][f"hls/{edge['video']}/v1080/seg_00001.m4s"] == 0


def test_nginx_gzips_playlists_and_the_agent_reports(nginx_edge, live_server):
    edge = nginx_edge
    url = edge_url(edge, "v720/index.m3u8")
    status, headers, body = http_get(url, {"Accept-Encoding": "gzip"})
    assert status == 200 and headers["Content-Type"] == "application/vnd.apple.mpegurl"
    assert headers["Content-Encoding"] == "gzip" and gzip.decompress(body).startswith(b"#EXTM3U")
    http_get(url)  # a HIT
    node: EdgeNode = edge["node"]
    prefix: Path = edge["prefix"]
    wait_until(lambda: (prefix / "logs" / "access.log").stat().st_size > 0, what="the access log")
    call_command("edge_agent", "--node", str(node.pk), f"--secret={node.secret}", "--control-url", live_server.url,
                 "--stub-status", f"{edge['base']}/_edge/stub_status", "--access-log",
                 str(prefix / "logs" / "access.log"), "--cache-dir", str(prefix / "cache"),
                 "--cache-max-bytes", "64M", "--once")
    node.refresh_from_db()
    assert node.health() == EdgeNode.Health.HEALTHY
    assert node.hit_ratio == 0.5 and node.cache_bytes > 0 and node.cache_max_bytes == 64 * 1024 * 1024
