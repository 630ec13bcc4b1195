"""Heartbeats: check a node's signature, store its figures, add what it
served per viewer zone to EdgeTraffic, and record its fill progress."""
from __future__ import annotations

import hmac
import json
import time
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from edge.heartbeat import HeartbeatReport, heartbeat_signature
from edge.models import EdgeNode, EdgeTraffic, FillPlan
from edge.revocation import cursor_from_report
from edge.services.errors import EdgeError, HeartbeatRejected
from edge.traffic import ZoneCounters, traffic_parse

FILL_STATES = {FillPlan.State.WAITING, FillPlan.State.RUNNING, FillPlan.State.DONE}


def _report_parse(body: bytes) -> tuple[HeartbeatReport, dict[str, ZoneCounters]]:
    try:
        data = json.loads(body or b"{}")
        if not isinstance(data, dict):
            raise ValueError("not an object")

        def number(name: str, kind: type, minimum: float = 0) -> Any:
            value = kind(data.get(name) or 0)
            if value < minimum or (kind is float and value != value):
                raise ValueError(f"{name} out of range")
            return value

        hit_ratio = data.get("hit_ratio")
        if hit_ratio is not None:
            hit_ratio = float(hit_ratio)
            if not 0 <= hit_ratio <= 1:
                raise ValueError("hit_ratio must be between 0 and 1")
        fill = data.get("fill")
        if fill is not None and not isinstance(fill, dict):
            raise ValueError("fill must be an object")
        traffic = traffic_parse(data.get("traffic"))
        revoked_cursor = data.get("revoked_cursor")
        if revoked_cursor is not None:
            revoked_cursor = float(revoked_cursor)
            if not 0 <= revoked_cursor < 1e11:  # NaN fails both
                raise ValueError("revoked_cursor must be a Unix time")
        report = HeartbeatReport(
            active_connections=number("active_connections", int),
            requests_per_second=number("requests_per_second", float),
            cache_bytes=number("cache_bytes", int),
            cache_max_bytes=number("cache_max_bytes", int),
            hit_ratio=hit_ratio,
            bytes_served=number("bytes_served", int),
            software=str(data.get("software") or "")[:60],
            boot=str(data.get("boot") or "")[:40],
            origin_bytes=number("origin_bytes", int),
            peer_bytes_in=number("peer_bytes_in", int),
            peer_bytes_out=number("peer_bytes_out", int),
            fill=fill,
            revoked_cursor=revoked_cursor,
        )
        return report, traffic
    except (TypeError, ValueError) as exc:
        raise EdgeError(f"The heartbeat body is not a valid report ({exc}).") from exc


def node_signature_check(*, node_id: str | int, timestamp: str | int, signature: str, body: bytes,
                         now: int | None = None) -> EdgeNode:
    """The node whose secret signed ``body`` at ``timestamp``, within
    EDGE_HEARTBEAT_SKEW of our clock; HeartbeatRejected otherwise."""
    try:
        node_pk, ts = int(node_id), int(timestamp)
    except (TypeError, ValueError) as exc:
        raise HeartbeatRejected("The node id and timestamp must be integers.") from exc
    node = EdgeNode.objects.select_related("zone").filter(pk=node_pk).first()
    if node is None:
        raise HeartbeatRejected("Unknown node.")
    expected = heartbeat_signature(secret=node.secret, timestamp=ts, body=body)
    if not hmac.compare_digest(expected, signature or ""):
        raise HeartbeatRejected("Bad heartbeat signature.")
    now = int(time.time()) if now is None else now
    if abs(now - ts) > settings.EDGE_HEARTBEAT_SKEW:
        raise HeartbeatRejected(f"Heartbeat timestamp is {now - ts} s off our clock (replay or bad clock).")
    return node


def _traffic_add(*, node: EdgeNode, boot: str, traffic: dict[str, ZoneCounters]) -> None:
    """Add what was served since the last accepted heartbeat to today's
    EdgeTraffic rows. Counters are cumulative per process: from the same
    boot, the difference with the last report; from a new one, all of it."""
    same_boot = bool(boot) and boot == node.boot_id
    last = node.traffic_last if same_boot and isinstance(node.traffic_last, dict) else {}
    today = timezone.now().date()
    for zone, counters in traffic.items():
        try:
            earlier = ZoneCounters.from_dict(last.get(zone) or {})
        except ValueError:
            earlier = ZoneCounters()
        delta = counters.minus(earlier)
        if not delta.requests and not delta.bytes:
            continue
        row, _ = EdgeTraffic.objects.select_for_update().get_or_create(node=node, day=today, viewer_zone=zone)
        buckets = list(row.startup_buckets or [])
        buckets += [0] * (len(delta.startup_buckets) - len(buckets))
        EdgeTraffic.objects.filter(pk=row.pk).update(
            bytes_served=F("bytes_served") + delta.bytes, requests=F("requests") + delta.requests,
            sessions=F("sessions") + delta.sessions, startups=F("startups") + delta.startups,
            startup_ms=F("startup_ms") + delta.startup_ms,
            startup_buckets=[a + b for a, b in zip(buckets, delta.startup_buckets, strict=False)],
            rebuffers=F("rebuffers") + delta.rebuffers, video_ms=F("video_ms") + delta.video_ms,
            bitrate_kbps_ms=F("bitrate_kbps_ms") + delta.bitrate_kbps_ms,
            throughput_kbps=F("throughput_kbps") + delta.throughput_kbps,
            throughput_samples=F("throughput_samples") + delta.throughput_samples,
        )


def _fill_progress_record(*, node: EdgeNode, fill: dict[str, Any]) -> None:
    """The node's progress on its plan, if it is about the current version."""
    try:
        version = int(fill.get("plan") or 0)
        objects_done, bytes_done = int(fill.get("objects_done") or 0), int(fill.get("bytes_done") or 0)
    except (TypeError, ValueError):
        return
    state = fill.get("state")
    if not version or state not in FILL_STATES or objects_done < 0 or bytes_done < 0:
        return
    FillPlan.objects.filter(node=node, version=version).update(
        state=state, objects_done=objects_done, bytes_done=bytes_done, progress_at=timezone.now())


def edge_heartbeat_record(
    *, node_id: str | int, timestamp: str | int, signature: str, body: bytes, now: int | None = None
) -> EdgeNode:
    """Check a heartbeat's signature and freshness, then store its figures.

    Refused: an unknown or disabled node, a bad signature, a timestamp
    outside EDGE_HEARTBEAT_SKEW of our clock, or one not newer than the last
    accepted (a replay inside the window). The conditional UPDATE makes the
    "newer than the last" check atomic when two copies race, and it is also
    what keeps a replayed body from adding its traffic twice."""
    node = node_signature_check(node_id=node_id, timestamp=timestamp, signature=signature, body=body, now=now)
    ts = int(timestamp)
    report, traffic = _report_parse(body)
    with transaction.atomic():
        # Locked, so the traffic difference is taken from the report accepted just before.
        previous = EdgeNode.objects.select_for_update().filter(pk=node.pk).values("boot_id", "traffic_last").first()
        updated = EdgeNode.objects.filter(pk=node.pk, last_heartbeat_ts__lt=ts).update(
            last_heartbeat_at=timezone.now(),
            last_heartbeat_ts=ts,
            active_connections=report.active_connections,
            requests_per_second=report.requests_per_second,
            cache_bytes=report.cache_bytes,
            cache_max_bytes=report.cache_max_bytes,
            hit_ratio=report.hit_ratio,
            bytes_served=report.bytes_served,
            origin_bytes=report.origin_bytes,
            peer_bytes_in=report.peer_bytes_in,
            peer_bytes_out=report.peer_bytes_out,
            software=report.software,
            boot_id=report.boot,
            traffic_last={zone: counters.as_dict() for zone, counters in traffic.items()},
            revocations_applied_at=cursor_from_report(report.revoked_cursor, now=timezone.now()),
        )
        if not updated:
            raise HeartbeatRejected("A heartbeat this old was already accepted (replay).", status=409)
        if previous is not None:
            node.boot_id, node.traffic_last = previous["boot_id"], previous["traffic_last"]
        _traffic_add(node=node, boot=report.boot, traffic=traffic)
        if report.fill:
            _fill_progress_record(node=node, fill=report.fill)
    node.refresh_from_db()
    return node
