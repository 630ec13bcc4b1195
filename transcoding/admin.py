"""Ladder profiles, and jobs with their progress, chunks and a Retry action;
and the catalog's Video page, extended with its transcode's progress.
Every write goes through transcoding.services (or catalog.services)."""
from __future__ import annotations

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from catalog.admin import VideoAdmin
from catalog.models import Video
from streaming.core.errors import ApplicationError

from . import selectors, services
from .models import Chunk, EncodingProfile, ProfileRung, Rendition, TranscodeJob


def progress_bar(percent: float, status: str) -> str:
    colour = {"failed": "#d64545", "done": "#2fbf71", "cancelled": "#888"}.get(status, "#417690")
    return format_html(
        '<div title="{}%" style="width:140px;background:#e5e5e5;border-radius:4px;overflow:hidden">'
        '<div style="width:{}%;background:{};color:#fff;font-size:11px;padding:1px 4px;white-space:nowrap">{}%</div>'
        "</div>",
        f"{percent:.1f}", f"{max(percent, 8):.1f}", colour, f"{percent:.0f}",
    )


class ProfileRungInline(admin.TabularInline):
    model = ProfileRung
    extra = 1


@admin.register(EncodingProfile)
class EncodingProfileAdmin(admin.ModelAdmin):
    list_display = ["name", "is_default", "segment_seconds", "keyframe_seconds", "chunk_seconds", "ladder"]
    inlines = [ProfileRungInline]

    @admin.display(description="rungs")
    def ladder(self, obj: EncodingProfile) -> str:
        return ", ".join(f"{r.height}p/{r.video_bitrate_kbps}k" for r in obj.rungs.all())


class ChunkInline(admin.TabularInline):
    model = Chunk
    extra = 0
    can_delete = False
    fields = readonly_fields = ("kind", "index", "start_frame", "end_frame", "status", "bar", "attempts", "worker",
                                "error")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="progress")
    def bar(self, obj: Chunk) -> str:
        return progress_bar(obj.progress, obj.status)


class RenditionInline(admin.TabularInline):
    model = Rendition
    extra = 0
    can_delete = False
    fields = readonly_fields = ("name", "width", "height", "frame_rate", "codecs", "target_bitrate", "bandwidth",
                                "average_bandwidth", "segment_count")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(TranscodeJob)
class TranscodeJobAdmin(admin.ModelAdmin):
    list_display = ["__str__", "status", "bar", "chunks_done", "created_at", "finished_at", "short_error"]
    list_filter = ["status"]
    search_fields = ["video__title__name"]
    fields = readonly_fields = ("video", "profile", "status", "bar", "error", "source_info", "plan", "master_key",
                                "created_at", "started_at", "finished_at")
    inlines = [ChunkInline, RenditionInline]
    actions = ["retry", "cancel"]

    def has_add_permission(self, request) -> bool:
        return False  # jobs start from an upload, or from the Video page

    @admin.display(description="progress")
    def bar(self, obj: TranscodeJob) -> str:
        return progress_bar(obj.progress, obj.status)

    @admin.display(description="chunks")
    def chunks_done(self, obj: TranscodeJob) -> str:
        total = obj.chunks.count()
        done = obj.chunks.filter(status=Chunk.Status.DONE).count()
        return f"{done}/{total}" if total else "—"

    @admin.display(description="error")
    def short_error(self, obj: TranscodeJob) -> str:
        return obj.error[:120]

    @admin.action(description="Retry (redo only what is missing)")
    def retry(self, request, queryset):
        self._each(request, queryset, services.job_retry, "queued again")

    @admin.action(description="Cancel")
    def cancel(self, request, queryset):
        self._each(request, queryset, services.job_cancel, "cancelled")

    def _each(self, request, queryset, service, verb):
        for job in queryset:
            try:
                service(job=job)
            except ApplicationError as exc:
                self.message_user(request, f"{job}: {exc.message}", level=messages.WARNING)
            else:
                self.message_user(request, f"{job}: {verb}.", level=messages.SUCCESS)


class VideoTranscodeAdmin(VideoAdmin):
    """The catalog's Video page with a column and a field showing the
    latest transcode's progress (the catalog itself knows nothing of jobs)."""

    list_display = [*VideoAdmin.list_display[:2], "transcode", *VideoAdmin.list_display[2:]]
    readonly_fields = [*VideoAdmin.readonly_fields, "transcode"]

    @admin.display(description="transcode")
    def transcode(self, obj: Video) -> str:
        job = selectors.job_latest_for_video(video=obj)
        if job is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:transcoding_transcodejob_change", args=[job.pk]),
            progress_bar(job.progress, job.status),
        )


admin.site.unregister(Video)
admin.site.register(Video, VideoTranscodeAdmin)
