"""python manage.py runedges: the demo's three edges (Mumbai 8101,
Frankfurt 8102, Virginia 8103) in the foreground until Ctrl-C."""
from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError

from edge.demo import demo_edges_start, demo_edges_stop


class Command(BaseCommand):
    help = "Start the demo's three local edges (runedge processes) and keep them running."

    def add_arguments(self, parser):
        parser.add_argument("--control-url", default=None, help="Django base URL (default EDGE_ORIGIN_URL).")
        parser.add_argument("--ports", default="8101,8102,8103",
                            help="Ports of the Mumbai, Frankfurt and Virginia edges (default 8101,8102,8103).")

    def handle(self, *args, **options):
        try:
            ports = [int(p) for p in options["ports"].split(",")]
        except ValueError as exc:
            raise CommandError("--ports takes three port numbers separated by commas.") from exc
        processes = demo_edges_start(control_url=options["control_url"], ports=ports)
        try:
            while all(p.poll() is None for p in processes):
                time.sleep(0.5)
            self.stderr.write("An edge exited; stopping the others.")
        except KeyboardInterrupt:
            pass
        finally:
            demo_edges_stop(processes)
