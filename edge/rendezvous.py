"""Which node of a zone owns an object: rendezvous (highest random weight)
hashing. Every node scores every (node, key) pair and the highest score
wins, so all nodes that see the same peer list agree on the owner without
talking, and a node joining or leaving moves only the objects it owns.

The hash is FNV-1a (32-bit) with MurmurHash3's finaliser: a few integer
operations that runedge (here), the fill planner (here) and nginx's njs
(edge/nginx/edge_token.js, ``fillUpstream``) compute identically. Change
both together; tests/edge/test_nginx_peers.py holds them to it."""
from __future__ import annotations

from collections.abc import Iterable

_MASK = 0xFFFFFFFF


def _fnv1a(text: str) -> int:
    value = 0x811C9DC5
    for byte in text.encode():
        value = ((value ^ byte) * 0x01000193) & _MASK
    return value


def _fmix(value: int) -> int:
    value ^= value >> 16
    value = (value * 0x85EBCA6B) & _MASK
    value ^= value >> 13
    value = (value * 0xC2B2AE35) & _MASK
    return value ^ (value >> 16)


def node_weight(name: str) -> int:
    return _fmix(_fnv1a(name))


def owner(nodes: Iterable[str], key: str) -> str | None:
    """The node (by name) that owns ``key`` among ``nodes``; None if there are none.
    Ties (astronomically rare) go to the larger name."""
    key_hash = _fnv1a(key)
    best: tuple[int, str] | None = None
    for name in nodes:
        candidate = (_fmix(key_hash ^ node_weight(name)), name)
        if best is None or candidate > best:
            best = candidate
    return best[1] if best else None


# A request one edge makes of a zone peer carries this header, naming the
# asking node. An edge answering it fills a miss from origin only, never
# from another peer: a fill is forwarded at most once, so no loop can form
# even while two nodes disagree about who owns an object.
PEER_FILL_HEADER = "X-Edge-Fill"
