"""The demo hook: three zones and nodes, and their runedge processes."""
from __future__ import annotations

import pytest

from edge.demo import demo_edges_start, demo_edges_stop
from edge.models import EdgeNode, Zone
from edge.services import demo_edges_ensure
from tests.edge.servers import http_get


def test_demo_edges_ensure_is_idempotent(db):
    first = demo_edges_ensure()
    second = demo_edges_ensure()
    assert [n.pk for n in first] == [n.pk for n in second]
    assert sorted(Zone.objects.values_list("country", flat=True)) == ["DE", "IN", "US"]
    assert [n.base_url for n in first] == [f"http://127.0.0.1:{p}" for p in (8101, 8102, 8103)]


@pytest.mark.slow
def test_demo_edges_start_and_heartbeat(live_server, transactional_db):
    import socket

    for port in (8101, 8102, 8103):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                pytest.skip(f"port {port} is taken (a demo running?)")
    processes = demo_edges_start(control_url=live_server.url)
    try:
        for node in EdgeNode.objects.all():
            assert http_get(node.base_url + "/healthz")[0] == 200
        from tests.edge.servers import wait_until

        wait_until(lambda: EdgeNode.objects.filter(last_heartbeat_at__isnull=False).count() == 3,
                   what="three heartbeats")
    finally:
        demo_edges_stop(processes)
