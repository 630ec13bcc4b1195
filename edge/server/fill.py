"""The edge's disk cache and how a miss is filled: from the zone peer that
owns the object, else from origin, with one fetch per object however many
viewers miss it at once.

Two kinds of flight per key, so that coalescing can never make a loop:

- an origin flight fetches from origin. Requests from peers (marked with
  PEER_FILL_HEADER) only ever join or start one of these;
- a viewer flight asks the owner first and falls back to origin by joining
  (or starting) the origin flight. Viewers join whichever flight is under
  way.

Were a peer's request allowed to join a viewer flight, two nodes that
disagree about the owner (their peer lists differ for a heartbeat or two)
could wait on each other; this way a peer's request waits on origin alone.

What a node gets from its peer it serves and does not keep (unless
``peer_copy_after`` says from which miss on it should): kept, every node
of a zone ends up holding every object its viewers ask for (round robin
sends each viewer everywhere) and the zone's cache is one node's, not the
sum of its nodes'. Measured (bench/edge_bench.py, push fill, zone cache ~
the catalog): origin bytes per served byte 22.9% keeping at the first
miss, 13.9% at the second, 4.0% at the sixth, 3.0% never. Ownership is per
segment, so a popular title's load is spread over the zone's nodes anyway."""
from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING

from edge.server.cache import DiskCache
from edge.server.peers import PeerClient, PeerRefused, PeerSet, PeerUnavailable

if TYPE_CHECKING:
    from edge.server.state import EdgeConfig, EdgeStats

logger = logging.getLogger("edge.server")
TRANSIENT_SECONDS = 120
# With peer_copy_after set: how many keys a node remembers having fetched
# from a peer, and how often (about 2 MB of memory); a key forgotten before
# its n-th miss starts counting again.
PEER_SEEN_MAX = 20_000


class EdgeCache:
    def __init__(self, config: EdgeConfig, stats: EdgeStats, peers: PeerSet):
        self.config = config
        self.stats = stats
        self.peers = peers
        self.disk = DiskCache(config.cache_dir, config.cache_max_bytes)
        self.peer_client = PeerClient(node_name=config.node_name, connect_timeout=config.peer_timeout)
        self._flights: dict[str, asyncio.Task] = {}
        self._origin_flights: dict[str, asyncio.Task] = {}
        self._peer_seen: OrderedDict[str, int] = OrderedDict()  # key -> misses served from a peer

    def contains(self, key: str) -> bool:
        return self.disk.contains(key)

    async def obtain(self, key: str, *, token: str | None = None, from_peer: bool = False) -> tuple[Path, str]:
        """(file to send, "HIT" or "MISS"). Raises OriginNotFound / OriginError.
        ``token``: the viewer's, passed on to a peer; without one (push fill)
        the peer is not asked."""
        path = self.disk.get(key)
        if path is not None:
            self.stats.hits += 1
            return path, "HIT"
        self.stats.misses += 1
        if from_peer:
            task = self._origin_flight(key)
        else:
            joined = self._flights.get(key) or self._origin_flights.get(key)
            task = joined or self._start(self._flights, key, self._viewer_fill(key, token))
        # shield: a viewer hanging up must not cancel the fill the others wait on.
        return await asyncio.shield(task), "MISS"

    async def fill_from_origin(self, key: str) -> int:
        """Fetch ``key`` into the cache from origin (push fill); bytes fetched, 0 if it was there."""
        if self.disk.contains(key):
            return 0
        path = await asyncio.shield(self._origin_flight(key))
        return path.stat().st_size

    @staticmethod
    def _start(flights: dict[str, asyncio.Task], key: str, coroutine) -> asyncio.Task:
        task = asyncio.ensure_future(coroutine)
        flights[key] = task
        task.add_done_callback(lambda _t: flights.pop(key, None))
        return task

    def _origin_flight(self, key: str) -> asyncio.Task:
        return self._origin_flights.get(key) or self._start(self._origin_flights, key, self._origin_fill(key))

    async def _viewer_fill(self, key: str, token: str | None) -> Path:
        peer = self.peers.owner(key) if self.config.peer_fill and token else None
        if peer is not None and token is not None:
            tmp = self.disk.tmp_path()
            self.stats.peer_fetches += 1
            try:
                size = await self.peer_client.fetch(peer=peer, token=token, key=key, dest=tmp)
            except (PeerUnavailable, PeerRefused) as exc:
                tmp.unlink(missing_ok=True)
                self.stats.peer_errors += 1
                if isinstance(exc, PeerUnavailable):
                    self.peers.mark_down(peer.name)
                logger.warning("peer fill failed, going to origin: %s", exc)
            except BaseException:
                tmp.unlink(missing_ok=True)
                raise
            else:
                self.stats.peer_bytes_in += size
                if self.config.peer_copy_after and self._peer_copy_due(key):  # asked here again and again
                    return self._admit(key, tmp)
                self.stats.peer_transient += 1
                return self._transient(tmp)
        return await asyncio.shield(self._origin_flight(key))

    def _peer_copy_due(self, key: str) -> bool:
        """Count one more miss of ``key`` served from a peer; True at the
        ``peer_copy_after``-th (the count is then forgotten)."""
        seen = self._peer_seen.pop(key, 0) + 1
        if seen >= self.config.peer_copy_after:
            return True
        self._peer_seen[key] = seen
        if len(self._peer_seen) > PEER_SEEN_MAX:
            self._peer_seen.popitem(last=False)
        return False

    async def _origin_fill(self, key: str) -> Path:
        tmp = self.disk.tmp_path()
        self.stats.origin_fetches += 1
        try:
            size = await self.config.origin.fetch(key, tmp)
        except BaseException:
            tmp.unlink(missing_ok=True)
            self.stats.origin_errors += 1
            raise
        self.stats.origin_bytes += size
        return self._admit(key, tmp)

    def _admit(self, key: str, tmp: Path) -> Path:
        path = self.disk.admit(key, tmp)
        if path is None:  # larger than the whole cache: serve it once, keep nothing
            return self._transient(tmp)
        return path

    @staticmethod
    def _transient(tmp: Path) -> Path:
        """Serve a fetched file to the viewers waiting on it, keep nothing:
        removed once they have had time to read it (an open file outlives
        its name on POSIX)."""
        asyncio.get_running_loop().call_later(TRANSIENT_SECONDS, tmp.unlink, True)
        return tmp

    async def close(self) -> None:
        await self.peer_client.close()
