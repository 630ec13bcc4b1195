"""Admin pages of what the edges did: traffic and QoE (from CMCD) per zone
and node, bytes served to viewers of other zones, and every node's fill
plan with its progress. Read-only: heartbeats and the planner write these."""
from __future__ import annotations

from django.contrib import admin
from django.template.defaultfilters import filesizeformat

from edge.models import EdgeTraffic, FillPlan
from edge.selectors.traffic import DEFAULT_DAYS, cross_zone_traffic, edge_qoe_by_node


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(EdgeTraffic)
class EdgeTrafficAdmin(ReadOnlyAdmin):
    """Edge QoE: startup, rebuffering and bitrate per zone and node from the
    players' CMCD, and cross-zone bytes, over the last days; the daily rows
    below."""

    list_display = ("day", "node", "viewer_zone", "bytes_display", "requests", "sessions", "startups",
                    "rebuffers")
    list_filter = ("day", "node__zone", "node", "viewer_zone")
    list_select_related = ("node",)
    change_list_template = "admin/edge/edgetraffic/change_list.html"

    @admin.display(description="bytes")
    def bytes_display(self, obj: EdgeTraffic) -> str:
        return filesizeformat(obj.bytes_served)

    def changelist_view(self, request, extra_context=None):
        extra = {"qoe_rows": edge_qoe_by_node(), "zone_rows": cross_zone_traffic(), "days": DEFAULT_DAYS}
        return super().changelist_view(request, {**(extra_context or {}), **extra})


@admin.register(FillPlan)
class FillPlanAdmin(ReadOnlyAdmin):
    list_display = ("node", "version", "state", "progress", "window", "start_now", "rate_mbps", "created_at",
                    "progress_at")
    list_filter = ("state", "node__zone")
    list_select_related = ("node",)
    exclude = ("keys",)  # thousands of keys: the titles say what is planned

    @admin.display(description="progress")
    def progress(self, obj: FillPlan) -> str:
        return (f"{obj.objects_done}/{obj.objects_total} objects, {filesizeformat(obj.bytes_done)} of "
                f"{filesizeformat(obj.bytes_total)} ({obj.percent_done:.0f}%)")
