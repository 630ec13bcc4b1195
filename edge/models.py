"""The CDN control plane's tables: where the edges are (Zone), the cache
servers themselves and the health they last reported (EdgeNode), which
client networks belong to which zone or country (ClientNetwork), what each
node is sent off-peak (FillPlan), and what the edges served, to viewers of
which zone and with what quality (EdgeTraffic, from CMCD)."""
from __future__ import annotations

import ipaddress
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone

country_code_validator = RegexValidator(r"^[A-Z]{2}$", "Use a two-letter ISO 3166 country code, e.g. IN.")
# Pathway ids in HLS may hold letters, digits, '.', '-' and '_': node names
# become pathway ids, so they obey the same rule.
pathway_name_validator = RegexValidator(
    r"^[a-z0-9][a-z0-9_.-]*$", "Lower-case letters, digits, '.', '-' and '_' (it becomes an HLS PATHWAY-ID)."
)
fill_window_validator = RegexValidator(
    r"^([01][0-9]|2[0-3]):[0-5][0-9]-(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$",
    "Hours in UTC as HH:MM-HH:MM, e.g. 20:30-01:30 (it may wrap past midnight).",
)


def node_secret_generate() -> str:
    # Hex: safe in a header, an env var or a command line (never starts with "-").
    return secrets.token_hex(32)


class Zone(models.Model):
    """A site in a country: one or more edge nodes share its location."""

    code = models.SlugField(max_length=40, unique=True, help_text="Short name, e.g. mumbai.")
    name = models.CharField(max_length=100)
    country = models.CharField(max_length=2, validators=[country_code_validator])
    latitude = models.FloatField(validators=[MinValueValidator(-90), MaxValueValidator(90)])
    longitude = models.FloatField(validators=[MinValueValidator(-180), MaxValueValidator(180)])
    fill_window = models.CharField(
        max_length=11, blank=True, validators=[fill_window_validator],
        help_text="Off-peak push-fill window in UTC, HH:MM-HH:MM; empty: EDGE_FILL_WINDOW.",
    )

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.country})"


class EdgeNode(models.Model):
    """One cache server. It proves who it is with its own secret (HMAC over
    each heartbeat), so no shared login ever sits on an edge machine."""

    class Health(models.TextChoices):
        HEALTHY = "healthy", "Healthy"
        OVERLOADED = "overloaded", "Overloaded"
        STALE = "stale", "Stale"
        NEVER = "never", "Never reported"
        DISABLED = "disabled", "Disabled"

    zone = models.ForeignKey(Zone, on_delete=models.PROTECT, related_name="nodes")
    name = models.CharField(
        max_length=60, unique=True, validators=[pathway_name_validator],
        help_text="Unique; used as the HLS pathway id, e.g. mumbai-1.",
    )
    base_url = models.URLField(help_text="Public base URL viewers fetch from, e.g. https://mum1.cdn.example.org")
    capacity = models.PositiveIntegerField(
        default=1000, validators=[MinValueValidator(1)],
        help_text="Concurrent requests the node serves comfortably.",
    )
    enabled = models.BooleanField(default=True, help_text="Disabled nodes take no new traffic.")
    secret = models.CharField(
        max_length=100, default=node_secret_generate,
        help_text="Signs the node's heartbeats (HMAC-SHA256). Give it to the node only.",
    )
    # Figures from the last accepted heartbeat.
    last_heartbeat_at = models.DateTimeField(null=True, blank=True)
    last_heartbeat_ts = models.BigIntegerField(
        default=0, help_text="Signed timestamp of the last heartbeat; older ones are replays."
    )
    active_connections = models.PositiveIntegerField(default=0)
    requests_per_second = models.FloatField(default=0)
    cache_bytes = models.BigIntegerField(default=0)
    cache_max_bytes = models.BigIntegerField(default=0)
    hit_ratio = models.FloatField(null=True, blank=True)
    bytes_served = models.BigIntegerField(default=0)
    origin_bytes = models.BigIntegerField(default=0, help_text="Bytes filled from origin since the node started.")
    peer_bytes_in = models.BigIntegerField(default=0, help_text="Bytes filled from zone peers since it started.")
    peer_bytes_out = models.BigIntegerField(default=0, help_text="Bytes it served to zone peers since it started.")
    software = models.CharField(max_length=60, blank=True)
    # Counters per viewer zone are cumulative since the node's process began
    # (boot_id); the last ones accepted let the next heartbeat be turned into
    # a difference that EdgeTraffic adds up.
    boot_id = models.CharField(max_length=40, blank=True)
    traffic_last = models.JSONField(default=dict, blank=True)
    revocations_applied_at = models.DateTimeField(
        null=True, blank=True,
        help_text="The node refuses every session revoked up to this moment (by its last heartbeat); "
                  "empty: it has not said (older software, or it just started).",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["zone__code", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.name == "origin":
            raise ValidationError({"name": "'origin' is the pathway id of the origin itself."})

    @property
    def load(self) -> float:
        return self.active_connections / max(self.capacity, 1)

    def is_fresh(self, *, now: datetime | None = None) -> bool:
        if self.last_heartbeat_at is None:
            return False
        now = now or timezone.now()
        return now - self.last_heartbeat_at <= timedelta(seconds=settings.EDGE_HEARTBEAT_TTL)

    def health(self, *, now: datetime | None = None) -> str:
        """One word for the admin and the selectors: can it take traffic now?"""
        if not self.enabled:
            return self.Health.DISABLED
        if self.last_heartbeat_at is None:
            return self.Health.NEVER
        if not self.is_fresh(now=now):
            return self.Health.STALE
        if self.load >= settings.EDGE_OVERLOAD_THRESHOLD:
            return self.Health.OVERLOADED
        return self.Health.HEALTHY


def cidr_validate(value: str) -> None:
    try:
        ipaddress.ip_network(value, strict=True)
    except ValueError as exc:
        raise ValidationError(f"Not a network in CIDR form ({exc}).") from exc


class ClientNetwork(models.Model):
    """A client prefix (like one an ISP announces to an embedded cache) that
    maps to a zone, or at least to a country. The most specific match wins."""

    cidr = models.CharField(max_length=43, unique=True, validators=[cidr_validate], help_text="e.g. 49.36.0.0/14")
    zone = models.ForeignKey(Zone, on_delete=models.CASCADE, null=True, blank=True, related_name="networks")
    country = models.CharField(max_length=2, blank=True, validators=[country_code_validator])
    note = models.CharField(max_length=200, blank=True, help_text="Whose network, e.g. the ISP.")

    class Meta:
        ordering = ["cidr"]

    def __str__(self) -> str:
        return self.cidr

    def clean(self) -> None:
        if not self.zone_id and not self.country:
            raise ValidationError("Give a zone, a country, or both.")


class FillPlan(models.Model):
    """What one node is sent off-peak: the objects of its zone's most popular
    ladders that it owns (rendezvous hashing over the zone's healthy
    nodes), within a byte budget under its cache cap. The node fetches the
    plan (signed with its secret), pulls the objects inside its window at
    the rate cap, and reports its progress in its heartbeats."""

    class State(models.TextChoices):
        PLANNED = "planned", "Planned (not yet fetched by the node)"
        WAITING = "waiting", "Waiting for the window"
        RUNNING = "running", "Running"
        DONE = "done", "Done"

    node = models.OneToOneField(EdgeNode, on_delete=models.CASCADE, related_name="fill_plan")
    version = models.PositiveIntegerField(default=1, help_text="Grows with every new plan for the node.")
    created_at = models.DateTimeField(default=timezone.now)
    window = models.CharField(max_length=11, validators=[fill_window_validator], help_text="UTC, HH:MM-HH:MM.")
    start_now = models.BooleanField(default=False, help_text="Run at once, whatever the window (edge_fill --now).")
    rate_mbps = models.FloatField(validators=[MinValueValidator(0.001)], help_text="Cap on the fill rate, Mb/s.")
    budget_bytes = models.BigIntegerField(default=0)
    popularity_days = models.PositiveIntegerField(default=7)
    titles = models.JSONField(default=list, blank=True, help_text="Planned ladders, most popular first.")
    keys = models.JSONField(default=list, blank=True, help_text="[storage key, bytes] in fill order.")
    objects_total = models.PositiveIntegerField(default=0)
    bytes_total = models.BigIntegerField(default=0)
    # Progress, as the node last reported it.
    state = models.CharField(max_length=10, choices=State.choices, default=State.PLANNED)
    objects_done = models.PositiveIntegerField(default=0)
    bytes_done = models.BigIntegerField(default=0)
    progress_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["node__name"]

    def __str__(self) -> str:
        return f"fill plan v{self.version} of {self.node}"

    @property
    def percent_done(self) -> float:
        return 100.0 * self.bytes_done / self.bytes_total if self.bytes_total else 100.0


class EdgeTraffic(models.Model):
    """What one node served on one day (UTC) to the viewers of one zone:
    bytes, and the Common Media Client Data their players sent with each
    request (startup, rebuffering, bitrate), added up from heartbeats.
    ``viewer_zone`` is the zone the viewer's signed token names ('' when
    it names none); bytes to viewers of other zones are cross-zone."""

    node = models.ForeignKey(EdgeNode, on_delete=models.CASCADE, related_name="traffic")
    day = models.DateField()
    viewer_zone = models.CharField(max_length=40, blank=True)
    bytes_served = models.BigIntegerField(default=0)
    requests = models.BigIntegerField(default=0)
    sessions = models.BigIntegerField(default=0, help_text="CMCD sessions first seen here.")
    startups = models.BigIntegerField(default=0, help_text="Sessions whose start this node served.")
    startup_ms = models.BigIntegerField(default=0, help_text="Sum of those startups, ms.")
    startup_buckets = models.JSONField(default=list, blank=True, help_text="Counts per edge.traffic bucket.")
    rebuffers = models.BigIntegerField(default=0, help_text="Requests flagged buffer starvation (CMCD bs).")
    video_ms = models.BigIntegerField(default=0, help_text="Media time of the video segments served, ms.")
    bitrate_kbps_ms = models.BigIntegerField(default=0, help_text="Sum of encoded bitrate x duration.")
    throughput_kbps = models.BigIntegerField(default=0, help_text="Sum of measured throughput (CMCD mtp).")
    throughput_samples = models.BigIntegerField(default=0)

    class Meta:
        ordering = ["-day", "node__name", "viewer_zone"]
        constraints = [models.UniqueConstraint(fields=["node", "day", "viewer_zone"], name="edge_traffic_unique")]
        verbose_name_plural = "edge traffic"

    def __str__(self) -> str:
        return f"{self.node} on {self.day} to {self.viewer_zone or 'unknown'} viewers"
