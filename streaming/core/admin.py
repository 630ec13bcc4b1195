"""Broker pings in the admin: read-only, for checking a worker answers."""
from django.contrib import admin

from .models import WorkerPing


@admin.register(WorkerPing)
class WorkerPingAdmin(admin.ModelAdmin):
    list_display = readonly_fields = ("id", "sent_at", "answered_at", "worker_host", "worker_pid")

    def has_add_permission(self, request) -> bool:
        return False  # `manage.py worker_check` sends them
