"""Push fill: plan, per healthy node, what it is sent off-peak.

For each zone, titles are taken most popular first (plays by the zone's
viewers over EDGE_FILL_POPULARITY_DAYS, from the popularity provider). Each
object of a title's ladder is planned for the node that owns it (rendezvous
hashing over the zone's healthy nodes, the very list the heartbeat answer
gives the edges, so a peer asked for it later is the node that holds it).
A node takes a title's share while it fits its budget
(EDGE_FILL_BUDGET_SHARE of the cache cap it reports); a title that does not
fit is skipped for that node and smaller, less popular ones may still fit.

The plan is a row per node; the node fetches it (signed with its secret),
pulls its objects inside its window at the rate cap, and reports progress."""
from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from edge import rendezvous
from edge.ladders import ladder_objects
from edge.models import EdgeNode, FillPlan, Zone
from edge.popularity import TitlePlays, popularity_by_zone
from edge.selectors.routing import nodes_fresh

logger = logging.getLogger(__name__)


def fill_window_for(*, zone: Zone) -> str:
    return zone.fill_window or settings.EDGE_FILL_WINDOW


@dataclass
class _Draft:
    budget: int
    used: int = 0
    titles: list[dict[str, Any]] = field(default_factory=list)
    objects: list[list[Any]] = field(default_factory=list)


def _zone_drafts(*, members: list[EdgeNode], titles: list[TitlePlays],
                 listing: dict[Any, list[tuple[str, int]]]) -> dict[str, _Draft]:
    share = settings.EDGE_FILL_BUDGET_SHARE
    names = sorted(node.name for node in members)
    drafts = {node.name: _Draft(budget=int(node.cache_max_bytes * share)) for node in members}
    for title in titles:
        if all(d.used >= d.budget for d in drafts.values()):
            break
        if title.video_public_id not in listing:
            listing[title.video_public_id] = ladder_objects(video_public_id=title.video_public_id)
        owned: dict[str, list[tuple[str, int]]] = {}
        for key, size in listing[title.video_public_id]:
            owned.setdefault(rendezvous.owner(names, key) or names[0], []).append((key, size))
        for name, items in owned.items():
            draft, size = drafts[name], sum(s for _, s in items)
            if draft.used + size > draft.budget:
                continue
            draft.used += size
            draft.objects.extend([key, s] for key, s in items)
            draft.titles.append({"video": str(title.video_public_id), "plays": title.plays,
                                 "objects": len(items), "bytes": size})
    return drafts


def fill_plans_build(
    *, start_now: bool = False, nodes: Iterable[EdgeNode] | None = None, now: datetime | None = None,
    popularity: dict[str, list[TitlePlays]] | None = None,
) -> list[FillPlan]:
    """A new plan (next version) for every healthy node, or for ``nodes``
    among them. ``start_now`` lets the nodes run it at once instead of
    waiting for their window (``manage.py edge_fill --now``). Unhealthy
    nodes keep whatever plan they had: they cannot be reached now, and their
    objects were not planned elsewhere either."""
    now = now or timezone.now()
    popularity = popularity_by_zone(now=now) if popularity is None else popularity
    wanted = {node.pk for node in nodes} if nodes is not None else None
    by_zone: dict[int, list[EdgeNode]] = {}
    for node in nodes_fresh(now=now):
        by_zone.setdefault(node.zone_id, []).append(node)
    listing: dict[Any, list[tuple[str, int]]] = {}
    plans = []
    for members in by_zone.values():
        zone = members[0].zone
        drafts = _zone_drafts(members=members, titles=popularity.get(zone.code, []), listing=listing)
        for node in members:
            if wanted is not None and node.pk not in wanted:
                continue
            plans.append(_plan_save(node=node, draft=drafts[node.name], window=fill_window_for(zone=zone),
                                    start_now=start_now, now=now))
    logger.info("fill plans: %d nodes, %d objects", len(plans), sum(p.objects_total for p in plans))
    return plans


@transaction.atomic
def _plan_save(*, node: EdgeNode, draft: _Draft, window: str, start_now: bool, now: datetime) -> FillPlan:
    plan = FillPlan.objects.select_for_update().filter(node=node).first()
    version = plan.version + 1 if plan else 1
    plan = plan or FillPlan(node=node)
    plan.version, plan.created_at, plan.window, plan.start_now = version, now, window, start_now
    plan.rate_mbps, plan.budget_bytes = settings.EDGE_FILL_RATE_MBPS, draft.budget
    plan.popularity_days = settings.EDGE_FILL_POPULARITY_DAYS
    plan.titles, plan.keys = draft.titles, draft.objects
    plan.objects_total, plan.bytes_total = len(draft.objects), draft.used
    plan.state, plan.objects_done, plan.bytes_done, plan.progress_at = FillPlan.State.PLANNED, 0, 0, None
    plan.full_clean()
    plan.save()
    return plan
