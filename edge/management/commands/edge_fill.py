"""python manage.py edge_fill [--now] [--node ID ...]

Plans push fill for every healthy edge node (or the ones named): each
zone's most popular titles over EDGE_FILL_POPULARITY_DAYS, the objects each
node owns, within EDGE_FILL_BUDGET_SHARE of its cache. The nodes fetch
their plans at their next heartbeat and pull them inside their off-peak
window (the zone's, or EDGE_FILL_WINDOW) at EDGE_FILL_RATE_MBPS; with
--now they start at once. Run it daily, before the window (cron or a
systemd timer)."""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.template.defaultfilters import filesizeformat

from edge.models import EdgeNode
from edge.services import fill_plans_build


class Command(BaseCommand):
    help = "Plan push fill (popular titles to the edges off-peak); --now to run the plans at once."

    def add_arguments(self, parser):
        parser.add_argument("--now", action="store_true", help="Run the plans at once, not in the window.")
        parser.add_argument("--node", type=int, action="append", help="Only this node id (repeatable).")

    def handle(self, *args, **options):
        nodes = None
        if options["node"]:
            nodes = list(EdgeNode.objects.filter(pk__in=options["node"]))
            missing = set(options["node"]) - {n.pk for n in nodes}
            if missing:
                raise CommandError(f"No edge node {', '.join(map(str, sorted(missing)))}.")
        plans = fill_plans_build(nodes=nodes, start_now=options["now"])
        if not plans:
            self.stdout.write("No healthy node to plan for (a node must have sent a recent heartbeat).")
            return
        for plan in plans:
            when = "now" if plan.start_now else f"in {plan.window} UTC"
            self.stdout.write(
                f"{plan.node.name}: plan v{plan.version}, {len(plan.titles)} titles, {plan.objects_total} objects, "
                f"{filesizeformat(plan.bytes_total)} of a {filesizeformat(plan.budget_bytes)} budget, "
                f"at up to {plan.rate_mbps:g} Mb/s {when}")
