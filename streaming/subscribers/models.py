"""The subscriber side: plans, subscriptions, profiles, playback sessions,
watch progress, my list and QoE."""
from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from catalog.models import Title, Video


class Plan(models.Model):
    """What a subscription buys: the highest rendition and how many screens."""

    name = models.CharField(max_length=40, unique=True)
    slug = models.SlugField(max_length=40, unique=True)
    max_height = models.PositiveIntegerField(
        validators=[MinValueValidator(144), MaxValueValidator(4320)],
        help_text="Highest rung (short side, e.g. 720, 1080, 2160) this plan may stream.",
    )
    screens = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text="Devices that may play at the same time.",
    )
    price_cents = models.PositiveIntegerField(default=0)
    currency = models.CharField(max_length=3, default="USD")
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True, help_text="Offered at sign-up.")

    class Meta:
        ordering = ["position", "max_height"]

    def __str__(self) -> str:
        return self.name

    @property
    def quality_label(self) -> str:
        return {720: "HD 720p", 1080: "Full HD 1080p", 2160: "Ultra HD 4K"}.get(self.max_height, f"{self.max_height}p")


class Subscription(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        PENDING = "pending", "Awaiting payment"
        CANCELLED = "cancelled", "Cancelled"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="subscription")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="subscriptions")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    started_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True, help_text="Empty: renews until cancelled.")
    billing_reference = models.CharField(
        max_length=120, blank=True, help_text="The billing provider's id for this subscription."
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.user} on {self.plan} ({self.status})"


class Profile(models.Model):
    MAX_PER_ACCOUNT = 5

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profiles")
    name = models.CharField(max_length=40)
    kids = models.BooleanField(default=False, help_text="Sees only titles rated for children.")
    # BCP 47 tags; blank: the title's original audio, and no subtitles.
    audio_language = models.CharField(max_length=35, blank=True, help_text="Preferred audio language.")
    subtitle_language = models.CharField(max_length=35, blank=True, help_text="Preferred subtitle language "
                                                                              "(blank: subtitles off).")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="profile_unique_name")]

    def __str__(self) -> str:
        return self.name


# A position or duration is a finite number of seconds: a check the database
# itself keeps, so no NaN or Infinity can be stored however it is sent (and a
# page's JSON config built from it always parses). 10**7 s is 115 days.
MAX_SECONDS = 10**7


def seconds_constraint(field: str, *, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=models.Q(**{f"{field}__gte": 0, f"{field}__lte": MAX_SECONDS}), name=name)


class PlaybackSession(models.Model):
    """One viewer watching one video on one device. It counts against the
    plan's screens while its heartbeats are fresh."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="playback_sessions")
    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="playback_sessions")
    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="playback_sessions")
    device = models.CharField(max_length=64, help_text="Browser session or app install id.")
    max_height = models.PositiveIntegerField(help_text="The plan's cap when the session began.")
    country = models.CharField(max_length=2)
    client_ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    pathways = models.JSONField(default=list, help_text="Pathway ids offered, in the order first given.")
    codecs = models.JSONField(default=list, blank=True, help_text=(
        "Video codecs this session may be given, fixed when it began: the ones the client decodes that had a "
        "merged ladder then (a ladder merged later joins new sessions, never one in progress). Empty: H.264."))
    manifest = models.CharField(max_length=4, choices=[("hls", "HLS"), ("dash", "DASH")], default="hls",
                                help_text="The manifest kind the client asked for.")
    edge_name = models.CharField(max_length=80, blank=True, help_text="First choice at start.")
    zone_code = models.CharField(max_length=32, blank=True)
    viewer_zone = models.CharField(
        max_length=40, blank=True,
        help_text="The zone the viewer belongs to, whatever its health (its token names it to the edges).",
    )
    position = models.FloatField(default=0.0)
    started_at = models.DateTimeField(auto_now_add=True)
    last_heartbeat_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-started_at"]
        indexes = [
            models.Index(fields=["user", "ended_at", "last_heartbeat_at"]),
            # Every edge heartbeat asks which sessions ended, or went quiet, lately (access.py).
            models.Index(fields=["ended_at"], name="playback_ended_at"),
            models.Index(fields=["last_heartbeat_at"], condition=models.Q(ended_at__isnull=True),
                         name="playback_open_heartbeat"),
        ]
        constraints = [seconds_constraint("position", name="session_position_seconds")]

    def __str__(self) -> str:
        return f"{self.profile} watching {self.video} on {self.device[:8]}"


class WatchProgress(models.Model):
    """Where a profile stopped in a video: resume point and "watched"."""

    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="progress")
    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="progress")
    title = models.ForeignKey(Title, on_delete=models.CASCADE, related_name="progress")
    position = models.FloatField(default=0.0)
    duration = models.FloatField(default=0.0)
    completed = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        constraints = [
            models.UniqueConstraint(fields=["profile", "video"], name="progress_unique_video"),
            seconds_constraint("position", name="progress_position_seconds"),
            seconds_constraint("duration", name="progress_duration_seconds"),
        ]

    def __str__(self) -> str:
        return f"{self.profile} at {self.position:.0f}s of {self.video}"

    @property
    def percent(self) -> float:
        return 100.0 if self.completed else (100.0 * self.position / self.duration if self.duration else 0.0)


class MyListItem(models.Model):
    profile = models.ForeignKey(Profile, on_delete=models.CASCADE, related_name="my_list")
    title = models.ForeignKey(Title, on_delete=models.CASCADE, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-added_at"]
        constraints = [models.UniqueConstraint(fields=["profile", "title"], name="mylist_unique_title")]

    def __str__(self) -> str:
        return f"{self.title} in {self.profile}'s list"


class QoEReport(models.Model):
    """Quality of experience of one session, as its player measured it
    (CTA-2066 terms): startup time, stalls, rung switches, errors."""

    session = models.OneToOneField(PlaybackSession, on_delete=models.CASCADE, related_name="qoe")
    edge_name = models.CharField(max_length=80, blank=True)
    zone_code = models.CharField(max_length=32, blank=True)
    startup_ms = models.PositiveIntegerField(null=True, blank=True)
    watch_ms = models.PositiveBigIntegerField(default=0)
    stall_count = models.PositiveIntegerField(default=0)
    stall_ms = models.PositiveBigIntegerField(default=0)
    switch_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    last_level_height = models.PositiveIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "QoE report"

    def __str__(self) -> str:
        return f"QoE of {self.session_id}"

    @property
    def rebuffer_percent(self) -> float:
        total = self.watch_ms + self.stall_ms
        return 100.0 * self.stall_ms / total if total else 0.0
