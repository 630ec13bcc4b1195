"""Subscriber-side models live here (subscriber issue). For now: the worker
health check that proves a message crosses the broker and comes back."""
from __future__ import annotations

import uuid

from django.db import models


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
