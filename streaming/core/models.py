"""State the foundation keeps: signed-in app devices with their tokens, and
round trips through the broker (is a worker consuming?)."""
from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class ApiSession(models.Model):
    """One sign-in of one app install. It holds a short-lived access token
    and a long-lived refresh token, both stored only as SHA-256 hashes: a
    database leak gives nobody a usable token. Refreshing rotates both;
    signing out (or presenting an already-rotated refresh token, which means
    it was copied) revokes the whole sign-in."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_sessions")
    device_name = models.CharField(max_length=80, blank=True, help_text="As the app named itself.")
    access_hash = models.CharField(max_length=64, unique=True)
    access_expires_at = models.DateTimeField()
    refresh_hash = models.CharField(max_length=64, unique=True)
    previous_refresh_hash = models.CharField(max_length=64, blank=True, db_index=True)
    refresh_expires_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API sign-in"

    def __str__(self) -> str:
        return f"{self.user} on {self.device_name or 'an app'}"

    @property
    def device(self) -> str:
        """What playback counts as one screen: this app install's sign-in."""
        return f"app-{self.pk}"


class WorkerPing(models.Model):
    """One round trip through the broker: sent by a web process, answered by
    whichever worker took the message (host and pid recorded)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    sent_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    worker_host = models.CharField(max_length=255, blank=True)
    worker_pid = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-sent_at"]

    def __str__(self) -> str:
        if self.answered_at:
            return f"ping {self.id} answered by {self.worker_host}:{self.worker_pid}"
        return f"ping {self.id} waiting"
