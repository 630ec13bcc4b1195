"""Reads of what the edges served: bytes per viewer zone (cross-zone
traffic) and quality of experience from CMCD, per zone and node. The edge
admin and the subscriber side's QoE page render these same rows."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.utils import timezone

from edge.models import EdgeTraffic
from edge.traffic import STARTUP_BUCKETS_MS, startup_percentile

DEFAULT_DAYS = 7


@dataclass
class NodeQoE:
    """One node's figures over the window, summed over its viewers' zones."""

    zone: str
    node: str
    bytes_served: int = 0
    cross_zone_bytes: int = 0  # to viewers whose token names another zone
    requests: int = 0
    sessions: int = 0
    startups: int = 0
    startup_ms: int = 0
    startup_buckets: list[int] = field(default_factory=lambda: [0] * (len(STARTUP_BUCKETS_MS) + 1))
    rebuffers: int = 0
    video_ms: int = 0
    bitrate_kbps_ms: int = 0
    throughput_kbps: int = 0
    throughput_samples: int = 0

    @property
    def cross_zone_share(self) -> float:
        return self.cross_zone_bytes / self.bytes_served if self.bytes_served else 0.0

    @property
    def startup_mean_ms(self) -> float | None:
        return self.startup_ms / self.startups if self.startups else None

    @property
    def startup_p50_ms(self) -> float | None:
        return startup_percentile(self.startup_buckets, 0.5)

    @property
    def startup_p95_ms(self) -> float | None:
        return startup_percentile(self.startup_buckets, 0.95)

    @property
    def rebuffers_per_hour(self) -> float | None:
        """Buffer starvations per hour of video served (CMCD bs over d)."""
        return self.rebuffers / (self.video_ms / 3_600_000) if self.video_ms else None

    @property
    def bitrate_kbps(self) -> float | None:
        """Encoded bitrate of the video served, weighted by duration."""
        return self.bitrate_kbps_ms / self.video_ms if self.video_ms else None

    @property
    def throughput_kbps_mean(self) -> float | None:
        return self.throughput_kbps / self.throughput_samples if self.throughput_samples else None


@dataclass
class ZoneTraffic:
    """Bytes a zone's nodes served, by the zone of the viewers they went to."""

    zone: str
    bytes_served: int = 0
    by_viewer_zone: dict[str, int] = field(default_factory=dict)

    @property
    def to_other_zones(self) -> int:
        return sum(n for viewer, n in self.by_viewer_zone.items() if viewer and viewer != self.zone)

    @property
    def to_unknown(self) -> int:
        return self.by_viewer_zone.get("", 0)

    @property
    def other_zones_share(self) -> float:
        return self.to_other_zones / self.bytes_served if self.bytes_served else 0.0


def _rows(*, days: int, now: datetime | None):
    since = ((now or timezone.now()) - timedelta(days=days - 1)).date()
    return EdgeTraffic.objects.filter(day__gte=since).select_related("node__zone")


def edge_qoe_by_node(*, days: int = DEFAULT_DAYS, now: datetime | None = None) -> list[NodeQoE]:
    """Per zone and node, over the last ``days`` (UTC days, today included)."""
    out: dict[tuple[str, str], NodeQoE] = {}
    for row in _rows(days=days, now=now):
        zone = row.node.zone.code
        item = out.setdefault((zone, row.node.name), NodeQoE(zone=zone, node=row.node.name))
        item.bytes_served += row.bytes_served
        if row.viewer_zone and row.viewer_zone != zone:
            item.cross_zone_bytes += row.bytes_served
        for name in ("requests", "sessions", "startups", "startup_ms", "rebuffers", "video_ms", "bitrate_kbps_ms",
                     "throughput_kbps", "throughput_samples"):
            setattr(item, name, getattr(item, name) + getattr(row, name))
        for index, count in enumerate((row.startup_buckets or [])[: len(item.startup_buckets)]):
            item.startup_buckets[index] += int(count)
    return [out[key] for key in sorted(out)]


def cross_zone_traffic(*, days: int = DEFAULT_DAYS, now: datetime | None = None) -> list[ZoneTraffic]:
    """Per serving zone: bytes served, split by the viewers' zones."""
    out: dict[str, ZoneTraffic] = {}
    for row in _rows(days=days, now=now):
        item = out.setdefault(row.node.zone.code, ZoneTraffic(zone=row.node.zone.code))
        item.bytes_served += row.bytes_served
        item.by_viewer_zone[row.viewer_zone] = item.by_viewer_zone.get(row.viewer_zone, 0) + row.bytes_served
    return [out[key] for key in sorted(out)]
