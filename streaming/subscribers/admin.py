"""Subscribers in the admin: plans, subscriptions, profiles, sessions, and
the QoE summary per edge (startup p50/p95, rebuffer percentage)."""
from __future__ import annotations

from django.contrib import admin

from edge.selectors.traffic import DEFAULT_DAYS as EDGE_QOE_DAYS
from edge.selectors.traffic import edge_qoe_by_node

from . import selectors
from .models import MyListItem, Plan, PlaybackSession, Profile, QoEReport, Subscription, WatchProgress


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ["name", "max_height", "screens", "price_cents", "currency", "active", "position"]
    list_editable = ["active", "position"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ["user", "plan", "status", "started_at", "billing_reference"]
    list_filter = ["plan", "status"]
    search_fields = ["user__username", "user__email"]


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "kids", "created_at"]
    list_filter = ["kids"]
    search_fields = ["name", "user__username"]


@admin.register(PlaybackSession)
class PlaybackSessionAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "profile", "video", "country", "edge_name", "position", "started_at",
                    "last_heartbeat_at", "ended_at"]
    list_filter = ["country", "edge_name", "zone_code"]
    search_fields = ["user__username", "video__title__name"]
    readonly_fields = [f.name for f in PlaybackSession._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False


@admin.register(WatchProgress)
class WatchProgressAdmin(admin.ModelAdmin):
    list_display = ["profile", "title", "video", "position", "duration", "completed", "updated_at"]
    list_filter = ["completed"]


admin.site.register(MyListItem)


@admin.register(QoEReport)
class QoEReportAdmin(admin.ModelAdmin):
    list_display = ["session", "edge_name", "zone_code", "startup_ms", "stall_count", "stall_ms", "watch_ms",
                    "rebuffer", "switch_count", "error_count", "last_error"]
    list_filter = ["edge_name", "zone_code"]
    change_list_template = "admin/streaming/qoereport/change_list.html"

    @admin.display(description="rebuffer %")
    def rebuffer(self, obj: QoEReport) -> str:
        return f"{obj.rebuffer_percent:.2f}"

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "qoe_summary": selectors.qoe_by_edge(),
                         "edge_qoe": edge_qoe_by_node(), "edge_qoe_days": EDGE_QOE_DAYS}
        return super().changelist_view(request, extra_context=extra_context)
