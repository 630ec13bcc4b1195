"""The admin's shared pieces, and broker pings (read-only, for checking a
worker answers)."""
from django.contrib import admin, messages
from django.http import HttpResponseRedirect

from .errors import ApplicationError
from .models import WorkerPing


class ServiceAdminMixin:
    """An admin whose writes go through services: deletes call the admin's
    ``service_delete`` one object at a time (so a service can clean up what a
    row owns), and a rule a service refuses with ApplicationError (a sixth
    profile, the last profile) is shown to staff as an error message, with
    nothing saved, instead of a server error."""

    def service_delete(self, obj) -> None:
        raise NotImplementedError

    def delete_model(self, request, obj):
        self.service_delete(obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.service_delete(obj)

    def _refused(self, request, view, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except ApplicationError as exc:  # the view's transaction rolled back: nothing was written
            messages.error(request, exc.message)
            return HttpResponseRedirect(request.get_full_path())

    def changeform_view(self, request, *args, **kwargs):
        return self._refused(request, super().changeform_view, *args, **kwargs)  # type: ignore[misc]

    def delete_view(self, request, *args, **kwargs):
        return self._refused(request, super().delete_view, *args, **kwargs)  # type: ignore[misc]

    def changelist_view(self, request, *args, **kwargs):
        return self._refused(request, super().changelist_view, *args, **kwargs)  # type: ignore[misc]


@admin.register(WorkerPing)
class WorkerPingAdmin(admin.ModelAdmin):
    list_display = readonly_fields = ("id", "sent_at", "answered_at", "worker_host", "worker_pid")

    def has_add_permission(self, request) -> bool:
        return False  # `manage.py worker_check` sends them
