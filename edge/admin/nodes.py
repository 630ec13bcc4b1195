"""Admin for zones and nodes: each node's health at a glance, its fill plan
and progress, and what it served to viewers of other zones. Every write goes
through edge.services, so validation and side effects (the client-network
table's version, the plan's version) happen in one place."""
from __future__ import annotations

import threading
from typing import Any

from django.contrib import admin, messages
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from edge import services
from edge.models import EdgeNode, FillPlan, Zone
from edge.selectors.traffic import NodeQoE, ZoneTraffic, cross_zone_traffic, edge_qoe_by_node
from edge.tasks import fill_plans_build_task

BADGE_COLOURS = {
    EdgeNode.Health.HEALTHY: "#1e7e34",
    EdgeNode.Health.OVERLOADED: "#b35900",
    EdgeNode.Health.STALE: "#b02a37",
    EdgeNode.Health.NEVER: "#6c757d",
    EdgeNode.Health.DISABLED: "#495057",
}
NODE_EDIT_FIELDS = ("zone", "name", "base_url", "capacity", "enabled")
ZONE_EDIT_FIELDS = ("code", "name", "country", "latitude", "longitude", "fill_window")


def _changed(form: Any, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: form.cleaned_data[name] for name in names if name in form.changed_data}


class EdgeNodeInline(admin.TabularInline):
    model = EdgeNode
    fields = ("name", "base_url", "capacity", "enabled")
    extra = 0
    show_change_link = True


@admin.register(Zone)
class ZoneAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "country", "latitude", "longitude", "fill_window", "node_count",
                    "cross_zone_display")
    search_fields = ("code", "name", "country")
    inlines = [EdgeNodeInline]
    # One read per changelist page, kept per thread (the admin instance is shared by every request).
    _page = threading.local()

    @admin.display(description="nodes")
    def node_count(self, obj: Zone) -> int:
        return obj.nodes.count()

    @admin.display(description="served to other zones' viewers (7 days)")
    def cross_zone_display(self, obj: Zone) -> str:
        rows: dict[str, ZoneTraffic] | None = getattr(self._page, "rows", None)
        if rows is None:
            rows = self._page.rows = {row.zone: row for row in cross_zone_traffic()}
        row = rows.get(obj.code)
        if row is None or not row.bytes_served:
            return "-"
        share = row.other_zones_share
        return f"{filesizeformat(row.to_other_zones)} of {filesizeformat(row.bytes_served)} ({share:.1%})"

    def changelist_view(self, request, extra_context=None):
        self._page.rows = None
        return super().changelist_view(request, extra_context)

    def save_model(self, request, obj, form, change):
        if change:
            services.zone_update(zone=Zone.objects.get(pk=obj.pk), **_changed(form, ZONE_EDIT_FIELDS))
        else:
            created = services.zone_create(**{name: form.cleaned_data[name] for name in ZONE_EDIT_FIELDS})
            obj.pk = created.pk

    def delete_model(self, request, obj):
        services.zone_delete(zone=obj)

    def delete_queryset(self, request, queryset):
        for zone in queryset:
            services.zone_delete(zone=zone)

    @transaction.atomic
    def save_formset(self, request, form, formset, change):
        # The inline nodes: created, changed and deleted through the services.
        formset.save(commit=False)
        for node in formset.deleted_objects:
            services.edge_node_delete(node=node)
        for inline in formset.forms:
            node = inline.instance
            if inline in formset.deleted_forms or not inline.has_changed():
                continue
            fields = {name: inline.cleaned_data[name] for name in ("name", "base_url", "capacity", "enabled")}
            if node.pk:
                services.edge_node_update(node=EdgeNode.objects.get(pk=node.pk), **_changed(inline, tuple(fields)))
            else:
                created = services.edge_node_create(zone=form.instance, **fields)
                node.pk = created.pk


class FillPlanInline(admin.StackedInline):
    model = FillPlan
    can_delete = False
    extra = 0
    max_num = 0
    fields = ("version", "state", "progress", "window", "start_now", "rate_mbps", "budget_display",
              "created_at", "progress_at", "titles_display")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="progress")
    def progress(self, obj: FillPlan) -> str:
        return (f"{obj.objects_done}/{obj.objects_total} objects, {filesizeformat(obj.bytes_done)} of "
                f"{filesizeformat(obj.bytes_total)} ({obj.percent_done:.0f}%)")

    @admin.display(description="budget")
    def budget_display(self, obj: FillPlan) -> str:
        return filesizeformat(obj.budget_bytes)

    @admin.display(description="titles (most popular first)")
    def titles_display(self, obj: FillPlan):
        if not obj.titles:
            return "none"
        return format_html("<ol>{}</ol>", format_html_join(
            "", "<li>{} &mdash; {} plays, {} objects, {}</li>",
            ((t.get("video"), t.get("plays"), t.get("objects"), filesizeformat(t.get("bytes") or 0))
             for t in obj.titles[:50])))


@admin.register(EdgeNode)
class EdgeNodeAdmin(admin.ModelAdmin):
    list_display = ("name", "zone", "health_badge", "base_url", "load_display", "requests_per_second",
                    "cache_display", "hit_ratio_display", "origin_share", "fill_display", "cross_zone_display",
                    "heartbeat_age", "enabled")
    list_filter = ("zone", "enabled")
    search_fields = ("name", "base_url")
    list_select_related = ("zone", "fill_plan")
    readonly_fields = ("secret", "last_heartbeat_at", "last_heartbeat_ts", "active_connections",
                       "requests_per_second", "cache_bytes", "cache_max_bytes", "hit_ratio", "bytes_served",
                       "origin_bytes", "peer_bytes_in", "peer_bytes_out", "software", "created_at")
    inlines = [FillPlanInline]
    _page = threading.local()
    actions = ["enable_nodes", "disable_nodes", "rotate_secrets", "plan_fill_now"]

    @admin.display(description="health")
    def health_badge(self, obj: EdgeNode):
        health = EdgeNode.Health(obj.health())
        return format_html(
            '<span style="background:{};color:#fff;padding:1px 8px;border-radius:8px">{}</span>',
            BADGE_COLOURS[health], health.label,
        )

    @admin.display(description="load")
    def load_display(self, obj: EdgeNode) -> str:
        return f"{obj.active_connections}/{obj.capacity} ({obj.load:.0%})"

    @admin.display(description="cache")
    def cache_display(self, obj: EdgeNode) -> str:
        if not obj.cache_max_bytes:
            return filesizeformat(obj.cache_bytes)
        return f"{filesizeformat(obj.cache_bytes)} / {filesizeformat(obj.cache_max_bytes)}"

    @admin.display(description="hit ratio")
    def hit_ratio_display(self, obj: EdgeNode) -> str:
        return "-" if obj.hit_ratio is None else f"{obj.hit_ratio:.1%}"

    @admin.display(description="from origin")
    def origin_share(self, obj: EdgeNode) -> str:
        """Bytes filled from origin per byte served, since the node started."""
        return f"{obj.origin_bytes / obj.bytes_served:.1%}" if obj.bytes_served else "-"

    @admin.display(description="fill plan")
    def fill_display(self, obj: EdgeNode) -> str:
        plan = getattr(obj, "fill_plan", None)
        if plan is None:
            return "-"
        return f"v{plan.version} {plan.get_state_display().split(' (')[0].lower()}, {plan.percent_done:.0f}%"

    @admin.display(description="to other zones' viewers (7 days)")
    def cross_zone_display(self, obj: EdgeNode) -> str:
        rows: dict[str, NodeQoE] | None = getattr(self._page, "rows", None)
        if rows is None:
            rows = self._page.rows = {row.node: row for row in edge_qoe_by_node()}
        row = rows.get(obj.name)
        return "-" if row is None or not row.bytes_served else f"{row.cross_zone_share:.1%}"

    @admin.display(description="last heartbeat")
    def heartbeat_age(self, obj: EdgeNode) -> str:
        if obj.last_heartbeat_at is None:
            return "never"
        return f"{int((timezone.now() - obj.last_heartbeat_at).total_seconds())} s ago"

    def changelist_view(self, request, extra_context=None):
        self._page.rows = None
        return super().changelist_view(request, extra_context)

    def save_model(self, request, obj, form, change):
        if change:
            services.edge_node_update(node=EdgeNode.objects.get(pk=obj.pk), **_changed(form, NODE_EDIT_FIELDS))
        else:
            created = services.edge_node_create(zone=obj.zone, name=obj.name, base_url=obj.base_url,
                                                capacity=obj.capacity, enabled=obj.enabled)
            obj.pk, obj.secret = created.pk, created.secret

    def save_formset(self, request, form, formset, change):
        # The fill plan inline is read-only: plans are written by edge.services.fill only.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    def delete_model(self, request, obj):
        services.edge_node_delete(node=obj)

    def delete_queryset(self, request, queryset):
        for node in queryset:
            services.edge_node_delete(node=node)

    @admin.action(description="Enable the selected nodes")
    def enable_nodes(self, request, queryset):
        changed = services.edge_node_enabled_set(nodes=queryset, enabled=True)
        messages.info(request, f"{changed} nodes enabled.")

    @admin.action(description="Disable the selected nodes (no new traffic)")
    def disable_nodes(self, request, queryset):
        changed = services.edge_node_enabled_set(nodes=queryset, enabled=False)
        messages.info(request, f"{changed} nodes disabled.")

    @admin.action(description="Rotate heartbeat secrets (the nodes must get the new ones)")
    def rotate_secrets(self, request, queryset):
        for node in queryset:
            services.edge_node_secret_rotate(node=node)
        messages.info(request, f"New secrets for {queryset.count()} nodes; see each node's page.")

    @admin.action(description="Plan push fill now and run it at once (like edge_fill --now)")
    def plan_fill_now(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        transaction.on_commit(lambda: fill_plans_build_task.send(ids, True))
        messages.info(request, f"Planning push fill for {len(ids)} nodes; healthy ones start at once.")
