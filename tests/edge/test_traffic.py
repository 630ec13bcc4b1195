"""Bytes per viewer zone and CMCD: parsed and counted at the edge, added up
by the control plane from heartbeats, shown per zone and node."""
from __future__ import annotations

import time
import urllib.parse
import uuid

import pytest

from edge.heartbeat import HeartbeatReport, heartbeat_request_build
from edge.models import EdgeTraffic
from edge.selectors.traffic import cross_zone_traffic, edge_qoe_by_node
from edge.services import edge_heartbeat_record
from edge.signing import token_issue, video_path_prefix
from edge.traffic import TrafficCounters, ZoneCounters, cmcd_parse
from tests.conftest import free_port
from tests.edge.servers import Runedge, http_get, wait_until
from tests.factories import node_make

KEYS_RAW = "c1:cmcd-test-secret-0123456789"


def test_cmcd_parse_v1_text():
    parsed = cmcd_parse('br=3200,bs,d=4004,mtp=25400,ot=v,rtp=15000,sid="6e2f-b550",su,tb=6000,pr=1.5')
    assert parsed == {"br": 3200, "bs": True, "d": 4004, "mtp": 25400, "ot": "v", "rtp": 15000,
                      "sid": "6e2f-b550", "su": True, "tb": 6000, "pr": 1.5}
    assert cmcd_parse(urllib.parse.quote('br=(2000 3000),sid="a,b",su=?0'), encoded=True) == {
        "br": 2000, "sid": "a,b", "su": False}
    assert cmcd_parse("") == {} and cmcd_parse(None) == {}
    assert cmcd_parse("=,,garbage here") == {}


def test_counters_startup_rebuffers_bitrate():
    counters = TrafficCounters()
    t = 1000.0
    for at, cmcd in [(0, {"sid": "a", "su": True, "ot": "m"}), (100, {"sid": "a", "su": True, "ot": "i"}),
                     (200, {"sid": "a", "su": True, "ot": "v", "br": 2000, "d": 6000}),
                     (900, {"sid": "a", "ot": "v", "br": 4000, "d": 6000, "mtp": 10000}),
                     (1500, {"sid": "a", "ot": "v", "br": 4000, "d": 6000, "bs": True, "su": True}),
                     (1600, {"sid": "b", "ot": "v", "br": 1000, "d": 2000})]:  # joined mid-way: no startup
        counters.observe(zone="mumbai", nbytes=100, cmcd=cmcd, at_ms=t + at)
    counters.observe(zone="frankfurt", nbytes=50, cmcd=None, at_ms=t)
    zone = counters.zones["mumbai"]
    assert (zone.bytes, zone.requests, zone.sessions, zone.startups, zone.startup_ms) == (600, 6, 2, 1, 900)
    assert zone.startup_buckets[3] == 1  # the 750-1000 ms bucket
    assert zone.rebuffers == 1 and zone.video_ms == 20000
    assert zone.bitrate_kbps_ms == 2000 * 6000 + 4000 * 12000 + 1000 * 2000
    assert (zone.throughput_kbps, zone.throughput_samples) == (10000, 1)
    assert counters.zones["frankfurt"].bytes == 50
    later = ZoneCounters.from_dict(zone.as_dict())
    later.bytes += 10
    assert later.minus(zone).bytes == 10 and later.minus(zone).requests == 0


@pytest.mark.django_db
def test_heartbeats_add_differences_per_boot_and_ignore_replays():
    node = node_make("mumbai")
    other = {"bytes": 500, "requests": 5}

    def beat(boot, mumbai_bytes, ts):
        report = HeartbeatReport(boot=boot, bytes_served=mumbai_bytes + 500,
                                 traffic={"mumbai": {"bytes": mumbai_bytes, "requests": 1}, "frankfurt": other})
        body, headers = heartbeat_request_build(node_id=node.pk, secret=node.secret, report=report, timestamp=ts)
        return edge_heartbeat_record(node_id=node.pk, timestamp=ts, signature=headers["X-Edge-Signature"], body=body)

    now = int(time.time())
    beat("boot-1", 1000, now - 3)
    beat("boot-1", 1500, now - 2)  # +500 to mumbai, nothing new for frankfurt
    beat("boot-2", 200, now - 1)  # restarted: everything counts
    rows = {r.viewer_zone: r for r in EdgeTraffic.objects.filter(node=node)}
    assert rows["mumbai"].bytes_served == 1700 and rows["frankfurt"].bytes_served == 1000
    assert rows["mumbai"].requests == 2
    zone_row = cross_zone_traffic()[0]
    assert (zone_row.zone, zone_row.bytes_served, zone_row.to_other_zones) == ("mumbai", 2700, 1000)
    qoe = edge_qoe_by_node()[0]
    assert (qoe.node, qoe.cross_zone_bytes) == ("mumbai-1", 1000)


@pytest.mark.slow
def test_runedge_counts_viewer_zones_and_cmcd_into_the_admin(live_server, tmp_path, settings, admin_client):
    settings.EDGE_SIGNING_KEYS_RAW = KEYS_RAW
    video = uuid.uuid4()
    folder = tmp_path / "origin" / "hls" / str(video) / "v720"
    folder.mkdir(parents=True)
    (folder / "index.m3u8").write_bytes(b"#EXTM3U\n")
    for i in range(1, 6):
        (folder / f"seg_{i:05d}.m4s").write_bytes(b"s" * 10_000)
    node = node_make("mumbai", port=free_port())
    node_make("frankfurt", port=free_port())
    edge = Runedge(node, origin=str(tmp_path / "origin"), cache_dir=tmp_path / "cache", control_url=live_server.url,
                   keys_raw=KEYS_RAW).start()
    try:
        local = token_issue(session_id="a", path_prefix=video_path_prefix(video), viewer_zone="mumbai")
        visitor = token_issue(session_id="b", path_prefix=video_path_prefix(video), viewer_zone="frankfurt")

        def get(token, rest, cmcd):
            query = "?CMCD=" + urllib.parse.quote(cmcd)
            status, _, body = http_get(f"{edge.url}/t/{token}/hls/{video}/v720/{rest}{query}")
            assert status == 200
            return len(body)

        get(local, "index.m3u8", 'ot=m,sid="a",su')
        get(local, "seg_00001.m4s", 'br=2000,d=6000,ot=v,sid="a",su')
        time.sleep(0.3)
        get(local, "seg_00002.m4s", 'br=4000,d=6000,ot=v,sid="a",mtp=8000')
        get(local, "seg_00003.m4s", 'br=4000,d=6000,ot=v,sid="a",bs,su')
        get(visitor, "seg_00001.m4s", 'br=2000,d=6000,ot=v,sid="b",su')

        def reported():
            rows = edge_qoe_by_node()
            return rows and rows[0].requests == 5 and rows[0]
        qoe = wait_until(reported, what="the heartbeat carrying the traffic")
        assert qoe.cross_zone_bytes == 10_000 and qoe.bytes_served == 40_008
        assert qoe.startups == 1 and 300 <= qoe.startup_ms < 3000 and qoe.rebuffers == 1
        assert qoe.bitrate_kbps == pytest.approx((2000 + 4000 + 4000 + 2000) / 4)
        page = admin_client.get("/admin/edge/edgetraffic/").content.decode()
        assert "mumbai-1" in page and "frankfurt: 9.8" in page
    finally:
        edge.stop()
