"""Rendering the nginx edge's configuration (see edge.nginx).

The fill hierarchy in nginx terms: a miss is proxied to ``$edge_fill_upstream``,
which njs picks by rendezvous hashing over the zone's nodes. Each peer is an
upstream of its own with one primary server, the peer (``max_fails=1``), and
one backup, this node's *origin hop*: a server on a local unix socket that
proxies to origin. So a peer that refuses, times out or fails is replaced by
origin within the same request (``proxy_next_upstream``), with the slice
ranges intact, and is then skipped for ``fail_timeout``; a key this node owns
goes to the origin hop directly. Requests to a peer carry the viewer's token
and X-Edge-Fill; a request arriving with X-Edge-Fill goes to the origin hop
only, so a fill is forwarded at most once."""
from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import SplitResult, urlsplit

from catalog.keys import LADDER_ROOT
from edge.keys import NGINX_KEY_CHARS
from edge.media_types import MEDIA_TYPES
from edge.rendezvous import PEER_FILL_HEADER

if TYPE_CHECKING:
    from edge.nginx import NginxEdge, NginxPeer

SLICE = "1m"
SELF_UPSTREAM = "edge_fill_self"


def peer_upstream_name(edge: NginxEdge, peer: NginxPeer) -> str:
    if peer.name == edge.node_name:
        return SELF_UPSTREAM
    return "edge_fill_" + "".join(c if c.isalnum() else "_" for c in peer.name)


def _peer_address(peer: NginxPeer) -> str:
    url = urlsplit(peer.base_url)
    if url.scheme != "http" or not url.hostname:
        raise ValueError(f"Peer {peer.name} must have an http:// base URL to be asked by an nginx edge "
                         f"(zone peers talk plain HTTP), not {peer.base_url!r}.")
    return f"{url.hostname}:{url.port or 80}"


def _cors_allow(edge: NginxEdge) -> str:
    # Several origins: echo back the one that matched (a map at http level).
    return "*" if "*" in edge.cors_origins else "$edge_cors_origin"


def _cors_lines(edge: NginxEdge) -> list[str]:
    allow = _cors_allow(edge)
    return [
        f"add_header Access-Control-Allow-Origin {allow} always;",
        'add_header Access-Control-Expose-Headers "Content-Length, Content-Range, X-Cache-Status, X-Edge-Node" always;',
        "add_header Timing-Allow-Origin * always;",
    ]


def _upstreams(edge: NginxEdge, origin: SplitResult) -> str:
    socket = f"unix:{edge.fill_socket}"
    blocks = [
        f"    upstream edge_origin {{\n        server {origin.netloc};\n        keepalive 32;\n    }}",
        f"    upstream {SELF_UPSTREAM} {{\n        server {socket};\n        keepalive 16;\n    }}",
    ]
    for peer in edge.peers:
        name = peer_upstream_name(edge, peer)
        if name == SELF_UPSTREAM:
            continue
        blocks.append(
            f"    # zone peer {peer.name}; this node's origin hop stands in while it fails.\n"
            f"    upstream {name} {{\n        zone {name} 64k;\n"
            f"        server {_peer_address(peer)} max_fails=1 fail_timeout={edge.peer_retry:g}s;\n"
            f"        server {socket} backup;\n        keepalive 16;\n    }}")
    return "\n".join(blocks)


def _origin_hop(edge: NginxEdge, origin: SplitResult) -> str:
    tls = "proxy_ssl_server_name on;" if origin.scheme == "https" else ""
    return f"""    # The origin hop: misses this node fills from origin, its own or for a peer.
    server {{
        listen unix:{edge.fill_socket};
        access_log {edge.fill_log} edge_fill;
        location ~ "^/t/[A-Za-z0-9_.-]+/(?<edge_fill_key>{LADDER_ROOT}/[{NGINX_KEY_CHARS}]+)$" {{
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host {origin.netloc};
            proxy_set_header {PEER_FILL_HEADER} "";
            # The cache holds objects' own bytes, never an upstream's gzip of them.
            proxy_set_header Accept-Encoding "";
            {tls}
            proxy_pass {origin.scheme}://edge_origin{origin.path.rstrip("/")}/$edge_fill_key;
        }}
        location / {{
            return 404;
        }}
    }}"""


def nginx_conf_render(edge: NginxEdge) -> str:
    origin = urlsplit(edge.origin_url)
    if origin.scheme not in {"http", "https"} or not origin.netloc:
        raise ValueError("The nginx edge fills from an http(s) origin URL.")
    types = "\n".join(f"        ~\\{ext}$ {kind};" for ext, kind in MEDIA_TYPES.items())
    cors_map = ""
    if "*" not in edge.cors_origins:
        entries = "\n".join(f'        "{o}" "{o}";' for o in edge.cors_origins)
        cors_map = f"    map $http_origin $edge_cors_origin {{\n        default \"\";\n{entries}\n    }}\n"
    run = edge.prefix_dir / "run"
    user = f"user {edge.user};\n" if edge.user else ""
    media_locations = "\n".join([
        # Manifests first (HLS playlists, DASH MPDs; regex locations match in order): gzip them. The
        # type is set by us, not the origin, so gzip_types must be "*" here.
        _media_location(edge, suffix=r"\.(m3u8|mpd)", gzip="            gzip on;\n            gzip_types *;\n"),
        _media_location(edge, suffix="", gzip="            gzip off;\n"),
    ])
    return f"""# Generated by `manage.py edge_nginx_conf` for edge node {edge.node_name}. Do not edit:
# regenerate (keys, cache cap and zone peers come from the control plane).
load_module {edge.js_module};
{user}worker_processes auto;
pid {run}/nginx.pid;
error_log {edge.prefix_dir}/logs/error.log warn;

events {{
    worker_connections 4096;
}}

http {{
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 65;
    server_tokens off;
    client_body_temp_path {run}/client_body;
    proxy_temp_path {run}/proxy;
    fastcgi_temp_path {run}/fastcgi;
    uwsgi_temp_path {run}/uwsgi;
    scgi_temp_path {run}/scgi;
    # edge_agent reads these logs for the heartbeat: cache statuses, bytes
    # per viewer zone (the token names it), requests from peers (X-Edge-Fill)
    # and the players' CMCD; and, from the origin hop, the bytes from origin.
    log_format edge '$upstream_cache_status $body_bytes_sent $status $msec $edge_viewer_zone '
                    '$http_x_edge_fill $arg_cmcd';
    log_format edge_fill '$body_bytes_sent $status';
    access_log {edge.access_log} edge;

    js_path "{edge.prefix_dir}/conf";
    js_import edge from edge_token.js;
    js_set $edge_key_check edge.keyCheck;
    js_set $edge_token_check edge.verify;
    js_set $edge_viewer_zone edge.viewerZone;
    js_set $edge_fill_upstream edge.fillUpstream;

    map $edge_key $edge_content_type {{
        default application/octet-stream;
{types}
    }}
{cors_map}
    proxy_cache_path {edge.cache_dir} levels=1:2 keys_zone=edge:32m max_size={edge.cache_max_bytes}
                     inactive=30d use_temp_path=off;

    gzip_min_length 256;
    gzip_vary on;

{_upstreams(edge, origin)}

{_origin_hop(edge, origin)}

    server {{
        listen {edge.listen};
        server_name _;

        location = /healthz {{
            return 200 "ok\\n";
        }}
        location = /_edge/stub_status {{
            stub_status;
            allow 127.0.0.1;
            deny all;
        }}

{media_locations}
        # Anything else under /t/ is a key with a character no ladder key has
        # ('?' or '#' percent-encoded, a NUL, a control character, a space):
        # refused here, never passed on to origin as a query string.
        location /t/ {{
            return 400 "Bad key.\\n";
        }}
        location / {{
            return 404;
        }}
    }}
}}
"""


def _media_location(edge: NginxEdge, *, suffix: str, gzip: str) -> str:
    cors = "\n            ".join(_cors_lines(edge))
    read_timeout = max(10 * edge.peer_timeout, 1)
    key = f"{LADDER_ROOT}/[{NGINX_KEY_CHARS}]+{suffix}"
    return f"""        location ~ "^/t/(?<edge_token>[A-Za-z0-9_.-]+)/(?<edge_key>{key})$" {{
{gzip}
            {cors}
            add_header X-Edge-Node {edge.node_name} always;
            add_header X-Cache-Status $upstream_cache_status always;

            if ($request_method = OPTIONS) {{
                add_header Access-Control-Allow-Origin {_cors_allow(edge)} always;
                add_header Access-Control-Allow-Methods "GET, HEAD, OPTIONS" always;
                add_header Access-Control-Allow-Headers Range always;
                add_header Access-Control-Max-Age 86400 always;
                return 204;
            }}
            # The key's shape (edge/keys.py), then the token, with our keys:
            # never a call to origin.
            if ($edge_key_check != "ok") {{
                return 400 "Bad key: $edge_key_check.\\n";
            }}
            if ($edge_token_check != "ok") {{
                return 403 "Forbidden: $edge_token_check.\\n";
            }}

            slice {SLICE};
            proxy_cache edge;
            proxy_cache_key $edge_key$slice_range;
            proxy_set_header Range $slice_range;
            proxy_cache_valid 200 206 30d;
            # One fetch per object (slice) however many viewers miss at once.
            proxy_cache_lock on;
            proxy_cache_lock_timeout 30s;
            proxy_cache_lock_age 30s;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            # Fill from the owning peer (the viewer's token passed on, marked as a
            # peer fill), or from the origin hop; a failing peer: the origin hop.
            proxy_set_header {PEER_FILL_HEADER} {edge.node_name};
            # The cache holds objects' own bytes, never a peer's gzip of a playlist.
            proxy_set_header Accept-Encoding "";
            proxy_connect_timeout {edge.peer_timeout:g}s;
            proxy_read_timeout {read_timeout:g}s;
            proxy_next_upstream error timeout http_502 http_503 http_504;
            proxy_next_upstream_tries 2;
            proxy_ignore_headers Set-Cookie Cache-Control Expires;
            proxy_hide_header Set-Cookie;
            proxy_hide_header Cache-Control;
            proxy_hide_header Content-Type;
            proxy_hide_header Access-Control-Allow-Origin;
            proxy_hide_header Access-Control-Expose-Headers;
            proxy_hide_header Timing-Allow-Origin;
            proxy_hide_header X-Edge-Node;
            proxy_hide_header X-Cache-Status;
            add_header Content-Type $edge_content_type always;
            add_header Cache-Control "private, max-age=86400" always;
            proxy_pass http://$edge_fill_upstream/t/$edge_token/$edge_key;
        }}
"""
