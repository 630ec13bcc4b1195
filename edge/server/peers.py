"""The zone's peers, as the heartbeat answer lists them, and fetching a
missed object from the one that owns it.

A peer request is the viewer's own request passed on: the same signed token
in the path, so the peer checks it like any viewer's and never hands an
object to an edge that could not have served it itself; and the
PEER_FILL_HEADER, so the peer fills from origin only. A peer that cannot be
reached within the connect timeout, or that fails, is skipped for a while
(straight to origin), so a dead peer costs at most one short timeout."""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from edge import rendezvous
from edge.server.origins import CHUNK

logger = logging.getLogger("edge.server")


@dataclass(frozen=True)
class Peer:
    name: str
    url: str


class PeerUnavailable(Exception):
    """The peer did not answer properly: skip it for a while, go to origin."""


class PeerRefused(Exception):
    """The peer answered, but not with the object (403, 404): go to origin."""


class PeerSet:
    """The zone's healthy nodes (this one included) over which missed keys are hashed."""

    def __init__(self, *, node_name: str, peers: list[Peer] | None = None, retry_seconds: float = 10.0):
        self.node_name = node_name
        self.retry_seconds = retry_seconds
        self._peers: dict[str, Peer] = {}
        self._down_until: dict[str, float] = {}
        self.update(peers or [])

    def update(self, peers: list[Peer]) -> None:
        self._peers = {peer.name: peer for peer in peers}

    def __len__(self) -> int:
        return len(self._peers)

    @property
    def names(self) -> list[str]:
        return sorted(self._peers)

    def owner(self, key: str) -> Peer | None:
        """The peer to ask for ``key``, or None: this node owns it, there are
        no peers, or the owner failed recently (then origin, not the next
        owner: the owner is where the zone's copy will be)."""
        name = rendezvous.owner(self._peers, key)
        if name is None or name == self.node_name:
            return None
        if self._down_until.get(name, 0.0) > time.monotonic():
            return None
        return self._peers[name]

    def mark_down(self, name: str) -> None:
        self._down_until[name] = time.monotonic() + self.retry_seconds

    def down(self) -> list[str]:
        now = time.monotonic()
        return sorted(name for name, until in self._down_until.items() if until > now)


class PeerClient:
    def __init__(self, *, node_name: str, connect_timeout: float):
        self.node_name = node_name
        # Connecting is quick or the peer is gone. Its answer may wait for the
        # peer's own fill from origin, so a read may take longer; a peer that
        # accepts and then stays silent (hung, not dead) costs ten times the
        # connect timeout once, then is skipped like a dead one.
        self._timeout = aiohttp.ClientTimeout(total=None, sock_connect=connect_timeout,
                                              sock_read=10 * connect_timeout)
        self._session: aiohttp.ClientSession | None = None

    async def fetch(self, *, peer: Peer, token: str, key: str, dest: Path) -> int:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout, auto_decompress=False)
        url = f"{peer.url.rstrip('/')}/t/{token}/{key}"
        try:
            # identity: the bytes cached are the object's own. A peer compresses
            # playlists for a client that accepts gzip (aiohttp's default), and a
            # node that cached the compressed body served it compressed twice.
            async with self._session.get(url, headers={rendezvous.PEER_FILL_HEADER: self.node_name,
                                                       "Accept-Encoding": "identity"}) as response:
                if response.status >= 500:
                    raise PeerUnavailable(f"{peer.name}: HTTP {response.status}")
                if response.status != 200:
                    raise PeerRefused(f"{peer.name}: HTTP {response.status}")
                if response.headers.get("Content-Encoding", "identity").lower() != "identity":
                    raise PeerUnavailable(f"{peer.name}: answered {response.headers['Content-Encoding']}, not identity")
                size = 0
                with open(dest, "wb") as out:
                    async for chunk in response.content.iter_chunked(CHUNK):
                        out.write(chunk)
                        size += len(chunk)
                if response.content_length is not None and size != response.content_length:
                    raise PeerUnavailable(f"{peer.name}: {size} of {response.content_length} bytes")
                return size
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise PeerUnavailable(f"{peer.name}: {exc!r}") from exc

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
