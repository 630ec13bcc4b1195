"""The production edge: an nginx configuration doing runedge's job.

proxy_cache with the same byte cap (max_size) and proxy_cache_lock for one
fetch per object, the slice module so Range requests fill and hit the cache
in 1 MiB pieces, an njs function checking the signed token with the same
keys and rules as edge/signing.py, and the same fill hierarchy: a miss goes
to the zone peer that owns the object (rendezvous hashing in njs, the same
hash as edge/rendezvous.py), else to origin. Debian 12: nginx 1.22 plus
libnginx-mod-http-js (njs 0.7)."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from catalog.keys import LADDER_ROOT
from edge.keys import KEY_MAX_CHARS, KEY_MAX_DEPTH, NAME_MAX_CHARS
from edge.nginx.conf import nginx_conf_render, peer_upstream_name

JS_MODULE = "/usr/lib/nginx/modules/ngx_http_js_module.so"
NJS_SOURCE = Path(__file__).with_name("edge_token.js")
SLICE = "1m"
UNIX_SOCKET_MAX = 100  # sun_path is 108 bytes on Linux, with room to spare


@dataclass(frozen=True)
class NginxPeer:
    """A node of the same zone (this one included), reached over HTTP at its
    base URL's host and port."""

    name: str
    base_url: str


@dataclass(frozen=True)
class NginxEdge:
    node_name: str
    listen: str  # "127.0.0.1:8101" or "0.0.0.0:80"
    origin_url: str  # http(s) base URL the keys are fetched under
    prefix_dir: Path  # config, cache, logs, pid and temp folders live here
    cache_max_bytes: int
    signing_keys: dict[str, str]
    cors_origins: tuple[str, ...] = ("*",)
    user: str | None = None  # nginx `user` (workers' account when started as root)
    js_module: str = JS_MODULE
    # The zone's nodes at generation time: misses are hashed over them. A
    # dead one is passed over after one failure (max_fails=1) for peer_retry.
    peers: tuple[NginxPeer, ...] = ()
    peer_timeout: float = 1.0
    peer_retry: float = 10.0

    @property
    def cache_dir(self) -> Path:
        return self.prefix_dir / "cache"

    @property
    def access_log(self) -> Path:
        return self.prefix_dir / "logs" / "access.log"

    @property
    def fill_log(self) -> Path:
        """What the origin hop fetched: one line per object or slice."""
        return self.prefix_dir / "logs" / "fill.log"

    @property
    def revoked_dir(self) -> Path:
        """Revoked sessions, one empty file each, written by edge_agent and
        tested by njs (edge.agent_revoke)."""
        return self.prefix_dir / "revoked"

    @property
    def fill_socket(self) -> Path:
        return self.prefix_dir / "run" / "fill.sock"


def njs_peers(edge: NginxEdge) -> list[dict[str, str]]:
    """Name and upstream of each node hashed over: this node's own share
    goes straight to the origin hop."""
    return [{"name": peer.name, "upstream": peer_upstream_name(edge, peer)} for peer in edge.peers]


def njs_render(edge: NginxEdge) -> str:
    limits = {"root": LADDER_ROOT, "maxChars": KEY_MAX_CHARS, "nameMaxChars": NAME_MAX_CHARS,
              "maxDepth": KEY_MAX_DEPTH}
    return (NJS_SOURCE.read_text().replace("__EDGE_KEYS__", json.dumps(edge.signing_keys))
            .replace("__EDGE_PEERS__", json.dumps(njs_peers(edge)))
            .replace("__EDGE_KEY_LIMITS__", json.dumps(limits))
            .replace("__EDGE_REVOKED_DIR__", json.dumps(str(edge.revoked_dir))))


def nginx_files_write(edge: NginxEdge) -> Path:
    """Write conf/nginx.conf and conf/edge_token.js (0600: it holds the
    keys) under the prefix, with the folders nginx needs. Returns the conf."""
    if len(str(edge.fill_socket)) > UNIX_SOCKET_MAX:
        raise ValueError(f"The prefix {edge.prefix_dir} is too long for the fill socket {edge.fill_socket}; "
                         "choose a shorter --prefix.")
    for sub in ("conf", "logs", "run", "cache"):
        (edge.prefix_dir / sub).mkdir(parents=True, exist_ok=True)
    # nginx's workers test names in it (njs) without listing it; the agent writes.
    edge.revoked_dir.mkdir(mode=0o711, exist_ok=True)
    conf = edge.prefix_dir / "conf" / "nginx.conf"
    conf.write_text(nginx_conf_render(edge))
    js = edge.prefix_dir / "conf" / "edge_token.js"
    fd = os.open(js, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(njs_render(edge))
    os.chmod(js, 0o600)
    return conf


__all__ = ["JS_MODULE", "SLICE", "NginxEdge", "NginxPeer", "nginx_conf_render", "nginx_files_write", "njs_render"]
