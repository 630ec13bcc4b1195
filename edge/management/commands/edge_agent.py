"""python manage.py edge_agent --node ID --secret S --stub-status URL --access-log PATH --cache-dir DIR

Runs beside an nginx edge: sends its heartbeats (see edge/agent.py), writes
the revoked sessions each answer brings where njs reads them
(edge/agent_revoke.py), and runs its push-fill plan through nginx between
them (edge/agent_push.py)."""
from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from edge.agent import AgentState, agent_heartbeat_send, agent_report_collect
from edge.agent_push import AgentPush
from edge.agent_revoke import RevokedFiles
from edge.server.configure import byte_size_parse

logger = logging.getLogger("edge.agent")


class Command(BaseCommand):
    help = ("Send an nginx edge's heartbeats (load from stub_status; hits, bytes per viewer zone and CMCD from "
            "the access log; bytes from origin from the fill log; cache size).")

    def add_arguments(self, parser):
        parser.add_argument("--node", type=int, default=os.environ.get("EDGE_NODE_ID"), help="env EDGE_NODE_ID")
        parser.add_argument("--secret", default=os.environ.get("EDGE_NODE_SECRET"), help="env EDGE_NODE_SECRET")
        parser.add_argument("--control-url", default=settings.EDGE_ORIGIN_URL)
        parser.add_argument("--stub-status", required=True, help="e.g. http://127.0.0.1:8101/_edge/stub_status")
        parser.add_argument("--access-log", required=True)
        parser.add_argument("--fill-log", help="The origin hop's log (logs/fill.log): bytes fetched from origin.")
        parser.add_argument("--cache-dir", required=True)
        parser.add_argument("--cache-max-bytes", default=str(settings.EDGE_CACHE_MAX_BYTES))
        parser.add_argument("--interval", type=float, default=settings.EDGE_HEARTBEAT_INTERVAL)
        parser.add_argument("--once", action="store_true", help="Send one heartbeat and exit.")
        parser.add_argument("--edge-url", help="Where the agent asks nginx for planned objects "
                                               "(default: the stub-status URL's host).")
        parser.add_argument("--push-state", help="Push fill state file (default: fill-state.json beside the cache).")
        parser.add_argument("--no-push-fill", action="store_true", help="Do not run fill plans.")
        parser.add_argument("--revoked-dir", help="Where the revoked sessions are written for njs "
                                                  "(default: revoked/ beside the cache, as edge_nginx_conf sets).")

    def handle(self, *args, **options):
        if not options["node"] or not options["secret"]:
            raise CommandError("Pass --node and --secret (or EDGE_NODE_ID and EDGE_NODE_SECRET).")
        state = AgentState()
        node_id, secret = int(options["node"]), options["secret"]
        cache_dir = Path(options["cache_dir"])
        stub = urlsplit(options["stub_status"])
        push = None if options["no_push_fill"] else AgentPush(
            state_path=Path(options["push_state"] or cache_dir.parent / "fill-state.json"),
            edge_url=options["edge_url"] or f"{stub.scheme}://{stub.netloc}")
        revoked = RevokedFiles(Path(options["revoked_dir"] or cache_dir.parent / "revoked"))
        self.stdout.write(f"Edge agent for node {node_id}: heartbeats to {options['control_url']} "
                          f"every {options['interval']:g} s")
        while True:
            status = None
            try:
                report = agent_report_collect(
                    state=state, stub_status_url=options["stub_status"], access_log=Path(options["access_log"]),
                    cache_dir=cache_dir, cache_max_bytes=byte_size_parse(options["cache_max_bytes"]),
                    fill_log=Path(options["fill_log"]) if options["fill_log"] else None,
                    fill=push.progress() if push else None, revoked_cursor=revoked.cursor,
                )
                status, answer = agent_heartbeat_send(control_url=options["control_url"], node_id=node_id,
                                                      secret=secret, report=report)
                # First: njs refuses a revoked session's tokens from the next request on.
                if answer is not None and not revoked.apply(answer.get("revoked")):
                    logger.warning("heartbeat answer without a readable revocation list")
                if status != 200:
                    logger.warning("heartbeat refused: HTTP %s", status)
                elif options["once"]:
                    self.stdout.write(f"sent: {report}")
                fill = (answer or {}).get("fill") or {}
                if push is not None and push.wants_plan(fill.get("plan")):
                    push.plan_fetch(control_url=options["control_url"], node_id=node_id, secret=secret)
            except (OSError, ValueError) as exc:
                # nginx down or the control plane unreachable: the TTL takes the node out.
                logger.warning("heartbeat not sent: %s", exc)
            if options["once"]:
                if status != 200:
                    raise CommandError(f"The heartbeat was not accepted (HTTP {status}).")
                return
            if push is not None:
                push.step(seconds=options["interval"])  # runs the plan, or sleeps the interval
            else:
                time.sleep(options["interval"])
