"""State the API keeps: signed-in devices with their tokens, and source
uploads while their bytes are in transfer."""
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


class SourceUpload(models.Model):
    """A source file on its way into storage, before it becomes a Video.

    ``s3``: the bytes go straight from the client to the bucket with
    presigned multipart URLs; ``chunked``: the client sends chunks at byte
    offsets to a temporary file here, and can resume after an interruption."""

    class Mode(models.TextChoices):
        S3 = "s3_multipart", "S3 presigned multipart"
        CHUNKED = "chunked", "Resumable chunks"

    class Status(models.TextChoices):
        OPEN = "open", "Receiving"
        COMPLETE = "complete", "Complete"
        ABORTED = "aborted", "Aborted"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    title = models.ForeignKey("catalog.Title", on_delete=models.CASCADE, related_name="+")
    episode = models.ForeignKey("catalog.Episode", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    video_public_id = models.UUIDField(default=uuid.uuid4, unique=True, help_text="The Video it becomes.")
    mode = models.CharField(max_length=14, choices=Mode.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    filename = models.CharField(max_length=255)
    size = models.BigIntegerField()
    part_size = models.BigIntegerField(default=0)
    key = models.CharField(max_length=500, help_text="Storage name: sources/<video public id>/<file>.")
    s3_upload_id = models.CharField(max_length=300, blank=True)
    video = models.ForeignKey("catalog.Video", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
