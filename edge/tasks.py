"""Dramatiq actors of the edge app: ids in, thin, idempotent."""
from __future__ import annotations

import dramatiq

from edge.models import EdgeNode
from edge.services.fill import fill_plans_build


@dramatiq.actor(queue_name="default", max_retries=3, min_backoff=1000)
def fill_plans_build_task(node_ids: list[int] | None = None, start_now: bool = False) -> None:
    """Plan push fill for these nodes (all healthy nodes when None). A
    second delivery plans again from the same popularity: harmless."""
    nodes = list(EdgeNode.objects.filter(pk__in=node_ids)) if node_ids is not None else None
    fill_plans_build(nodes=nodes, start_now=start_now)
