"""Staff manage the catalog and upload sources here. Every write goes
through catalog.services, as the API's do. (The transcoding app extends the
Video page with its jobs' progress: see transcoding/admin.py.)"""
from __future__ import annotations

import re

from django import forms
from django.contrib import admin, messages
from django.template.defaultfilters import filesizeformat
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.timezone import localtime

from streaming.core.admin import ServiceAdminMixin
from streaming.core.errors import ApplicationError
from streaming.core.validators import countries_parse

from . import services
from .models import Artwork, AudioTrack, Episode, Genre, Season, TextTrack, Title, Video
from .selectors import artwork_sources, title_hidden_reason, video_is_playable


@admin.register(Genre)
class GenreAdmin(ServiceAdminMixin, admin.ModelAdmin):
    list_display = ["name", "position", "title_count"]
    list_editable = ["position"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name"]

    def service_delete(self, obj: Genre) -> None:
        services.genre_delete(genre=obj)

    @admin.display(description="titles")
    def title_count(self, obj: Genre) -> int:
        return obj.titles.count()

    def save_model(self, request, obj, form, change):
        services.genre_save(genre=obj)


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
            return countries_parse(self.cleaned_data.get("countries", ""))
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
    fields = readonly_fields = ("source_name", "status", "duration", "created_at")
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        # Uploads go through the Video page, which streams the file to storage.
        return False


class ArtworkForm(forms.ModelForm):
    image = forms.FileField(
        required=False, help_text="JPEG, PNG or WebP, at least 320 pixels wide; cut to 16:9 from the middle. "
                                  "Backdrops sit behind the title's name: pictures without lettering work best.")

    class Meta:
        model = Artwork
        fields = ["kind"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:  # a new picture replaces this one; its kind stays
            self.fields["kind"].disabled = True

    def clean_image(self):
        upload = self.cleaned_data.get("image")
        if upload is None:
            if not self.instance.pk:
                raise forms.ValidationError("Choose a picture to upload.")
            return None
        data = upload.read()
        try:
            services.artwork_image_check(data=data)
        except ApplicationError as exc:
            raise forms.ValidationError(exc.message) from exc
        return data


class ArtworkInline(admin.TabularInline):
    model = Artwork
    form = ArtworkForm
    extra = 0
    fields = ["preview", "kind", "origin", "size", "image"]
    readonly_fields = ["preview", "origin", "size"]

    @admin.display(description="picture")
    def preview(self, obj: Artwork) -> str:
        sources = artwork_sources(artwork=obj) if obj.pk else []
        if not sources:
            return "—"
        return format_html('<img src="{}" alt="" style="height:72px;border-radius:4px;background:{}">',
                           sources[0].url, obj.color)

    @admin.display(description="original")
    def size(self, obj: Artwork) -> str:
        return f"{obj.width}×{obj.height}" if obj.pk else "—"


def formset_save(formset, *, save, delete) -> None:
    """Save an inline formset's rows through services instead of the ORM."""
    instances = formset.save(commit=False)
    for obj in formset.deleted_objects:
        delete(obj)
    for obj in instances:
        save(obj)


@admin.register(Title)
class TitleAdmin(ServiceAdminMixin, admin.ModelAdmin):
    form = TitleForm
    list_display = ["name", "kind", "year", "maturity_rating", "published", "where", "video_status", "subscribers"]
    list_filter = ["kind", "published", "maturity_rating", "genres"]
    search_fields = ["name", "synopsis"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["genres"]
    inlines = [ArtworkInline, SeasonInline, VideoInline]
    actions = ["artwork_from_frame"]

    def service_delete(self, obj: Title) -> None:
        services.title_delete(title=obj)

    @admin.action(description="Use a frame of the video as poster and backdrop")
    def artwork_from_frame(self, request, queryset):
        done = 0
        for title in queryset:
            video = title.videos.filter(status=Video.Status.READY).order_by("-created_at").first()
            if video is not None and services.artwork_from_video(video_id=video.pk, replace=True):
                done += 1
        self.message_user(request, f"Artwork taken from the video of {done} of {queryset.count()} titles.")

    @admin.display(description="available in")
    def where(self, obj: Title) -> str:
        return ", ".join(obj.countries) or "everywhere"

    @admin.display(description="video")
    def video_status(self, obj: Title) -> str:
        """What subscribers get (a ready video plays, whatever came after it),
        and the newest upload when it is not that one."""
        videos = sorted(obj.videos.all(), key=lambda v: v.created_at, reverse=True)
        if not videos:
            return "—"
        playing = next((v for v in videos if video_is_playable(video=v)), None)
        if playing is None or playing is videos[0]:
            return status_badge(videos[0])
        return format_html("{}<div style=\"margin-top:3px;font-size:.85em\">newest upload: {}</div>",
                           status_badge(playing), videos[0].get_status_display().lower())

    @admin.display(description="subscribers see it")
    def subscribers(self, obj: Title) -> str:
        return title_hidden_reason(title=obj) or "yes"

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("videos", "availability")

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in services.TITLE_FIELDS if name in form.cleaned_data}
        extra = {"genres": form.cleaned_data.get("genres", []), "countries": form.cleaned_data["countries"]}
        if change:
            services.title_update(title=obj, **data, **extra)
        else:
            title = services.title_create(**data, **extra)
            obj.__dict__.update(title.__dict__)  # the admin goes on with `obj` (messages, redirect)

    def save_related(self, request, form, formsets, change):
        # Genres and countries were saved by the service; inlines go through services too.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request, form, formset, change):
        if formset.model is Season:
            formset_save(
                formset,
                save=lambda s: services.season_save(title=form.instance, number=s.number, name=s.name, season=s),
                delete=lambda s: services.season_delete(season=s),
            )
        elif formset.model is Artwork:
            for deleted in formset.deleted_forms:
                if deleted.instance.pk:
                    services.artwork_delete(artwork=deleted.instance)
            for artwork_form in formset.forms:
                data = artwork_form.cleaned_data.get("image") if artwork_form.has_changed() else None
                if data and artwork_form not in formset.deleted_forms:
                    services.artwork_save(title=form.instance, kind=artwork_form.cleaned_data["kind"], data=data,
                                          origin=Artwork.Origin.UPLOAD)
            # What the admin's change message reads (the service did the writes).
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        else:
            formset.save(commit=False)  # read-only rows (videos): nothing to write


class EpisodeInline(admin.TabularInline):
    model = Episode
    extra = 1


@admin.register(Season)
class SeasonAdmin(ServiceAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "title", "number"]
    list_filter = ["title"]
    inlines = [EpisodeInline]

    def service_delete(self, obj: Season) -> None:
        services.season_delete(season=obj)

    def save_model(self, request, obj, form, change):
        season = services.season_save(title=obj.title, number=obj.number, name=obj.name,
                                      season=obj if change else None)
        obj.__dict__.update(season.__dict__)

    def save_related(self, request, form, formsets, change):
        for formset in formsets:
            formset_save(
                formset,
                save=lambda e: services.episode_save(season=form.instance, number=e.number, name=e.name,
                                                     synopsis=e.synopsis, episode=e),
                delete=lambda e: services.episode_delete(episode=e),
            )


class VideoChangeForm(forms.ModelForm):
    class Meta:
        model = Video
        fields = ["title", "episode"]

    def clean(self):
        data = super().clean() or {}
        episode, title = data.get("episode"), data.get("title")
        if episode and title and episode.season.title_id != title.pk:
            self.add_error("episode", "That episode belongs to another title.")
        return data


class VideoAddForm(VideoChangeForm):
    class Meta:
        model = Video
        fields = ["title", "episode", "source"]
        help_texts = {
            "source": "The master file (MP4, MOV, MKV...). Large files are streamed to storage, never held in memory.",
        }


def status_badge(video: Video, *, reason: bool = False) -> str:
    """The status as a coloured badge; with ``reason``, a failed video's
    reason under it (shortened; the whole of it on hover and on its page)."""
    colours = {"ready": "#2fbf71", "failed": "#d64545", "processing": "#d38b00", "uploaded": "#777"}
    badge = format_html(
        '<span style="background:{};color:#fff;padding:2px 8px;border-radius:10px;white-space:nowrap">{}</span>',
        colours.get(video.status, "#777"),
        video.get_status_display(),
    )
    if not (reason and video.status == Video.Status.FAILED and video.error):
        return badge
    short = video.error if len(video.error) <= 90 else video.error[:88].rstrip() + "…"
    return format_html(
        '{}<div style="margin-top:4px;max-width:16rem;color:#d64545;font-size:.85em" title="{}">{}</div>',
        badge, video.error, short)


class TextTrackInline(admin.TabularInline):
    """What text the video has: uploaded and embedded tracks, repairs made,
    and the source's bitmap subtitles that could not be used (with why)."""

    model = TextTrack
    extra = 0
    can_delete = False
    fields = ["language", "kind", "source", "status_text", "cue_count", "notes", "source_name"]
    readonly_fields = ["language", "kind", "source", "status_text", "cue_count", "notes", "source_name"]
    verbose_name_plural = "text tracks (subtitles and captions; add them under Catalog → Text tracks)"

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description="status")
    def status_text(self, obj: TextTrack) -> str:
        colour = {"ready": "#2fbf71", "failed": "#d64545", "unsupported": "#d38b00"}.get(obj.status, "#777")
        return format_html('<b style="color:{}">{}</b>', colour, obj.get_status_display())

    @admin.display(description="errors and repairs")
    def notes(self, obj: TextTrack) -> str:
        lines = ([obj.error] if obj.error else []) + list(obj.warnings or [])
        return format_html("<br>".join(["{}"] * len(lines)), *lines) if lines else "—"


class AudioTrackInline(admin.TabularInline):
    model = AudioTrack
    extra = 0
    can_delete = False
    fields = ["position", "language", "name", "source", "stream_index", "channels", "codec_name",
              "described_video", "status", "error"]
    readonly_fields = ["position", "language", "name", "source", "stream_index", "channels", "codec_name",
                       "described_video", "status", "error"]
    verbose_name_plural = "audio tracks (one per language, encoded once each)"

    def has_add_permission(self, request, obj=None) -> bool:
        return False


# The services' "send it again with replace=true" hint, said the admin's way.
REPLACE_HINT = re.compile(r"Send (?:the file|it) again with replace=true to replace (them|it)\.")


class TrackUploadForm(forms.ModelForm):
    """A text track or a dub added in the admin: the upload goes through its
    catalog service in clean() (``track_upload``), so a refusal is shown on
    its field: a language and kind the video has already on "replace", a bad
    file on "upload", the rest on "language"."""

    def track_upload(self, *, video: Video, upload, data: dict) -> TextTrack | AudioTrack:
        raise NotImplementedError

    def clean(self):
        data = super().clean() or {}
        video, upload = data.get("video"), data.get("upload")
        if not video or not upload or self.errors:
            return data
        try:
            self.track = self.track_upload(video=video, upload=upload, data=data)
        except ApplicationError as exc:
            if exc.code == "track_exists":
                self.add_error("replace", REPLACE_HINT.sub(r"Tick this box to replace \1.", exc.message))
            else:
                self.add_error("upload" if exc.extra.get("field") == "file" else "language", exc.message)
        return data


class UploadedTrackAdmin(admin.ModelAdmin):
    """Tracks are added (uploaded through TrackUploadForm), never edited."""

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None

    def save_model(self, request, obj, form, change):
        obj.__dict__.update(form.track.__dict__)  # saved by the service in clean()


class TextTrackForm(TrackUploadForm):
    upload = forms.FileField(help_text="SRT or WebVTT, in any common encoding (UTF-8, UTF-16, Windows-1252). "
                                       "Safe problems are repaired and listed; others are refused with the line.")
    replace = forms.BooleanField(required=False, label="Replace the existing track",
                                 help_text="Needed when the video already has this language and kind.")

    class Meta:
        model = TextTrack
        fields = ["video", "language", "kind", "label"]

    def track_upload(self, *, video: Video, upload, data: dict) -> TextTrack:
        return services.text_track_upload(
            video=video, data=upload.read(), filename=upload.name, language=data.get("language", ""),
            kind=data.get("kind", TextTrack.Kind.SUBTITLES), label=data.get("label", ""),
            replace=bool(data.get("replace")))


@admin.register(TextTrack)
class TextTrackAdmin(ServiceAdminMixin, UploadedTrackAdmin):
    list_display = ["__str__", "video", "source", "status", "cue_count", "updated_at"]
    list_filter = ["status", "kind", "source"]
    search_fields = ["video__title__name", "language", "label"]
    autocomplete_fields = ["video"]
    form = TextTrackForm

    def service_delete(self, obj: TextTrack) -> None:
        services.text_track_delete(track=obj)


class AudioTrackForm(TrackUploadForm):
    upload = forms.FileField(label="Dub", help_text="The dub's sound (WAV, FLAC, AAC, MP3...), as long as the video: "
                                                   "it is laid on the video's timeline from its first frame, "
                                                   "padded with silence or cut to the video's length.")
    replace = forms.BooleanField(required=False, label="Replace the existing dub",
                                 help_text="Needed when the video already has a dub in this language.")

    class Meta:
        model = AudioTrack
        fields = ["video", "language", "name", "described_video"]

    def track_upload(self, *, video: Video, upload, data: dict) -> AudioTrack:
        return services.audio_track_upload(
            video=video, file=upload, language=data.get("language", ""), name=data.get("name", ""),
            described_video=bool(data.get("described_video")), replace=bool(data.get("replace")))


@admin.register(AudioTrack)
class AudioTrackAdmin(UploadedTrackAdmin):
    """Dubs are added here; the source's own audio streams are listed on the
    video's page (and here), as the probe found them."""

    list_display = ["__str__", "video", "source", "status", "position"]
    list_filter = ["status", "source"]
    search_fields = ["video__title__name", "language", "name"]
    autocomplete_fields = ["video"]
    form = AudioTrackForm


@admin.register(Video)
class VideoAdmin(ServiceAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "status_display", "size", "length", "resolution", "added"]
    list_filter = ["status"]
    search_fields = ["title__name", "source_name"]
    readonly_fields = [
        "public_id", "source", "source_name", "size", "source_sha256", "duration",
        "width", "height", "status", "error", "created_at", "updated_at",
    ]
    autocomplete_fields = ["title"]
    inlines = [AudioTrackInline, TextTrackInline]

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []  # the add form posts no formsets

    def service_delete(self, obj: Video) -> None:
        services.video_delete(video=obj)

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = VideoAddForm if obj is None else VideoChangeForm
        return super().get_form(request, obj, change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj else []

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["title", "episode", "source"]
        return ["title", "episode", *self.readonly_fields]

    @admin.display(description="status", ordering="status")
    def status_display(self, obj: Video) -> str:
        return status_badge(obj, reason=True)

    @admin.display(description="length", ordering="duration")
    def length(self, obj: Video) -> str:
        if obj.duration is None:
            return "—"
        seconds = round(obj.duration)
        hours, rest = divmod(seconds, 3600)
        return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"

    @admin.display(description="added", ordering="created_at")
    def added(self, obj: Video) -> str:
        return format_html('<span style="white-space:nowrap">{}</span>',
                           date_format(localtime(obj.created_at), "j M Y, H:i"))

    @admin.display(description="size", ordering="source_size")
    def size(self, obj: Video) -> str:
        return filesizeformat(obj.source_size) if obj.source_size is not None else "measuring…"

    @admin.display(description="resolution")
    def resolution(self, obj: Video) -> str:
        return f"{obj.width}×{obj.height}" if obj.width else "—"

    def save_model(self, request, obj, form, change):
        if change:
            services.video_update(video=obj, title=form.cleaned_data["title"],
                                  episode=form.cleaned_data.get("episode"))
            return
        video = services.video_create(
            title=form.cleaned_data["title"],
            source=form.cleaned_data["source"],
            episode=form.cleaned_data.get("episode"),
        )
        # The admin goes on with `obj` (messages, redirect): give it the saved row.
        obj.__dict__.update(video.__dict__)
        # "Added successfully" says only that the file is stored: say what comes next.
        self.message_user(request, "The source is stored and its transcode has started: progress, and the "
                                   "reason if the file cannot be used, show in this list.", level=messages.INFO)
