"""Reads of push-fill plans: the short summary in a heartbeat answer, the
full plan a node fetches, and the admin's view of it."""
from __future__ import annotations

import time
from typing import Any

from django.conf import settings

from catalog.keys import LADDER_ROOT
from edge.heartbeat import FILL_PLAN_PATH
from edge.models import EdgeNode, FillPlan
from edge.signing import token_issue


def fill_plan_summary(*, node: EdgeNode) -> dict[str, Any]:
    """For the heartbeat answer: the plan's version (None: no plan) and
    where the node fetches it when its own copy is older."""
    version = FillPlan.objects.filter(node=node).values_list("version", flat=True).first()
    return {"plan": version, "url": FILL_PLAN_PATH}


def fill_token(*, node: EdgeNode) -> str:
    """A token for every ladder, for the node's own push-fill requests (the
    nginx agent asks its nginx for the planned objects). Only the node gets
    it, and it holds the signing keys anyway; it expires like a viewer's."""
    return token_issue(session_id=f"push-fill:{node.name}", path_prefix=f"{LADDER_ROOT}/",
                       expires_at=int(time.time()) + settings.EDGE_TOKEN_TTL)


def fill_plan_payload(*, node: EdgeNode) -> dict[str, Any] | None:
    """The plan as the node runs it, or None when it has none."""
    plan = FillPlan.objects.filter(node=node).first()
    if plan is None:
        return None
    return {
        "token": fill_token(node=node),
        "version": plan.version,
        "created_at": plan.created_at.isoformat(),
        "window": plan.window,
        "start_now": plan.start_now,
        "rate_mbps": plan.rate_mbps,
        "objects_total": plan.objects_total,
        "bytes_total": plan.bytes_total,
        "objects": plan.keys,
    }
