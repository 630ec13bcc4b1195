"""Subscribers in the admin: plans, subscriptions, profiles, sessions, and
the QoE summary per edge (startup p50/p95, rebuffer percentage)."""
from __future__ import annotations

from django.contrib import admin

from edge.selectors.traffic import DEFAULT_DAYS as EDGE_QOE_DAYS
from edge.selectors.traffic import edge_qoe_by_node
from streaming.core.admin import ServiceAdminMixin

from . import selectors, services
from .models import MyListItem, Plan, PlaybackSession, Profile, QoEReport, Subscription, WatchProgress


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by the subscriber side as people use it: staff look, never edit."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Plan)
class PlanAdmin(ServiceAdminMixin, admin.ModelAdmin):
    list_display = ["name", "max_height", "screens", "price_cents", "currency", "active", "position"]
    list_editable = ["active", "position"]
    prepopulated_fields = {"slug": ["name"]}

    def save_model(self, request, obj, form, change):
        services.plan_save(plan=obj)

    def service_delete(self, obj: Plan) -> None:
        services.plan_delete(plan=obj)


@admin.register(Subscription)
class SubscriptionAdmin(ServiceAdminMixin, admin.ModelAdmin):
    """Subscriptions begin at sign-up; staff change a plan or a status here."""

    list_display = ["user", "plan", "status", "started_at", "billing_reference"]
    list_filter = ["plan", "status"]
    search_fields = ["user__username", "user__email"]
    fields = ["user", "plan", "status", "started_at", "ends_at", "billing_reference"]
    readonly_fields = ["user", "started_at", "ends_at", "billing_reference"]

    def has_add_permission(self, request) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        current = Subscription.objects.get(pk=obj.pk)
        services.subscription_update(subscription=current, plan=form.cleaned_data["plan"],
                                     status=form.cleaned_data["status"])


@admin.register(Profile)
class ProfileAdmin(ServiceAdminMixin, admin.ModelAdmin):
    list_display = ["name", "user", "kids", "created_at"]
    list_filter = ["kids"]
    search_fields = ["name", "user__username"]

    def save_model(self, request, obj, form, change):
        if change:
            services.profile_update(profile=obj, name=form.cleaned_data["name"], kids=form.cleaned_data["kids"])
        else:
            profile = services.profile_create(user=form.cleaned_data["user"], name=form.cleaned_data["name"],
                                              kids=form.cleaned_data["kids"])
            obj.__dict__.update(profile.__dict__)

    def service_delete(self, obj: Profile) -> None:
        services.profile_delete(profile=obj)


@admin.register(PlaybackSession)
class PlaybackSessionAdmin(ReadOnlyAdmin):
    list_display = ["id", "user", "profile", "video", "country", "edge_name", "position", "started_at",
                    "last_heartbeat_at", "ended_at"]
    list_filter = ["country", "edge_name", "zone_code"]
    search_fields = ["user__username", "video__title__name"]


@admin.register(WatchProgress)
class WatchProgressAdmin(ReadOnlyAdmin):
    list_display = ["profile", "title", "video", "position", "duration", "completed", "updated_at"]
    list_filter = ["completed"]


@admin.register(MyListItem)
class MyListItemAdmin(ReadOnlyAdmin):
    list_display = ["profile", "title", "added_at"]


@admin.register(QoEReport)
class QoEReportAdmin(ReadOnlyAdmin):
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
