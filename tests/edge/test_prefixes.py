"""The prefix table against Python's ipaddress: random addresses over a
generated table of 100,000 IPv4 and IPv6 prefixes, nested on purpose, the
longest prefix winning."""
from __future__ import annotations

import ipaddress
import random

import pytest

from edge.prefixes import PrefixTable, address_parse, prefix_parse

PREFIXES = 100_000
ADDRESSES = 3_000


def _random_network(rng: random.Random, version: int, parents: list) -> ipaddress._BaseNetwork:
    if parents and rng.random() < 0.4:
        # A more specific prefix inside one we have: the nesting a BGP table is full of.
        parent = rng.choice(parents)
        if parent.prefixlen < parent.max_prefixlen:
            length = rng.randint(parent.prefixlen + 1, min(parent.max_prefixlen, parent.prefixlen + 16))
            offset = rng.getrandbits(parent.max_prefixlen - parent.prefixlen)
            return ipaddress.ip_network((int(parent.network_address) + offset, length), strict=False)
    if version == 4:
        return ipaddress.IPv4Network((rng.getrandbits(32), rng.randint(8, 32)), strict=False)
    return ipaddress.IPv6Network((rng.getrandbits(128), rng.randint(16, 128)), strict=False)


@pytest.fixture(scope="module")
def generated():
    rng = random.Random(20261127)
    networks: dict[str, int] = {}
    parents = {4: [], 6: []}
    while len(networks) < PREFIXES:
        version = 4 if rng.random() < 0.7 else 6
        network = _random_network(rng, version, parents[version])
        if network.version == 6 and network.subnet_of(ipaddress.ip_network("::ffff:0:0/96")):
            continue  # IPv4-mapped space is looked up as IPv4: keep the reference simple
        text = str(network)
        if text not in networks:
            networks[text] = len(networks)
            parents[version].append(network)
    table: PrefixTable[int] = PrefixTable()
    for text, value in networks.items():
        table.add(text, value)
    return table.freeze(), networks, parents, rng


def _reference(networks: dict[str, int], address) -> str | None:
    for length in range(address.max_prefixlen, -1, -1):
        text = str(ipaddress.ip_network((address, length), strict=False))
        if text in networks:
            return text
    return None


def test_lookups_agree_with_ipaddress_longest_prefix_wins(generated):
    table, networks, parents, rng = generated
    assert len(table) == PREFIXES
    inside = 0
    for n in range(ADDRESSES):
        version = 4 if n % 3 else 6
        if n % 2:
            # An address inside a random prefix (often inside nested ones too).
            network = rng.choice(parents[version])
            address = network.network_address + rng.getrandbits(network.max_prefixlen - network.prefixlen)
        else:
            address = (ipaddress.IPv4Address(rng.getrandbits(32)) if version == 4
                       else ipaddress.IPv6Address(rng.getrandbits(128)))
            if address.version == 6 and address.ipv4_mapped:
                continue
        expected = _reference(networks, address)
        match = table.match(str(address))
        assert (match.cidr if match else None) == expected, str(address)
        if expected is not None:
            assert match.value == networks[expected]
            inside += 1
    assert inside > ADDRESSES // 2  # the comparison covered matches, not only misses


def test_edges_of_prefixes_and_the_whole_space():
    table: PrefixTable[str] = PrefixTable()
    for cidr, value in [("0.0.0.0/0", "all"), ("10.0.0.0/8", "ten"), ("10.1.0.0/16", "ten-one"),
                        ("10.1.2.3/32", "host"), ("255.255.255.255/32", "last"), ("::/0", "v6-all"),
                        ("2001:db8::/32", "doc")]:
        table.add(cidr, value)
    table.freeze()
    cases = {"10.0.0.0": "ten", "10.0.255.255": "ten", "10.1.0.0": "ten-one", "10.1.2.3": "host",
             "10.1.2.4": "ten-one", "10.2.0.0": "ten", "11.0.0.0": "all", "255.255.255.255": "last",
             "255.255.255.254": "all", "2001:db8::1": "doc", "2001:db9::": "v6-all",
             "::ffff:10.1.2.3": "host"}  # IPv4-mapped: looked up as IPv4
    for address, value in cases.items():
        assert table.match(address).value == value, address
    assert table.match("not an address") is None
    assert table.match("10.1.2.3").cidr == "10.1.2.3/32"


def test_parse_is_strict():
    assert prefix_parse("192.0.2.0/24") == (4, 0xC0000200, 24)
    assert prefix_parse("2001:db8::/32")[2] == 32
    for bad in ["192.0.2.1/24", "192.0.2.0/33", "300.0.0.0/8", "192.0.2/24", "2001:db8::/129", "x/8"]:
        with pytest.raises(ValueError):
            prefix_parse(bad)
    assert address_parse("192.0.2.1") == (4, 0xC0000201)
    assert address_parse("::ffff:192.0.2.1") == (4, 0xC0000201)
    assert address_parse("nope") is None
