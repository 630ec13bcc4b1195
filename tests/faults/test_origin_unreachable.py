"""Fault: origin storage becomes unreachable while an edge (a real `runedge`
process) holds part of a title in its cache.

What viewers see: everything already cached keeps playing from the edge
(200, X-Cache-Status HIT, the same bytes); an object the edge never held gets
a clear answer (502 "The origin did not answer." from an HTTP origin, 404
from a vanished local folder) and nothing wrong is cached: when the origin
comes back, the first request for it is a MISS that returns the right bytes."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from edge.signing import token_issue, video_path_prefix
from tests.conftest import ROOT, free_port
from tests.edge.servers import ThreadedApp, counting_origin_app, http_get, http_get_or_none, wait_until

pytestmark = [pytest.mark.fault, pytest.mark.slow]

KEYS_RAW = "f1:fault-suite-edge-secret-0123456789"
FILES = [f"seg_{i:05d}.m4s" for i in range(1, 7)]
CACHED, UNCACHED = FILES[:3], FILES[3:]


def make_title(root: Path) -> tuple[uuid.UUID, dict[str, bytes]]:
    video = uuid.uuid4()
    folder = root / "hls" / str(video) / "v360"
    folder.mkdir(parents=True)
    content = {}
    for i, name in enumerate(FILES):
        content[name] = bytes([i]) * 50_000 + name.encode()
        (folder / name).write_bytes(content[name])
    return video, content


def start_edge(origin: str, cache_dir: Path, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "EDGE_SIGNING_KEYS": KEYS_RAW, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "manage.py", "runedge", "--port", str(port), "--name", "fault-edge",
         "--origin", origin, "--cache-dir", str(cache_dir), "--cache-max-bytes", "64M", "--control-url", ""],
        cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
    )
    return process, f"http://127.0.0.1:{port}"


@pytest.mark.parametrize("origin_kind", ["http", "local"])
def test_edge_serves_its_cache_while_origin_is_unreachable(settings, tmp_path, origin_kind):
    settings.EDGE_SIGNING_KEYS_RAW = KEYS_RAW
    storage = tmp_path / "storage"
    video, content = make_title(storage)
    origin_server = None
    if origin_kind == "http":
        origin_server = ThreadedApp(counting_origin_app(storage)).start()
        origin_spec = origin_server.url
    else:
        origin_spec = str(storage)
    edge, base = start_edge(origin_spec, tmp_path / "cache", tmp_path / "edge.log")
    token = token_issue(session_id="fault", path_prefix=video_path_prefix(video))

    def url(name: str) -> str:
        return f"{base}/t/{token}/hls/{video}/v360/{name}"

    try:
        wait_until(lambda: (r := http_get_or_none(url(FILES[0]))) and r[0] == 200, timeout=20, what="the edge")
        for name in CACHED:  # fill: MISS (or HIT for the one the readiness probe filled), then HIT
            status, headers, body = http_get(url(name))
            assert status == 200 and body == content[name]
            assert http_get(url(name))[1]["X-Cache-Status"] == "HIT"

        # The origin goes away.
        if origin_server is not None:
            origin_server.stop()
            expected_uncached = (502, b"The origin did not answer.\n")
        else:
            storage.rename(tmp_path / "storage-gone")
            expected_uncached = (404, b"Not found.\n")
        cut_at = time.monotonic()

        for _ in range(3):
            for name in CACHED:
                status, headers, body = http_get(url(name))
                assert (status, headers["X-Cache-Status"], body) == (200, "HIT", content[name]), name
            for name in UNCACHED:
                status, headers, body = http_get(url(name))
                assert (status, body) == expected_uncached, (name, status, body)
                assert "X-Cache-Status" not in headers, "an error answer is never a cache entry"
        served_during_outage = time.monotonic() - cut_at

        # The origin comes back: the first request for each uncached object fills it, correctly.
        if origin_server is not None:
            port = origin_server.port
            origin_server = ThreadedApp(counting_origin_app(storage))
            origin_server.port, origin_server.url = port, f"http://127.0.0.1:{port}"
            origin_server.start()
        else:
            (tmp_path / "storage-gone").rename(storage)
        back_at = time.monotonic()
        status, headers, body = http_get(url(UNCACHED[0]))
        recovery = time.monotonic() - back_at
        assert (status, headers["X-Cache-Status"], body) == (200, "MISS", content[UNCACHED[0]])
        for name in UNCACHED[1:]:
            status, headers, body = http_get(url(name))
            assert (status, headers["X-Cache-Status"], body) == (200, "MISS", content[name])
        for name in FILES:
            assert http_get(url(name))[1]["X-Cache-Status"] == "HIT"
        print(f"\nFAULT origin-unreachable ({origin_kind}): {len(CACHED)} cached objects served as HITs for "
              f"{served_during_outage:.2f} s of outage, {len(UNCACHED)} uncached answered "
              f"{expected_uncached[0]}; first fill {recovery * 1000:.0f} ms after the origin came back")
    finally:
        edge.terminate()
        edge.wait(10)
        if origin_server is not None:
            origin_server.stop()
