"""Admin for zones, nodes and client networks, with each node's health at a
glance. Saves go through services so validation and cache invalidation
happen in one place."""
from __future__ import annotations

from django.contrib import admin, messages
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.html import format_html

from edge import services
from edge.models import ClientNetwork, EdgeNode, Zone

BADGE_COLOURS: dict[str, str] = {
    EdgeNode.Health.HEALTHY: "#1e7e34",
    EdgeNode.Health.OVERLOADED: "#b35900",
    EdgeNode.Health.STALE: "#b02a37",
    EdgeNode.Health.NEVER: "#6c757d",
    EdgeNode.Health.DISABLED: "#495057",
}


class EdgeNodeInline(admin.TabularInline):
    model = EdgeNode
    fields = ("name", "base_url", "capacity", "enabled")
    extra = 0
    show_change_link = True


@admin.register(Zone)
class ZoneAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "country", "latitude", "longitude", "node_count")
    search_fields = ("code", "name", "country")
    inlines = [EdgeNodeInline]

    @admin.display(description="nodes")
    def node_count(self, obj: Zone) -> int:
        return obj.nodes.count()


@admin.register(EdgeNode)
class EdgeNodeAdmin(admin.ModelAdmin):
    list_display = ("name", "zone", "health_badge", "base_url", "load_display", "requests_per_second",
                    "cache_display", "hit_ratio_display", "heartbeat_age", "enabled")
    list_filter = ("zone", "enabled")
    search_fields = ("name", "base_url")
    list_select_related = ("zone",)
    readonly_fields = ("secret", "last_heartbeat_at", "last_heartbeat_ts", "active_connections",
                       "requests_per_second", "cache_bytes", "cache_max_bytes", "hit_ratio", "bytes_served",
                       "software", "created_at")
    actions = ["enable_nodes", "disable_nodes", "rotate_secrets"]

    @admin.display(description="health")
    def health_badge(self, obj: EdgeNode):
        health = obj.health()
        return format_html(
            '<span style="background:{};color:#fff;padding:1px 8px;border-radius:8px">{}</span>',
            BADGE_COLOURS[health], EdgeNode.Health(health).label,
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

    @admin.display(description="last heartbeat")
    def heartbeat_age(self, obj: EdgeNode) -> str:
        if obj.last_heartbeat_at is None:
            return "never"
        return f"{int((timezone.now() - obj.last_heartbeat_at).total_seconds())} s ago"

    def save_model(self, request, obj, form, change):
        if change:
            obj.full_clean()
            obj.save()
        else:
            created = services.edge_node_create(zone=obj.zone, name=obj.name, base_url=obj.base_url,
                                                capacity=obj.capacity, enabled=obj.enabled)
            obj.pk, obj.secret = created.pk, created.secret

    @admin.action(description="Enable the selected nodes")
    def enable_nodes(self, request, queryset):
        queryset.update(enabled=True)

    @admin.action(description="Disable the selected nodes (no new traffic)")
    def disable_nodes(self, request, queryset):
        queryset.update(enabled=False)

    @admin.action(description="Rotate heartbeat secrets (the nodes must get the new ones)")
    def rotate_secrets(self, request, queryset):
        for node in queryset:
            services.edge_node_secret_rotate(node=node)
        messages.info(request, f"New secrets for {queryset.count()} nodes; see each node's page.")


@admin.register(ClientNetwork)
class ClientNetworkAdmin(admin.ModelAdmin):
    list_display = ("cidr", "zone", "country", "note")
    list_filter = ("zone", "country")
    search_fields = ("cidr", "note")

    def save_model(self, request, obj, form, change):
        services.client_network_save(network=obj)

    def delete_model(self, request, obj):
        services.client_network_delete(network=obj)

    def delete_queryset(self, request, queryset):
        for network in queryset:
            services.client_network_delete(network=network)
