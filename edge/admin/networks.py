"""Admin for client networks (prefix -> zone or country). Large feeds are
loaded with ``manage.py client_networks_import``; single rows here. Saves
and deletes go through the services, which refresh every process's prefix
table."""
from __future__ import annotations

from django.contrib import admin

from edge import services
from edge.models import ClientNetwork


@admin.register(ClientNetwork)
class ClientNetworkAdmin(admin.ModelAdmin):
    list_display = ("cidr", "zone", "country", "note")
    list_filter = ("zone", "country")
    search_fields = ("cidr", "note")
    list_select_related = ("zone",)
    show_full_result_count = False  # a million-row feed: no second COUNT(*) per page

    def save_model(self, request, obj, form, change):
        services.client_network_save(network=obj)

    def delete_model(self, request, obj):
        services.client_network_delete(network=obj)

    def delete_queryset(self, request, queryset):
        for network in queryset:
            services.client_network_delete(network=network)
