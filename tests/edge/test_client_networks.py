"""manage.py client_networks_import, and the prefix table every process
keeps: rebuilt when the table's version in the cache changes."""
from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from edge.models import ClientNetwork
from edge.selectors import client_network_match, pathways_for
from edge.services import client_network_create, client_networks_import, zone_update
from tests.edge.servers import wait_until
from tests.factories import node_beat, node_make, zone_make

pytestmark = pytest.mark.django_db

FEED = """prefix,zone,country,note
# a BGP-like feed: prefix -> zone or country
49.36.0.0/14,mumbai,,Jio
49.36.8.0/24,frankfurt,,a more specific announcement
2401:4900::/32,,IN,Airtel v6
203.0.113.0/24,,de,
"""


def run(path, *args):
    out, err = io.StringIO(), io.StringIO()
    call_command("client_networks_import", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_import_a_feed_then_lookups_use_it(tmp_path):
    zone_make("mumbai"), zone_make("frankfurt")
    feed = tmp_path / "feed.csv"
    feed.write_text(FEED)
    out, _ = run(feed)
    assert "Imported 4 client networks from 4 rows" in out
    assert ClientNetwork.objects.get(cidr="203.0.113.0/24").country == "DE"
    assert client_network_match(client_ip="49.36.8.9").zone_code == "frankfurt"
    assert client_network_match(client_ip="49.37.0.1").zone_code == "mumbai"
    match = client_network_match(client_ip="2401:4900:1:2::3")
    assert (match.cidr, match.zone_code, match.country) == ("2401:4900::/32", None, "IN")
    # The zone's country stands in for a row without one.
    assert client_network_match(client_ip="49.37.0.1").country == "IN"


def test_bad_rows_are_named_by_line_and_nothing_is_imported(tmp_path):
    zone_make("mumbai")
    client_network_create(cidr="198.51.100.0/24", country="US")
    feed = tmp_path / "bad.csv"
    feed.write_text("prefix,zone,country\n10.0.0.0/8,mumbai,\n10.0.0.1/8,mumbai,\n10.1.0.0/16,atlantis,\n"
                    "10.2.0.0/16,,XYZ\n10.3.0.0/16,,\nnot-a-prefix,,IN\n10.4.0.0/16,,IN\n")
    with pytest.raises(CommandError, match="5 bad rows; nothing imported"):
        run(feed, "--replace")
    assert list(ClientNetwork.objects.values_list("cidr", flat=True)) == ["198.51.100.0/24"]
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("client_networks_import", str(feed), stderr=err)
    lines = err.getvalue()
    assert "line 3: '10.0.0.1/8' is not a network in CIDR form: host bits are set (the network is 10.0.0.0/8)" in lines
    assert "line 4: no zone with code 'atlantis'" in lines
    assert "line 5: 'XYZ' is not a two-letter" in lines
    assert "line 6: give a zone, a country, or both" in lines
    assert "line 7: 'not-a-prefix'" in lines
    # --skip-invalid keeps the good rows; --replace dropped the old one.
    out, err_text = run(feed, "--replace", "--skip-invalid")
    assert "Imported 2 client networks from 7 rows" in out and "5 bad rows skipped" in out
    assert "line 4" in err_text
    assert sorted(ClientNetwork.objects.values_list("cidr", flat=True)) == ["10.0.0.0/8", "10.4.0.0/16"]


def test_positional_rows_upsert_and_progress(tmp_path):
    zone_make("mumbai")
    client_network_create(cidr="10.0.0.0/8", country="US", note="old")
    feed = tmp_path / "plain.csv"
    feed.write_text("10.0.0.0/8,mumbai,,new\n" + "".join(f"10.{i}.0.0/16,,IN\n" for i in range(1, 30))
                    + "10.0.0.0/8,mumbai,IN,last wins\n")
    out, _ = run(feed, "--progress-every", "10", "--batch-size", "7")
    assert out.count("rows read") == 3
    row = ClientNetwork.objects.get(cidr="10.0.0.0/8")
    assert (row.zone.code, row.country, row.note) == ("mumbai", "IN", "last wins")
    assert ClientNetwork.objects.count() == 30


def test_the_table_is_rebuilt_when_it_changes_and_only_then():
    mumbai = zone_make("mumbai")
    client_network_create(cidr="192.0.2.0/24", zone=mumbai)
    assert client_network_match(client_ip="192.0.2.1").zone_code == "mumbai"
    # A write that bypasses the services does not show: the table is built once...
    ClientNetwork.objects.create(cidr="192.0.2.128/25", country="FR")
    assert client_network_match(client_ip="192.0.2.200").cidr == "192.0.2.0/24"
    # ...until a service changes the table and bumps its version.
    client_network_create(cidr="198.51.100.0/24", country="US")
    assert client_network_match(client_ip="192.0.2.200").cidr == "192.0.2.128/25"
    # Renaming a zone changes what its prefixes say.
    zone_update(zone=mumbai, code="bombay")
    assert client_network_match(client_ip="192.0.2.1").zone_code == "bombay"


def test_steering_uses_the_imported_prefixes():
    for code in ("mumbai", "frankfurt"):
        node_beat(node_make(code))
    client_networks_import(source=io.StringIO("203.0.113.0/24,frankfurt,,\n"))
    assert pathways_for(country="IN", client_ip="203.0.113.7")[0].id == "frankfurt-1"
    assert pathways_for(country="IN", client_ip="203.0.114.7")[0].id == "mumbai-1"


@pytest.mark.django_db(transaction=True)
def test_a_large_table_is_rebuilt_in_the_background_while_the_old_one_answers(monkeypatch):
    from edge.selectors import networks

    monkeypatch.setattr(networks, "BACKGROUND_ROWS", 3)
    client_networks_import(source=io.StringIO("".join(f"10.{i}.0.0/16,,IN\n" for i in range(5))))
    assert client_network_match(client_ip="10.1.2.3").country == "IN"
    client_networks_import(source=io.StringIO("10.1.0.0/16,,FR\n"))
    # The first lookup after the change still answers from the previous table...
    assert client_network_match(client_ip="10.1.2.3").country == "IN"
    # ...and the rebuilt one takes over when it is ready.
    wait_until(lambda: client_network_match(client_ip="10.1.2.3").country == "FR", timeout=10,
               what="the background rebuild")
    networks._rebuilding.join(5)


@pytest.mark.django_db(transaction=True)
def test_web_processes_warm_their_table_at_start():
    from edge.selectors import networks

    client_networks_import(source=io.StringIO("192.0.2.0/24,,IN\n"))
    networks._loaded = None
    networks.client_networks_warm().join(10)
    assert networks._loaded is not None and len(networks._loaded[1]) == 1
