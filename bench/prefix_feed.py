"""A generated BGP-like feed of client prefixes, for the prefix benchmark and
the load test (no Django here: imported by scripts of their own).

Roughly the shape of a real table: four in five prefixes IPv4, mostly /24
and /16-/23 with a tail up to /8; IPv6 mostly /32-/48; one in five a more
specific announcement inside an earlier one; each mapped to one of a few
zones or, for a third, to a country only."""
from __future__ import annotations

import ipaddress
import random
from pathlib import Path

ZONES = ("mumbai", "frankfurt", "virginia")
COUNTRIES = ("IN", "DE", "US", "FR", "BR", "JP", "GB", "ID", "NG", "MX")
V4_LENGTHS = [24] * 12 + [23, 22, 22, 21, 20, 20, 19, 18, 17, 16, 16, 15, 14, 12, 10, 8]
V6_LENGTHS = [48] * 6 + [32, 32, 32, 36, 40, 44, 29, 28, 24, 19]


def prefixes_write(path: Path, count: int, *, seed: int = 15, zones: tuple[str, ...] = ZONES) -> int:
    """Write ``count`` distinct prefixes as CSV (with a header), mapped to
    ``zones`` (which must exist) or countries; returns count."""
    rng = random.Random(seed)
    seen: set[str] = set()
    recent: list[tuple[int, int, int]] = []  # (version, network, length) to nest inside
    with path.open("w") as out:
        out.write("prefix,zone,country,note\n")
        while len(seen) < count:
            if recent and rng.random() < 0.2:
                version, network, length = rng.choice(recent)
                bits = 32 if version == 4 else 128
                if length >= bits - 1:
                    continue
                new_length = rng.randint(length + 1, min(bits, length + 8))
                network |= rng.getrandbits(new_length - length) << (bits - new_length)
                length = new_length
            elif rng.random() < 0.8:
                version, length = 4, rng.choice(V4_LENGTHS)
                network = (rng.randrange(1, 224) << 24 | rng.getrandbits(24)) >> (32 - length) << (32 - length)
            else:
                version, length = 6, rng.choice(V6_LENGTHS)
                network = (0x2000 << 112 | rng.getrandbits(125)) >> (128 - length) << (128 - length)
            text = str(ipaddress.ip_network((network, length)))
            if text in seen:
                continue
            seen.add(text)
            if len(recent) < 10_000:
                recent.append((version, network, length))
            else:
                recent[rng.randrange(len(recent))] = (version, network, length)
            if rng.random() < 0.33:
                out.write(f"{text},,{rng.choice(COUNTRIES)},\n")
            else:
                out.write(f"{text},{rng.choice(zones)},,\n")
    return count


def addresses(count: int, *, seed: int = 51) -> list[str]:
    """Random client addresses, four in five IPv4 (inside and outside the feed)."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        if rng.random() < 0.8:
            out.append(str(ipaddress.IPv4Address(rng.randrange(1, 224) << 24 | rng.getrandbits(24))))
        else:
            out.append(str(ipaddress.IPv6Address(0x2000 << 112 | rng.getrandbits(125))))
    return out
