"""python manage.py runedge --zone mumbai --port 8101

Runs one edge cache server (aiohttp) in the foreground. In production the
node is registered by staff and started with --node ID --secret S (or the
env EDGE_NODE_ID / EDGE_NODE_SECRET); in DEBUG, --zone alone finds or
creates the node of that zone at this address, for the demo."""
from __future__ import annotations

import ipaddress
import logging
import os
from pathlib import Path

from aiohttp import web
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from edge.selectors import node_get
from edge.server import EdgeConfig, edge_app_build
from edge.server.configure import byte_size_parse, origin_from_spec, signing_keys_for_edge
from edge.services import EdgeError, edge_node_for_dev


class Command(BaseCommand):
    help = ("Run an edge cache server (signed URLs, LRU disk cache, fill from zone peers then origin, "
            "push fill off-peak, heartbeats).")

    def add_arguments(self, parser):
        parser.add_argument("--zone", help="Zone code; in DEBUG finds or creates this zone's node here.")
        parser.add_argument("--node", type=int, default=os.environ.get("EDGE_NODE_ID"),
                            help="EdgeNode id (env EDGE_NODE_ID).")
        parser.add_argument("--secret", default=os.environ.get("EDGE_NODE_SECRET"),
                            help="The node's heartbeat secret (env EDGE_NODE_SECRET).")
        parser.add_argument("--name", help="Name shown in X-Edge-Node when no node is registered.")
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, required=True)
        parser.add_argument("--origin", default=os.environ.get("EDGE_ORIGIN"),
                            help="Local folder, http(s):// base URL, or s3[://bucket/prefix]; "
                                 "default: the project's storage.")
        parser.add_argument("--cache-dir", help="Default: EDGE_CACHE_DIR/<node name>.")
        parser.add_argument("--cache-max-bytes", default=None, help="e.g. 512M, 2G (default EDGE_CACHE_MAX_BYTES).")
        parser.add_argument("--control-url", default=settings.EDGE_ORIGIN_URL,
                            help="Django base URL heartbeats go to ('' for none).")
        parser.add_argument("--heartbeat-interval", type=float, default=settings.EDGE_HEARTBEAT_INTERVAL)

    def handle(self, *args, **options):
        node = None
        if options["node"]:
            node = node_get(node_id=int(options["node"])) if not options["secret"] else None
            if node is None and not options["secret"]:
                raise CommandError(f"No edge node {options['node']}; pass --secret to run without the database.")
        elif options["zone"]:
            try:
                node = edge_node_for_dev(zone_code=options["zone"], host=options["host"], port=options["port"])
            except EdgeError as exc:
                raise CommandError(str(exc)) from exc
        node_id = int(options["node"]) if options["node"] else (node.pk if node else None)
        secret = options["secret"] or (node.secret if node else None)
        name = options["name"] or (node.name if node else f"edge-{options['port']}")
        try:
            origin = origin_from_spec(options["origin"])
            max_bytes = byte_size_parse(options["cache_max_bytes"] or settings.EDGE_CACHE_MAX_BYTES)
            keys = signing_keys_for_edge()
            for network in settings.EDGE_STATUS_FROM:
                ipaddress.ip_network(network, strict=False)
        except Exception as exc:
            raise CommandError(str(exc)) from exc
        cache_dir = Path(options["cache_dir"] or settings.EDGE_CACHE_DIR / name)
        config = EdgeConfig(
            node_name=name, origin=origin, cache_dir=cache_dir, cache_max_bytes=max_bytes, signing_keys=keys,
            cors_origins=list(settings.EDGE_CORS_ORIGINS), status_from=list(settings.EDGE_STATUS_FROM),
            control_url=options["control_url"] or None,
            node_id=node_id, node_secret=secret, heartbeat_interval=options["heartbeat_interval"],
            peer_fill=settings.EDGE_PEER_FILL, peer_timeout=settings.EDGE_PEER_TIMEOUT,
            peer_copy_after=settings.EDGE_PEER_COPY_AFTER,
            peer_retry=settings.EDGE_PEER_RETRY_SECONDS,
        )
        logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
        beats = (f"heartbeats to {config.control_url} every {config.heartbeat_interval:g} s as node {node_id}"
                 if config.control_url and node_id and secret else "no heartbeats")
        self.stdout.write(
            f"Edge {name} serving http://{options['host']}:{options['port']}/t/<token>/hls/... "
            f"| origin: {origin.description} | cache: {cache_dir} (cap {max_bytes} bytes) | {beats}"
        )
        self.stdout.flush()
        web.run_app(edge_app_build(config), host=options["host"], port=options["port"], print=None,
                    access_log=None)
