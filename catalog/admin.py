"""Staff manage the catalog and upload sources here. Every write goes
through catalog.services, as the API's does."""
from __future__ import annotations

from django import forms
from django.contrib import admin
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.html import format_html

from streaming.errors import ApplicationError

from . import services
from .models import Episode, Genre, Season, Title, Video


@admin.register(Genre)
class GenreAdmin(admin.ModelAdmin):
    list_display = ["name", "position", "title_count"]
    list_editable = ["position"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]

    @admin.display(description="titles")
    def title_count(self, obj: Genre) -> int:
        return obj.titles.count()


class TitleForm(forms.ModelForm):
    countries = forms.CharField(
        required=False,
        help_text="Two-letter country codes separated by commas (e.g. IN, DE). Empty: available everywhere.",
    )

    class Meta:
        model = Title
        fields = ["kind", "name", "slug", "synopsis", "year", "maturity_rating", "genres", "published"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["countries"].initial = ", ".join(self.instance.countries)

    def clean_countries(self) -> list[str]:
        try:
            return services.countries_parse(self.cleaned_data.get("countries", ""))
        except ApplicationError as exc:
            raise forms.ValidationError(exc.message) from exc


class SeasonInline(admin.TabularInline):
    model = Season
    extra = 0
    show_change_link = True


class VideoInline(admin.TabularInline):
    model = Video
    fk_name = "title"
    extra = 0
    can_delete = False
    fields = ["source_name", "status", "duration", "created_at"]
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        # Uploads go through the Video page, which streams the file to storage.
        return False


@admin.register(Title)
class TitleAdmin(admin.ModelAdmin):
    form = TitleForm
    list_display = ["name", "kind", "year", "maturity_rating", "published", "where", "video_status"]
    list_filter = ["kind", "published", "maturity_rating", "genres"]
    search_fields = ["name", "synopsis"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["genres"]
    inlines = [SeasonInline, VideoInline]

    @admin.display(description="available in")
    def where(self, obj: Title) -> str:
        return ", ".join(obj.countries) or "everywhere"

    @admin.display(description="video")
    def video_status(self, obj: Title) -> str:
        video = obj.videos.first()
        return video.get_status_display() if video else "—"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.title_set_countries(title=obj, countries=form.cleaned_data["countries"])


class EpisodeInline(admin.TabularInline):
    model = Episode
    extra = 1


@admin.register(Season)
class SeasonAdmin(admin.ModelAdmin):
    list_display = ["__str__", "title", "number"]
    list_filter = ["title"]
    inlines = [EpisodeInline]


class VideoAddForm(forms.ModelForm):
    class Meta:
        model = Video
        fields = ["title", "episode", "source"]
        help_texts = {
            "source": "The master file (MP4, MOV, MKV...). Large files are streamed to storage, never held in memory.",
        }

    def clean(self):
        data = super().clean()
        episode, title = data.get("episode"), data.get("title")
        if episode and title and episode.season.title_id != title.pk:
            self.add_error("episode", "That episode belongs to another title.")
        return data


def status_badge(video: Video) -> str:
    colours = {"ready": "#2fbf71", "failed": "#d64545", "processing": "#d38b00", "uploaded": "#777"}
    return format_html(
        '<span style="background:{};color:#fff;padding:2px 8px;border-radius:10px">{}</span>',
        colours.get(video.status, "#777"),
        video.get_status_display(),
    )


@admin.register(Video)
class VideoAdmin(admin.ModelAdmin):
    list_display = ["__str__", "status_display", "transcode", "size", "duration", "resolution", "created_at"]
    list_filter = ["status"]
    search_fields = ["title__name", "source_name"]
    readonly_fields = [
        "public_id", "source", "source_name", "size", "source_sha256", "duration",
        "width", "height", "status", "transcode", "error", "created_at", "updated_at",
    ]
    autocomplete_fields = ["title"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = VideoAddForm
        return super().get_form(request, obj, change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj else []

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["title", "episode", "source"]
        return ["title", "episode", *self.readonly_fields]

    @admin.display(description="status", ordering="status")
    def status_display(self, obj: Video) -> str:
        return status_badge(obj)

    @admin.display(description="transcode")
    def transcode(self, obj: Video) -> str:
        from transcoding.admin import progress_bar

        job = obj.jobs.order_by("-created_at").first()
        if job is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:transcoding_transcodejob_change", args=[job.pk]),
            progress_bar(job.progress, job.status),
        )

    @admin.display(description="size", ordering="source_size")
    def size(self, obj: Video) -> str:
        return filesizeformat(obj.source_size) if obj.source_size is not None else "measuring…"

    @admin.display(description="resolution")
    def resolution(self, obj: Video) -> str:
        return f"{obj.width}×{obj.height}" if obj.width else "—"

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        video = services.video_create(
            title=form.cleaned_data["title"],
            source=form.cleaned_data["source"],
            episode=form.cleaned_data.get("episode"),
        )
        # The admin goes on with `obj` (messages, redirect): give it the saved row.
        obj.__dict__.update(video.__dict__)
