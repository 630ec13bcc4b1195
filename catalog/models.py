"""What can be watched: titles, their seasons and episodes, genres, where
each title is available, the playable Video asset behind a film or an
episode, and source uploads on their way to becoming a Video."""
from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from streaming.core.validators import country_code_validator

from .keys import audio_upload_key, ladder_prefix, source_key, text_track_key


class Genre(models.Model):
    name = models.CharField(max_length=80, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    # Order of the rows on the browse page.
    position = models.PositiveSmallIntegerField(default=100)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class Title(models.Model):
    class Kind(models.TextChoices):
        FILM = "film", "Film"
        SERIES = "series", "Series"

    class Rating(models.TextChoices):
        # Ordered from youngest; kids profiles see ALL and SEVEN only.
        ALL = "all", "All ages"
        SEVEN = "7", "7+"
        THIRTEEN = "13", "13+"
        SIXTEEN = "16", "16+"
        EIGHTEEN = "18", "18+"

    KIDS_RATINGS = (Rating.ALL, Rating.SEVEN)

    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.FILM)
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220, unique=True)
    synopsis = models.TextField(blank=True)
    year = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1880), MaxValueValidator(2100)]
    )
    maturity_rating = models.CharField(max_length=3, choices=Rating.choices, default=Rating.THIRTEEN)
    genres = models.ManyToManyField(Genre, related_name="titles", blank=True)
    published = models.BooleanField(
        default=True, help_text="Unpublished titles are visible to staff only."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def countries(self) -> list[str]:
        """The countries this title is limited to; empty means everywhere."""
        return sorted(a.country for a in self.availability.all())


class Availability(models.Model):
    """A country where a title may be shown. A title without any rows is
    available everywhere (the common case for a school or a studio)."""

    title = models.ForeignKey(Title, on_delete=models.CASCADE, related_name="availability")
    country = models.CharField(max_length=2, validators=[country_code_validator])

    class Meta:
        verbose_name_plural = "availability"
        constraints = [
            models.UniqueConstraint(fields=["title", "country"], name="availability_unique_country")
        ]

    def __str__(self) -> str:
        return f"{self.title} in {self.country}"


class Season(models.Model):
    title = models.ForeignKey(Title, on_delete=models.CASCADE, related_name="seasons")
    number = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["title", "number"]
        constraints = [models.UniqueConstraint(fields=["title", "number"], name="season_unique_number")]

    def __str__(self) -> str:
        return f"{self.title} S{self.number:02d}"


class Episode(models.Model):
    season = models.ForeignKey(Season, on_delete=models.CASCADE, related_name="episodes")
    number = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=200)
    synopsis = models.TextField(blank=True)

    class Meta:
        ordering = ["season", "number"]
        constraints = [models.UniqueConstraint(fields=["season", "number"], name="episode_unique_number")]

    def __str__(self) -> str:
        return f"{self.season}E{self.number:02d} {self.name}"


class Artwork(models.Model):
    """A title's picture, kept in the widths the pages ask for (``srcset``).

    Both kinds are 16:9: the poster is what a card shows, the backdrop what
    a hero shows behind the title's name (so it should carry no lettering).
    Staff upload them in the admin; a frame of the title's video fills a
    missing one when a transcode finishes; the demo catalog has generated
    ones. The image as received is kept; each width is a JPEG whose name
    holds a hash of its content, so it can be cached for good."""

    class Kind(models.TextChoices):
        POSTER = "poster", "Poster (cards)"
        BACKDROP = "backdrop", "Backdrop (hero)"

    class Origin(models.TextChoices):
        UPLOAD = "upload", "Uploaded by staff"
        VIDEO = "video", "A frame of the video"
        GENERATED = "generated", "Generated (demo)"

    # The widths made of each kind, smallest first (only those the original
    # can fill without enlarging, and always the smallest).
    WIDTHS = {Kind.POSTER: (320, 480, 640, 960), Kind.BACKDROP: (640, 960, 1280, 1920)}

    title = models.ForeignKey(Title, on_delete=models.CASCADE, related_name="artwork")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    origin = models.CharField(max_length=10, choices=Origin.choices)
    original = models.CharField(max_length=500, help_text="Storage name of the image as received.")
    width = models.PositiveIntegerField(help_text="Of the original, in pixels.")
    height = models.PositiveIntegerField()
    renditions = models.JSONField(default=list, help_text='[{"width": 640, "height": 360, "key": "artwork/..."}]')
    color = models.CharField(max_length=7, default="#202028", help_text="Average colour, shown while it loads.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "artwork"
        ordering = ["title", "kind"]
        constraints = [models.UniqueConstraint(fields=["title", "kind"], name="artwork_unique_kind")]

    def __str__(self) -> str:
        return f"{self.title} {self.get_kind_display().lower()}"


def video_source_upload_to(instance: Video, filename: str) -> str:
    return source_key(instance.public_id, filename)


class Video(models.Model):
    """The playable asset: one uploaded source and the ABR ladder made from it."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", "Uploaded"
        PROCESSING = "processing", "Processing"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.ForeignKey(Title, on_delete=models.CASCADE, related_name="videos")
    episode = models.OneToOneField(
        Episode, on_delete=models.SET_NULL, null=True, blank=True, related_name="video"
    )
    source = models.FileField(upload_to=video_source_upload_to, max_length=500)
    source_name = models.CharField(max_length=255, blank=True, help_text="File name as uploaded.")
    source_size = models.BigIntegerField(null=True, blank=True, help_text="Bytes, measured in storage.")
    source_sha256 = models.CharField(max_length=64, blank=True)
    duration = models.FloatField(null=True, blank=True, help_text="Seconds.")
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.UPLOADED)
    error = models.TextField(blank=True, help_text="Why the last processing failed, in plain words.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        target = self.episode or self.title
        return f"{target} ({self.source_name or self.source.name})"

    @property
    def ladder_prefix(self) -> str:
        return ladder_prefix(self.public_id)

    @property
    def source_storage_name(self) -> str:
        """The source's name in storage (always set: a Video is made from a stored source)."""
        return self.source.name or ""


def text_track_upload_to(instance: TextTrack, filename: str) -> str:
    return text_track_key(instance.video.public_id, filename)


def audio_track_upload_to(instance: AudioTrack, filename: str) -> str:
    return audio_upload_key(instance.video.public_id, filename)


class TextTrack(models.Model):
    """Subtitles or captions of a video in one language: uploaded by staff
    (SRT or WebVTT, checked and repaired by ``catalog.subtitles``) or found
    in the source by the probe. ``file`` is the checked WebVTT in film time
    (0 = the first frame); the transcoding app packages it into the ladder
    as segmented WebVTT (HLS) and a sidecar (DASH). A bitmap stream of the
    source (PGS, DVB, VobSub) is kept as a row marked unsupported, so staff
    see it in the admin rather than never hearing of it."""

    class Kind(models.TextChoices):
        SUBTITLES = "subtitles", "Subtitles"
        CAPTIONS = "captions", "Captions (deaf and hard of hearing)"
        FORCED = "forced", "Forced (foreign dialogue and signs only)"

    class Source(models.TextChoices):
        UPLOAD = "upload", "Uploaded"
        EMBEDDED = "embedded", "In the source"

    class Status(models.TextChoices):
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"
        UNSUPPORTED = "unsupported", "Not supported"

    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="text_tracks")
    language = models.CharField(max_length=35, help_text="BCP 47: en, pt-BR, es-419, zh-Hant.")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.SUBTITLES)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.UPLOAD)
    label = models.CharField(max_length=100, blank=True, help_text="Shown in the player's menu; "
                                                                   "default: the language's name.")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.READY)
    error = models.TextField(blank=True, help_text="Why it cannot be shown, in plain words.")
    warnings = models.JSONField(default=list, blank=True, help_text="What was repaired or trimmed, by line.")
    file = models.FileField(upload_to=text_track_upload_to, max_length=500, blank=True)
    source_name = models.CharField(max_length=255, blank=True, help_text="File name as uploaded.")
    stream_index = models.PositiveIntegerField(null=True, blank=True, help_text="In the source (embedded).")
    codec_name = models.CharField(max_length=40, blank=True, help_text="In the source (embedded).")
    cue_count = models.PositiveIntegerField(default=0)
    revision = models.PositiveIntegerField(default=1, help_text="Raised by each replacement: the packaged "
                                                                "files' names carry it, so caches never "
                                                                "serve the old text.")
    packaged_revision = models.PositiveIntegerField(default=0, help_text=(
        "The revision packaged into the video's ladder (0: none yet): what manifests list, so a "
        "replacement is offered once its files are there, and the previous one until then."))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["video", "language", "kind"]
        constraints = [models.UniqueConstraint(
            fields=["video", "language", "kind"], condition=models.Q(status="ready"),
            name="text_track_unique_language")]

    def __str__(self) -> str:
        return f"{self.display_label} ({self.get_kind_display().split(' (')[0].lower()}, {self.language})"

    @property
    def display_label(self) -> str:
        from .subtitles import language_name

        name = self.label or language_name(self.language)
        if not self.label and self.kind == self.Kind.CAPTIONS:
            name += " (CC)"
        elif not self.label and self.kind == self.Kind.FORCED:
            name += " (forced)"
        return name

    def ladder_name_at(self, revision: int) -> str:
        """A packaged copy's folder under the ladder: ``subs/en-subtitles-r1``."""
        return f"subs/{self.language}-{self.kind}-r{revision}"

    @property
    def ladder_name(self) -> str:
        """The copy players are given (the packaged revision)."""
        return self.ladder_name_at(self.packaged_revision)


class AudioTrack(models.Model):
    """One language of a video's sound: an audio stream of the source (the
    probe keeps each, up to TRANSCODE_MAX_AUDIO_TRACKS) or a dub uploaded by
    staff, aligned to the video's timeline when it is encoded. Encoded once
    each (AAC-LC stereo, loudness-normalised) into its own rendition."""

    class Source(models.TextChoices):
        EMBEDDED = "embedded", "In the source"
        UPLOAD = "upload", "Uploaded dub"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for the transcode"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped (over the limit)"

    DESCRIBES_VIDEO = "public.accessibility.describes-video"

    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="audio_tracks")
    language = models.CharField(max_length=35, default="und", help_text="BCP 47; 'und' when the source "
                                                                        "does not say.")
    name = models.CharField(max_length=100, blank=True, help_text="Shown in the player's menu "
                                                                  "(the stream's title tag, if any).")
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.EMBEDDED)
    stream_index = models.PositiveIntegerField(null=True, blank=True, help_text="ffprobe's index, embedded only.")
    file = models.FileField(upload_to=audio_track_upload_to, max_length=500, blank=True)
    described_video = models.BooleanField(default=False, help_text="Audio description for blind viewers.")
    position = models.PositiveSmallIntegerField(default=0, help_text="Order in menus; 0 is the original.")
    channels = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Of the source stream.")
    codec_name = models.CharField(max_length=40, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["video", "position", "pk"]

    def __str__(self) -> str:
        return f"{self.display_label} ({self.language})"

    @property
    def display_label(self) -> str:
        from .subtitles import language_name

        name = self.name or language_name(self.language)
        if self.described_video and "descri" not in name.lower():
            name += " (audio description)"
        return name

    @property
    def characteristics(self) -> str:
        return self.DESCRIBES_VIDEO if self.described_video else ""


class SourceUpload(models.Model):
    """A source file on its way into storage, before it becomes a Video.

    ``s3``: the bytes go straight from the client to the bucket with
    presigned multipart URLs; ``chunked``: the client sends chunks at byte
    offsets to a temporary file here, and can resume after an interruption."""

    class Mode(models.TextChoices):
        S3 = "s3_multipart", "S3 presigned multipart"
        CHUNKED = "chunked", "Resumable chunks"

    class Status(models.TextChoices):
        OPEN = "open", "Receiving"
        COMPLETE = "complete", "Complete"
        ABORTED = "aborted", "Aborted"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    title = models.ForeignKey(Title, on_delete=models.CASCADE, related_name="+")
    episode = models.ForeignKey(Episode, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    video_public_id = models.UUIDField(default=uuid.uuid4, unique=True, help_text="The Video it becomes.")
    mode = models.CharField(max_length=14, choices=Mode.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    filename = models.CharField(max_length=255)
    size = models.BigIntegerField()
    part_size = models.BigIntegerField(default=0)
    key = models.CharField(max_length=500, help_text="Storage name: sources/<video public id>/<file>.")
    s3_upload_id = models.CharField(max_length=300, blank=True)
    video = models.ForeignKey(Video, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()}, {self.size} bytes)"
