"""What an edge counts per viewer zone, for its heartbeat: bytes, and the
Common Media Client Data (CTA-5004) players send with each request.

Shared by runedge (per request, in process) and by edge_agent beside nginx
(per access-log line), so both report the same figures. Pure: no Django, no
aiohttp.

From CMCD (version 1, query-string mode: ``?CMCD=<url-encoded list>``):

- startup: a session whose first request here is flagged ``su`` (startup)
  starts at that request and has started when its first request without
  ``su`` arrives (hls.js flags requests while it buffers before the first
  ``playing``): the edge's view of startup, without the page and the master
  playlist, which come from the web tier;
- rebuffering: requests flagged ``bs`` (the buffer ran dry since the last
  request), per hour of video served;
- bitrate: the encoded bitrate ``br`` of video segments weighted by their
  duration ``d``; throughput: the player's measured ``mtp``.

Counters are cumulative since the process started; the control plane turns
two heartbeats into a difference (see edge.services.heartbeats).
"""
from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import asdict, dataclass, field, fields
from typing import Any
from urllib.parse import unquote

# Upper bounds (ms) of the startup histogram; one more bucket holds the rest.
STARTUP_BUCKETS_MS = (250, 500, 750, 1000, 1500, 2000, 3000, 5000, 8000, 15000)
MAX_ZONES = 256
MAX_CMCD_CHARS = 2000
SESSIONS_KEPT = 50_000
VIDEO_OBJECT_TYPES = {"v", "av"}

_PAIR_RE = re.compile(r'\s*([a-zA-Z][\w-]*)\s*(?:=\s*("(?:[^"\\]|\\.)*"|\([^)]*\)|[^,]*))?\s*(?:,|$)')
_ZONE_RE = re.compile(r"^[A-Za-z0-9_-]{0,40}$")


def cmcd_parse(text: str | None, *, encoded: bool = False) -> dict[str, Any]:
    """``br=3200,bs,d=4004,ot=v,sid="abc",su`` -> {"br": 3200, "bs": True,
    ...}. Keys without a value are True; inner lists ``(a b)`` keep their
    first member; anything unparsable is left out. ``encoded``: the value
    is still URL-encoded (as an access log writes the query)."""
    if not text:
        return {}
    if encoded:
        text = unquote(text)
    text = text[:MAX_CMCD_CHARS]
    out: dict[str, Any] = {}
    position = 0
    while position < len(text):
        match = _PAIR_RE.match(text, position)
        if not match or match.end() == position:
            break
        position = match.end()
        key, raw = match.group(1), match.group(2)
        if raw is None:
            out[key] = True
            continue
        raw = raw.strip()
        if raw.startswith("(") and raw.endswith(")"):
            members = raw[1:-1].split()
            raw = members[0] if members else ""
        if raw.startswith('"') and raw.endswith('"') and len(raw) >= 2:
            out[key] = raw[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        elif raw in {"?1", "true"}:
            out[key] = True
        elif raw in {"?0", "false"}:
            out[key] = False
        else:
            try:
                out[key] = int(raw)
            except ValueError:
                try:
                    out[key] = float(raw)
                except ValueError:
                    out[key] = raw
    return out


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0.0
    return float(value) if value == value and value > 0 else 0.0


def viewer_zone_clean(zone: str | None) -> str:
    """A zone code as counters key it ('' for none or anything odd)."""
    return zone if zone and _ZONE_RE.match(zone) else ""


@dataclass
class ZoneCounters:
    bytes: int = 0
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

    def startup_add(self, ms: float) -> None:
        self.startups += 1
        self.startup_ms += int(ms)
        index = next((i for i, bound in enumerate(STARTUP_BUCKETS_MS) if ms <= bound), len(STARTUP_BUCKETS_MS))
        self.startup_buckets[index] += 1

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> ZoneCounters:
        """Validated counters from a heartbeat body; ValueError if malformed."""
        if not isinstance(data, dict):
            raise ValueError("zone counters must be an object")
        counters = cls()
        for item in fields(cls):
            value = data.get(item.name)
            if value is None:
                continue
            if item.name == "startup_buckets":
                if (not isinstance(value, list) or len(value) != len(counters.startup_buckets)
                        or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value)):
                    raise ValueError("startup_buckets must be a list of counts, one per bucket")
                counters.startup_buckets = list(value)
            elif isinstance(value, int) and not isinstance(value, bool) and value >= 0:
                setattr(counters, item.name, value)
            else:
                raise ValueError(f"{item.name} must be a count")
        return counters

    def minus(self, earlier: ZoneCounters) -> ZoneCounters:
        """What was added since ``earlier`` (never below zero)."""
        out = ZoneCounters()
        for item in fields(self):
            if item.name == "startup_buckets":
                out.startup_buckets = [max(a - b, 0) for a, b in zip(self.startup_buckets, earlier.startup_buckets,
                                                                      strict=True)]
            else:
                setattr(out, item.name, max(getattr(self, item.name) - getattr(earlier, item.name), 0))
        return out


class TrafficCounters:
    """Counters per viewer zone, and the sessions still starting up."""

    def __init__(self, *, sessions_kept: int = SESSIONS_KEPT):
        self.zones: dict[str, ZoneCounters] = {}
        self._sessions: OrderedDict[str, list] = OrderedDict()  # sid -> [first request ms, starting]
        self._sessions_kept = sessions_kept

    def _zone(self, zone: str) -> ZoneCounters:
        counters = self.zones.get(zone)
        if counters is None:
            if len(self.zones) >= MAX_ZONES:
                zone = ""
                counters = self.zones.get(zone)
            if counters is None:
                counters = self.zones[zone] = ZoneCounters()
        return counters

    def observe(self, *, zone: str | None, nbytes: int, cmcd: dict[str, Any] | None, at_ms: float) -> None:
        """One viewer request answered with ``nbytes`` (peer fills are not viewers)."""
        counters = self._zone(viewer_zone_clean(zone))
        counters.bytes += max(int(nbytes), 0)
        counters.requests += 1
        if not cmcd:
            return
        startup = cmcd.get("su") is True
        sid = cmcd.get("sid")
        if isinstance(sid, str) and sid:
            state = self._sessions.get(sid)
            if state is None:
                counters.sessions += 1
                self._sessions[sid] = [at_ms, startup]
                if len(self._sessions) > self._sessions_kept:
                    self._sessions.popitem(last=False)
            elif state[1] and not startup:
                counters.startup_add(max(at_ms - state[0], 0.0))
                state[1] = False
        if cmcd.get("bs") is True:
            counters.rebuffers += 1
        duration, bitrate = _number(cmcd.get("d")), _number(cmcd.get("br"))
        if cmcd.get("ot", "v") in VIDEO_OBJECT_TYPES and duration and bitrate:
            counters.video_ms += int(duration)
            counters.bitrate_kbps_ms += int(bitrate * duration)
        throughput = _number(cmcd.get("mtp"))
        if throughput:
            counters.throughput_kbps += int(throughput)
            counters.throughput_samples += 1

    def snapshot(self) -> dict[str, dict[str, Any]]:
        return {zone: counters.as_dict() for zone, counters in self.zones.items()}


def traffic_parse(data: Any) -> dict[str, ZoneCounters]:
    """A heartbeat's ``traffic`` section, validated; ValueError if malformed."""
    if data is None:
        return {}
    if not isinstance(data, dict) or len(data) > MAX_ZONES:
        raise ValueError("traffic must be an object of at most 256 zones")
    out = {}
    for zone, counters in data.items():
        if not isinstance(zone, str) or viewer_zone_clean(zone) != zone:
            raise ValueError(f"{zone!r} is not a zone code")
        out[zone] = ZoneCounters.from_dict(counters)
    return out


def startup_percentile(buckets: list[int], share: float) -> float | None:
    """The upper bound (ms) of the bucket holding the ``share`` quantile
    (None without startups; the open last bucket reads as twice the last bound)."""
    total = sum(buckets)
    if not total:
        return None
    running = 0
    for index, count in enumerate(buckets):
        running += count
        if running >= share * total:
            return float(STARTUP_BUCKETS_MS[index] if index < len(STARTUP_BUCKETS_MS) else 2 * STARTUP_BUCKETS_MS[-1])
    return float(2 * STARTUP_BUCKETS_MS[-1])
