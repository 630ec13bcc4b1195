from django.contrib import admin

from .models import WorkerPing


@admin.register(WorkerPing)
class WorkerPingAdmin(admin.ModelAdmin):
    list_display = ["id", "sent_at", "answered_at", "worker_host", "worker_pid"]
    readonly_fields = list_display
