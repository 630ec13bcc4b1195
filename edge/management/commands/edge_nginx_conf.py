"""python manage.py edge_nginx_conf --node ID --origin URL [--prefix DIR]

Writes the nginx configuration of one production edge node (and its njs
token check, holding the signing keys, and the zone's peers misses are
hashed over) and prints how to run it with the heartbeat agent beside it.
Regenerate (and reload nginx) when the zone's nodes change."""
from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from edge.models import EdgeNode
from edge.nginx import NginxEdge, NginxPeer, nginx_files_write
from edge.selectors import node_get
from edge.server.configure import byte_size_parse
from edge.signing import signing_keys


class Command(BaseCommand):
    help = "Write an nginx edge configuration (proxy_cache, njs token check, slice) for one node."

    def add_arguments(self, parser):
        parser.add_argument("--node", type=int, required=True, help="EdgeNode id.")
        parser.add_argument("--origin", default=os.environ.get("EDGE_NGINX_ORIGIN"),
                            help="http(s) base URL holding the hls/ keys (env EDGE_NGINX_ORIGIN).")
        parser.add_argument("--prefix", help="Folder for conf, cache, logs (default var/edge-nginx/<node>).")
        parser.add_argument("--listen", help="Address nginx listens on (default: host:port of the node's URL).")
        parser.add_argument("--cache-max-bytes", help="e.g. 50G (default EDGE_CACHE_MAX_BYTES).")
        parser.add_argument("--user", help="nginx worker account when started as root (e.g. www-data).")
        parser.add_argument("--no-peers", action="store_true",
                            help="Fill every miss from origin (no zone peers).")

    def handle(self, *args, **options):
        node = node_get(node_id=options["node"])
        if node is None:
            raise CommandError(f"No edge node {options['node']}.")
        if not options["origin"]:
            raise CommandError("Pass --origin http(s)://... (where the hls/ keys can be fetched).")
        url = urlsplit(node.base_url)
        listen = options["listen"] or f"{url.hostname}:{url.port or (443 if url.scheme == 'https' else 80)}"
        peers = []
        if not options["no_peers"]:
            # The zone's enabled nodes, this one included: all nodes hash over the same list.
            for peer in EdgeNode.objects.filter(zone_id=node.zone_id, enabled=True).order_by("name"):
                if peer.pk != node.pk and not peer.base_url.startswith("http://"):
                    self.stderr.write(f"Peer {peer.name} left out: zone peers talk plain HTTP and its base URL "
                                      f"is {peer.base_url}.")
                    continue
                peers.append(NginxPeer(name=peer.name, base_url=peer.base_url))
        try:
            edge = NginxEdge(
                node_name=node.name, listen=listen, origin_url=options["origin"],
                prefix_dir=Path(options["prefix"] or settings.VAR_DIR / "edge-nginx" / node.name).resolve(),
                cache_max_bytes=byte_size_parse(options["cache_max_bytes"] or settings.EDGE_CACHE_MAX_BYTES),
                signing_keys=signing_keys(), cors_origins=tuple(settings.EDGE_CORS_ORIGINS), user=options["user"],
                peers=tuple(peers), peer_timeout=settings.EDGE_PEER_TIMEOUT,
                peer_retry=settings.EDGE_PEER_RETRY_SECONDS,
            )
            conf = nginx_files_write(edge)
        except (ValueError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Wrote {conf} and {conf.parent / 'edge_token.js'} (keys inside: keep it private).")
        others = [p.name for p in peers if p.name != node.name]
        self.stdout.write(f"Zone peers: {', '.join(others) if others else 'none (misses go to origin)'}.")
        self.stdout.write(f"Run:   nginx -p {edge.prefix_dir} -c {conf} -e {edge.prefix_dir}/logs/error.log")
        self.stdout.write(
            f"Agent: EDGE_NODE_SECRET=... python manage.py edge_agent --node {node.pk} "
            f"--stub-status http://{listen}/_edge/stub_status --access-log {edge.access_log} "
            f"--fill-log {edge.fill_log} --cache-dir {edge.cache_dir} --cache-max-bytes {edge.cache_max_bytes}"
        )
