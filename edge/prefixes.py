"""Longest-prefix match over hundreds of thousands of client prefixes, in
pure Python: sorted intervals and a binary search.

Nested prefixes (a /16 with a /24 inside it) are flattened once, at build
time, into disjoint address intervals, each labelled with the most specific
prefix covering it (or none). A lookup is then one ``bisect`` over a
compact array of interval starts: no loop over prefix lengths, no per-node
Python objects. For IPv4 the starts sit in an ``array('I')`` (4 bytes
each), so a million prefixes cost a few tens of megabytes per process; IPv6
starts do not fit a machine word and stay a list of ints.

Why not a binary trie: its lookup walks up to 32 (IPv4) or 128 (IPv6)
Python-level steps, and a million prefixes become millions of node objects.
Why not a dict per prefix length: lookups are fast but the memory is several
times larger. Intervals keep both the lookup (one C-level bisect) and the
memory small; the price is a sort at build time, which is fine for a table
rebuilt only when it changes.

IPv4-mapped IPv6 addresses (``::ffff:192.0.2.1``, what a dual-stack socket
reports for an IPv4 client) are looked up as the IPv4 address they carry.
"""
from __future__ import annotations

import ipaddress
import socket
from array import array
from bisect import bisect_right
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

V = TypeVar("V", bound=Hashable)

_MAPPED_PREFIX = b"\x00" * 10 + b"\xff\xff"
_V4_BITS, _V6_BITS = 32, 128


def _start_array() -> array:
    kind = "I" if array("I").itemsize >= 4 else "L"
    return array(kind)


def prefix_parse(cidr: str) -> tuple[int, int, int]:
    """``"192.0.2.0/24"`` -> (version, first address as an int, prefix length).

    Strict: host bits must be zero, and only the plain textual forms are
    accepted (``inet_pton``), which is also several times faster than
    ``ipaddress.ip_network`` for a million rows. Raises ValueError."""
    address, slash, length_text = cidr.strip().partition("/")
    try:
        if ":" in address:
            version, bits = 6, _V6_BITS
            value = int.from_bytes(socket.inet_pton(socket.AF_INET6, address), "big")
        else:
            version, bits = 4, _V4_BITS
            value = int.from_bytes(socket.inet_pton(socket.AF_INET, address), "big")
    except OSError:
        raise ValueError(f"{address!r} is not an IP address") from None
    if not slash:
        length = bits
    elif length_text.isdigit() and int(length_text) <= bits:
        length = int(length_text)
    else:
        raise ValueError(f"the prefix length must be 0 to {bits}, not {length_text!r}")
    if value & ((1 << (bits - length)) - 1):
        network = ipaddress.ip_network(f"{address}/{length}", strict=False)
        raise ValueError(f"host bits are set (the network is {network})")
    return version, value, length


def address_parse(address: str) -> tuple[int, int] | None:
    """(version, int) of an address, IPv4-mapped IPv6 as IPv4; None if it is not one."""
    try:
        return 4, int.from_bytes(socket.inet_pton(socket.AF_INET, address), "big")
    except (OSError, TypeError):
        pass
    try:
        packed = socket.inet_pton(socket.AF_INET6, address.split("%", 1)[0])
    except (OSError, TypeError, AttributeError):
        return None
    if packed[:12] == _MAPPED_PREFIX:
        return 4, int.from_bytes(packed[12:], "big")
    return 6, int.from_bytes(packed, "big")


@dataclass(frozen=True)
class PrefixMatch(Generic[V]):
    version: int
    network: int  # first address as an int
    length: int
    value: V

    @property
    def cidr(self) -> str:
        if self.version == 4:
            return f"{socket.inet_ntop(socket.AF_INET, self.network.to_bytes(4, 'big'))}/{self.length}"
        return str(ipaddress.IPv6Network((self.network, self.length)))


class _Family:
    """One address family: the prefixes, and the flattened intervals."""

    def __init__(self, version: int):
        self.version = version
        self.bits = _V4_BITS if version == 4 else _V6_BITS
        self.networks: array | list[int] = _start_array() if version == 4 else []
        self.lengths = array("B")
        self.labels = array("I")
        self.bounds: array | list[int] = _start_array() if version == 4 else []
        self.owners = array("i")

    def add(self, network: int, length: int, label: int) -> None:
        self.networks.append(network)
        self.lengths.append(length)
        self.labels.append(label)

    def flatten(self) -> None:
        """Disjoint intervals, each owned by the most specific prefix over it.

        Prefixes sorted by first address, then shorter first, are nested
        like brackets: a stack holds the ones still open. Each start opens an
        interval owned by the new prefix; each end gives the rest back to the
        prefix under it on the stack (or to nobody)."""
        count = len(self.networks)
        index_bits = max(count, 1).bit_length()
        mask = (1 << index_bits) - 1
        networks, lengths = self.networks, self.lengths
        keys = [((networks[i] << 8 | lengths[i]) << index_bits) | i for i in range(count)]
        keys.sort()
        bounds, owners, top = self.bounds, self.owners, (1 << self.bits) - 1
        stack: list[tuple[int, int]] = []  # (last address, prefix index)

        def emit(position: int, owner: int) -> None:
            if position > top:
                return
            if bounds and bounds[-1] == position:
                owners[-1] = owner
            elif not owners or owners[-1] != owner:
                bounds.append(position)
                owners.append(owner)

        for key in keys:
            index = key & mask
            first = networks[index]
            last = first | ((1 << (self.bits - lengths[index])) - 1)
            while stack and stack[-1][0] < first:
                end, _ = stack.pop()
                emit(end + 1, stack[-1][1] if stack else -1)
            emit(first, index)
            stack.append((last, index))
        while stack:
            end, _ = stack.pop()
            emit(end + 1, stack[-1][1] if stack else -1)

    def find(self, value: int) -> int:
        """The index of the most specific prefix holding ``value``, or -1."""
        position = bisect_right(self.bounds, value) - 1
        return self.owners[position] if position >= 0 else -1


class PrefixTable(Generic[V]):
    """Build with ``add`` (any order), then ``freeze``; look up with ``match``.

    Values are kept once each (a label table), so a million prefixes mapped
    to a few hundred zones or countries hold a few hundred value objects."""

    def __init__(self) -> None:
        self._families = {4: _Family(4), 6: _Family(6)}
        self._values: list[V] = []
        self._value_ids: dict[V, int] = {}
        self._frozen = False

    def __len__(self) -> int:
        return sum(len(f.networks) for f in self._families.values())

    def add(self, cidr: str, value: V) -> None:
        """Add a prefix (strict CIDR text). Raises ValueError on a bad one."""
        version, network, length = prefix_parse(cidr)
        self.add_parsed(version, network, length, value)

    def add_parsed(self, version: int, network: int, length: int, value: V) -> None:
        if self._frozen:
            raise RuntimeError("The table is frozen; build a new one.")
        label = self._value_ids.get(value)
        if label is None:
            label = self._value_ids[value] = len(self._values)
            self._values.append(value)
        self._families[version].add(network, length, label)

    def freeze(self) -> PrefixTable[V]:
        for family in self._families.values():
            family.flatten()
        self._frozen = True
        return self

    def match(self, address: str) -> PrefixMatch[V] | None:
        """The most specific prefix holding ``address`` (text), or None."""
        if not self._frozen:
            raise RuntimeError("freeze() the table before looking addresses up.")
        parsed = address_parse(address)
        if parsed is None:
            return None
        version, value = parsed
        family = self._families[version]
        index = family.find(value)
        if index < 0:
            return None
        return PrefixMatch(version=version, network=family.networks[index], length=family.lengths[index],
                           value=self._values[family.labels[index]])
