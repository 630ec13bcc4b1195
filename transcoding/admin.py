"""Encoding profiles (codecs, presets, rungs per codec), and jobs with their
progress per codec, chunks and a Retry action; and the catalog's Video page,
extended with its transcode's progress. Every write goes through
transcoding.services (or catalog.services), profiles' inlines included."""
from __future__ import annotations

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from catalog.admin import VideoAdmin, formset_save
from catalog.models import Video
from streaming.core.admin import ServiceAdminMixin
from streaming.core.errors import ApplicationError

from . import selectors, services
from .models import Chunk, Codec, CodecLadder, EncodingProfile, ProfileCodec, ProfileRung, Rendition, TranscodeJob


def progress_bar(percent: float, status: str) -> str:
    colour = {"failed": "#d64545", "done": "#2fbf71", "cancelled": "#888"}.get(status, "#417690")
    return format_html(
        '<div title="{}%" style="width:140px;background:#e5e5e5;border-radius:4px;overflow:hidden">'
        '<div style="width:{}%;background:{};color:#fff;font-size:11px;padding:1px 4px;white-space:nowrap">{}%</div>'
        "</div>",
        f"{percent:.1f}", f"{max(percent, 8):.1f}", colour, f"{percent:.0f}",
    )


class ProfileCodecInline(admin.TabularInline):
    model = ProfileCodec
    fields = ("codec", "enabled", "preset")
    can_delete = False
    max_num = len(Codec.values)

    def get_extra(self, request, obj=None, **kwargs) -> int:
        return len(Codec.values) - (obj.codecs.count() if obj else 0)


class ProfileRungInline(admin.TabularInline):
    model = ProfileRung
    fields = ("codec", "height", "video_bitrate_kbps")
    extra = 1


def ladders_badges(ladders) -> str:
    """One coloured badge per codec: "H.264 done", "AV1 41%", "HEVC failed"."""
    colours = {"failed": "#d64545", "done": "#2fbf71"}
    return format_html_join(
        " ", '<span title="{}" style="background:{};color:#fff;padding:1px 6px;border-radius:8px;'
        'font-size:11px;white-space:nowrap">{} {}</span>',
        ((ladder.error or ladder.get_status_display(), colours.get(ladder.status, "#417690"),
          ladder.get_codec_display(),
          f"{ladder.progress:.0f}%" if ladder.status not in CodecLadder.TERMINAL else ladder.status)
         for ladder in sorted(ladders, key=lambda x: selectors.CODEC_ORDER.index(x.codec))),
    )


@admin.register(EncodingProfile)
class EncodingProfileAdmin(ServiceAdminMixin, admin.ModelAdmin):
    list_display = ["name", "is_default", "codecs_on", "segment_seconds", "keyframe_seconds", "chunk_seconds",
                    "ladder"]
    inlines = [ProfileCodecInline, ProfileRungInline]

    @admin.display(description="codecs")
    def codecs_on(self, obj: EncodingProfile) -> str:
        return ", ".join(f"{Codec(c).label} ({spec['preset']})"
                         for c, spec in selectors.profile_ladders(profile=obj).items())

    @admin.display(description="rungs")
    def ladder(self, obj: EncodingProfile) -> str:
        return "; ".join(f"{Codec(c).label}: " + ", ".join(f"{h}p/{k}k" for h, k in sorted(spec["rungs"]))
                         for c, spec in selectors.profile_ladders(profile=obj).items())

    def service_delete(self, obj: EncodingProfile) -> None:
        services.profile_delete(profile=obj)

    def save_model(self, request, obj, form, change):
        services.profile_save(profile=obj)

    def save_formset(self, request, form, formset, change):
        profile = form.instance
        if formset.model is ProfileCodec:
            formset_save(
                formset,
                save=lambda c: services.profile_codec_save(profile=profile, codec=c.codec, enabled=c.enabled,
                                                           preset=c.preset),
                delete=lambda c: None,  # codec rows are turned off, never deleted
            )
        else:
            formset_save(
                formset,
                save=lambda r: services.profile_rung_save(profile=profile, codec=r.codec, height=r.height,
                                                          video_bitrate_kbps=r.video_bitrate_kbps,
                                                          rung=r if r.pk else None),
                delete=lambda r: services.profile_rung_delete(rung=r),
            )


class CodecLadderInline(admin.TabularInline):
    model = CodecLadder
    extra = 0
    can_delete = False
    verbose_name_plural = "ladders per codec"
    fields = readonly_fields = ("codec", "status", "bar", "error", "merge_attempts", "finished_at")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="progress")
    def bar(self, obj: CodecLadder) -> str:
        return progress_bar(obj.progress, obj.status)


class ChunkInline(admin.TabularInline):
    model = Chunk
    extra = 0
    can_delete = False
    fields = readonly_fields = ("kind", "codec", "index", "start_frame", "end_frame", "status", "bar", "attempts",
                                "worker", "error")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="progress")
    def bar(self, obj: Chunk) -> str:
        return progress_bar(obj.progress, obj.status)


class RenditionInline(admin.TabularInline):
    model = Rendition
    extra = 0
    can_delete = False
    fields = readonly_fields = ("name", "codec", "width", "height", "frame_rate", "codecs", "target_bitrate",
                                "bandwidth", "average_bandwidth", "segment_count")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(TranscodeJob)
class TranscodeJobAdmin(admin.ModelAdmin):
    list_display = ["__str__", "status", "bar", "codecs", "chunks_done", "created_at", "finished_at", "short_error"]
    list_filter = ["status"]
    search_fields = ["video__title__name"]
    fields = readonly_fields = ("video", "profile", "status", "bar", "codecs", "error", "source_info", "plan",
                                "master_key", "media_start", "created_at", "started_at", "finished_at")
    inlines = [CodecLadderInline, ChunkInline, RenditionInline]
    actions = ["retry", "cancel"]

    def has_add_permission(self, request) -> bool:
        return False  # jobs start from an upload, or from the Video page

    @admin.display(description="progress")
    def bar(self, obj: TranscodeJob) -> str:
        return progress_bar(obj.progress, obj.status)

    @admin.display(description="per codec")
    def codecs(self, obj: TranscodeJob) -> str:
        return ladders_badges(obj.ladders.all()) or "—"

    @admin.display(description="chunks")
    def chunks_done(self, obj: TranscodeJob) -> str:
        total = obj.chunks.count()
        done = obj.chunks.filter(status=Chunk.Status.DONE).count()
        return f"{done}/{total}" if total else "—"

    @admin.display(description="error")
    def short_error(self, obj: TranscodeJob) -> str:
        failed = [f"{ladder.get_codec_display()}: {ladder.error}" for ladder in obj.ladders.all()
                  if ladder.status == CodecLadder.Status.FAILED and ladder.error and obj.status == "done"]
        return (obj.error or "; ".join(failed))[:160]

    @admin.action(description="Retry (redo only what is missing, e.g. a failed codec)")
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
            '<a href="{}">{}</a><div style="margin-top:3px">{}</div>',
            reverse("admin:transcoding_transcodejob_change", args=[job.pk]),
            progress_bar(job.progress, job.status), ladders_badges(job.ladders.all()),
        )


admin.site.unregister(Video)
admin.site.register(Video, VideoTranscodeAdmin)
