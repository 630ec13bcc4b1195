"""Tier 1 (zone) and tier 2 (node) choice, round robin (in one process and
across processes sharing Redis), and locating the client."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter

import pytest
from django.test import RequestFactory

from edge.locate import client_country, client_ip, country_latlon
from edge.models import EdgeNode
from edge.selectors import ORIGIN_PATHWAY_ID, pathway_priority, pathways_for, playback_route
from edge.services import client_network_create
from tests.conftest import ROOT
from tests.factories import node_beat, node_make, zone_make
from tests.fixtures.workers import database_url_for_subprocess

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_zones():
    return {code: node_beat(node_make(code)) for code in ("mumbai", "frankfurt", "virginia")}


def ids(pathways):
    return [p.id for p in pathways]


def test_nearest_zone_first_then_next_nearest_then_origin(three_zones):
    assert ids(pathways_for(country="IN", client_ip=None)) == ["mumbai-1", "frankfurt-1", "virginia-1", "origin"]
    assert ids(pathways_for(country="US", client_ip=None)) == ["virginia-1", "frankfurt-1", "mumbai-1", "origin"]
    assert ids(pathways_for(country="FR", client_ip=None))[0] == "frankfurt-1"
    origin = pathways_for(country="IN", client_ip=None)[-1]
    assert origin.node_id is None and origin.base_url.endswith("/edge/origin")


def test_unhealthy_zone_is_skipped(three_zones, settings):
    node_beat(three_zones["mumbai"], age_seconds=settings.EDGE_HEARTBEAT_TTL + 5)
    assert ids(pathways_for(country="IN", client_ip=None)) == ["frankfurt-1", "virginia-1", "origin"]


def test_disabled_node_takes_no_traffic(three_zones):
    three_zones["mumbai"].enabled = False
    three_zones["mumbai"].save()
    assert "mumbai-1" not in ids(pathways_for(country="IN", client_ip=None))


def test_overloaded_zone_is_avoided_but_kept_behind_the_others(three_zones):
    node_beat(three_zones["mumbai"], active=95)  # capacity 100, threshold 0.8
    assert ids(pathways_for(country="IN", client_ip=None)) == ["frankfurt-1", "virginia-1", "mumbai-1", "origin"]


def test_overloaded_node_inside_a_healthy_zone_is_skipped():
    busy = node_beat(node_make("mumbai", 1), active=90)
    idle = node_beat(node_make("mumbai", 2))
    node_beat(node_make("mumbai", 3), active=10)  # zone load 100/300: fine
    chosen = {pathways_for(country="IN", client_ip=None)[0].id for _ in range(6)}
    assert busy.name not in chosen and idle.name in chosen


def test_all_edges_down_leaves_the_origin_only(three_zones, settings):
    for node in three_zones.values():
        node_beat(node, age_seconds=settings.EDGE_HEARTBEAT_TTL + 1)
    assert ids(pathways_for(country="IN", client_ip=None)) == [ORIGIN_PATHWAY_ID]


def test_a_node_silent_past_the_ttl_takes_no_new_traffic(settings):
    silent = node_beat(node_make("mumbai", 1), age_seconds=settings.EDGE_HEARTBEAT_TTL + 1)
    alive = node_beat(node_make("mumbai", 2), age_seconds=settings.EDGE_HEARTBEAT_TTL - 5)
    assert silent.health() == EdgeNode.Health.STALE
    chosen = {pathways_for(country="IN", client_ip=None)[0].id for _ in range(4)}
    assert chosen == {alive.name}


def test_round_robin_is_exactly_even_in_one_process():
    nodes = [node_beat(node_make("mumbai", i)) for i in range(1, 4)]
    picks = Counter(pathways_for(country="IN", client_ip=None)[0].id for _ in range(300))
    assert picks == {n.name: 100 for n in nodes}


def test_client_network_maps_a_prefix_to_its_zone(three_zones):
    client_network_create(cidr="203.0.113.0/24", zone=zone_make("frankfurt"), note="ISP embedding Frankfurt")
    client_network_create(cidr="203.0.0.0/16", country="US")
    # Same country, but the ISP's prefix says Frankfurt: the most specific wins.
    assert pathways_for(country="IN", client_ip="203.0.113.9")[0].id == "frankfurt-1"
    assert pathways_for(country="IN", client_ip="198.51.100.1")[0].id == "mumbai-1"


def test_locate_order_header_override_network_default(settings):
    rf = RequestFactory()
    client_network_create(cidr="192.0.2.0/24", country="IN")
    settings.GEO_COUNTRY_HEADER = "CloudFront-Viewer-Country"
    assert client_country(rf.get("/", HTTP_CLOUDFRONT_VIEWER_COUNTRY="de", REMOTE_ADDR="192.0.2.4")) == "DE"
    settings.GEO_COUNTRY_HEADER = ""
    assert client_country(rf.get("/", REMOTE_ADDR="192.0.2.4")) == "IN"
    assert client_country(rf.get("/", REMOTE_ADDR="198.51.100.4")) == settings.DEFAULT_COUNTRY
    settings.DEBUG = True
    assert client_country(rf.get("/?country=us", REMOTE_ADDR="192.0.2.4")) == "US"
    settings.DEBUG = False
    assert client_country(rf.get("/?country=us", REMOTE_ADDR="198.51.100.4")) == settings.DEFAULT_COUNTRY


def test_client_ip_trusts_a_header_only_when_configured(settings):
    rf = RequestFactory()
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_REAL_IP="192.0.2.7")
    assert client_ip(request) == "10.0.0.1"
    settings.EDGE_CLIENT_IP_HEADER = "X-Real-IP"
    assert client_ip(request) == "192.0.2.7"


def test_country_coordinates_for_zoneless_countries():
    lat, lon = country_latlon("in")
    assert 8 < lat < 35 and 68 < lon < 97
    assert country_latlon("XX") is None


def test_steering_priority_reorders_by_current_health(three_zones, settings):
    session = ["mumbai-1", "frankfurt-1", "origin"]
    assert pathway_priority(pathway_ids=session, country="IN", client_ip=None) == session
    node_beat(three_zones["mumbai"], age_seconds=settings.EDGE_HEARTBEAT_TTL + 1)
    assert pathway_priority(pathway_ids=session, country="IN", client_ip=None) == [
        "frankfurt-1", "origin", "mumbai-1"]


def test_with_every_zone_healthy_a_viewer_is_served_from_its_own_zone(three_zones):
    client_network_create(cidr="203.0.113.0/24", zone=zone_make("frankfurt"))
    for country, client, zone in [("IN", None, "mumbai"), ("DE", None, "frankfurt"), ("US", None, "virginia"),
                                  ("FR", None, "frankfurt"), ("IN", "203.0.113.5", "frankfurt")]:
        route = playback_route(country=country, client_ip=client)
        assert route.viewer_zone == zone == route.pathways[0].zone_code, (country, client)


def test_a_viewer_sent_elsewhere_keeps_its_zone_so_its_bytes_count_as_cross_zone(three_zones, settings):
    node_beat(three_zones["mumbai"], age_seconds=settings.EDGE_HEARTBEAT_TTL + 1)
    route = playback_route(country="IN", client_ip=None)
    assert (route.viewer_zone, route.pathways[0].zone_code) == ("mumbai", "frankfurt")
    three_zones["mumbai"].enabled = False
    three_zones["mumbai"].save()
    # A zone with no enabled node is no one's zone.
    assert playback_route(country="IN", client_ip=None).viewer_zone == "frankfurt"
# --- round robin across processes: two Django processes sharing the Redis cache
# advance one counter, so new sessions spread exactly evenly over a zone's nodes
# whichever web process serves them.
SCRIPT = """
import json, os, sys
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "streaming.settings")
django.setup()
from edge.selectors import pathways_for
sys.stdin.readline()  # start together, so the two processes interleave
print(json.dumps([pathways_for(country="IN", client_ip=None)[0].id for _ in range(int(sys.argv[1]))]))
"""


@pytest.mark.real_cache
@pytest.mark.slow
def test_round_robin_is_exactly_even_across_two_processes_sharing_redis(transactional_db, settings):
    nodes = [node_beat(node_make("mumbai", i)) for i in range(1, 4)]
    env = {**os.environ, "DATABASE_URL": database_url_for_subprocess(), "CACHE_URL": settings.CACHE_URL}
    processes = [
        subprocess.Popen([sys.executable, "-c", SCRIPT, "150"], cwd=ROOT, env=env, text=True,
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for _ in range(2)
    ]
    for process in processes:
        process.stdin.write("go\n")
        process.stdin.flush()
    picks: Counter = Counter()
    per_process = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        chosen = json.loads(out.strip().splitlines()[-1])
        per_process.append(Counter(chosen))
        picks.update(chosen)
    assert picks == {node.name: 100 for node in nodes}
    # both processes really took part
    assert all(sum(c.values()) == 150 for c in per_process)
