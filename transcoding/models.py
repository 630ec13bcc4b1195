"""Source to ABR ladders: the encoding profiles (codecs and their rungs),
and the jobs, per-codec ladders, chunks and renditions of each transcode.
The database is the source of truth for progress and for when a codec's
ladder may merge; messages only carry ids."""
from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from catalog.models import Video


class Codec(models.TextChoices):
    """Video codecs a profile can encode. H.264 is always encoded: every
    device decodes it, and a title is playable once its H.264 ladder is in."""

    H264 = "h264", "H.264"
    AV1 = "av1", "AV1"
    HEVC = "hevc", "HEVC"


class EncodingProfile(models.Model):
    """The codecs and their ladders, plus the timing every rung of every
    codec shares (one keyframe grid, so segment boundaries coincide)."""

    name = models.CharField(max_length=80, unique=True)
    is_default = models.BooleanField(default=False, help_text="Used for new uploads.")
    segment_seconds = models.PositiveSmallIntegerField(
        default=6, validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text="HLS segment duration (Apple: 6 s).",
    )
    keyframe_seconds = models.PositiveSmallIntegerField(
        default=2, validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text="Keyframe interval; segments and chunks are whole multiples of it (Apple: 2 s).",
    )
    chunk_seconds = models.PositiveSmallIntegerField(
        default=36, validators=[MinValueValidator(1), MaxValueValidator(600)],
        help_text="Source cut into chunks of this length, one worker each; rounded to whole segments.",
    )
    max_fps = models.PositiveSmallIntegerField(default=60)
    audio_bitrate_kbps = models.PositiveIntegerField(default=128)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ProfileCodec(models.Model):
    """Whether a profile encodes a codec, and at which encoder preset."""

    profile = models.ForeignKey(EncodingProfile, on_delete=models.CASCADE, related_name="codecs")
    codec = models.CharField(max_length=8, choices=Codec.choices)
    enabled = models.BooleanField(default=True)
    preset = models.CharField(max_length=20, help_text=(
        "x264/x265: ultrafast ... veryslow; SVT-AV1: 0 (slowest, best) to 13 (fastest)."))

    class Meta:
        ordering = ["profile", "codec"]
        constraints = [models.UniqueConstraint(fields=["profile", "codec"], name="profile_codec_unique")]

    def __str__(self) -> str:
        return f"{self.get_codec_display()} ({'on' if self.enabled else 'off'}, preset {self.preset})"


class ProfileRung(models.Model):
    """One rung of one codec: the short side of the picture (234, 360 ...
    1080, 2160) and its average video bitrate. Rungs above the source are
    skipped; one rung per height and codec (its folder is ``v<height>``)."""

    profile = models.ForeignKey(EncodingProfile, on_delete=models.CASCADE, related_name="rungs")
    codec = models.CharField(max_length=8, choices=Codec.choices, default=Codec.H264)
    height = models.PositiveIntegerField(validators=[MinValueValidator(64), MaxValueValidator(4320)])
    video_bitrate_kbps = models.PositiveIntegerField(validators=[MinValueValidator(50)])

    class Meta:
        ordering = ["profile", "codec", "height"]
        constraints = [models.UniqueConstraint(fields=["profile", "codec", "height"], name="rung_unique_height")]

    def __str__(self) -> str:
        return f"{self.get_codec_display()} {self.height}p @ {self.video_bitrate_kbps} kb/s"


class TranscodeJob(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        PROBING = "probing", "Probing"
        # Chunks encoding or ladders merging, codec by codec (see CodecLadder).
        ENCODING = "encoding", "Encoding"
        MERGING = "merging", "Merging"  # jobs from before per-codec ladders only
        DONE = "done", "Done"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"

    ACTIVE = (Status.PENDING, Status.PROBING, Status.ENCODING, Status.MERGING)

    video = models.ForeignKey(Video, on_delete=models.CASCADE, related_name="jobs")
    profile = models.ForeignKey(EncodingProfile, on_delete=models.PROTECT, related_name="jobs")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    error = models.TextField(blank=True)
    progress = models.FloatField(default=0.0, help_text="Percent, 0-100.")
    source_info = models.JSONField(default=dict, blank=True, help_text="What ffprobe found.")
    plan = models.JSONField(default=dict, blank=True, help_text="Rungs, frame rate, chunk grid.")
    master_key = models.CharField(max_length=500, blank=True)
    media_start = models.FloatField(null=True, blank=True, help_text=(
        "Seconds: when the first frame is presented in the packaged H.264 ladder (measured at its merge); "
        "the audio and every other codec are packaged to start at the same instant."))
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The embedded broker keeps messages in one process's memory: that process
    # owns the job's next step. A process that finds the owner dead takes the
    # job over and sends its step again (transcoding/services/recovery.py).
    owner = models.CharField(max_length=300, blank=True, help_text=(
        "host:pid:start of the embedded-broker process holding this job's messages; "
        "blank with a broker server, which keeps them itself."))
    owner_seen_at = models.DateTimeField(null=True, blank=True, help_text="The owner's last renewal.")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Job {self.pk} for {self.video}"

    @property
    def work_prefix(self) -> str:
        """Where chunk outputs are uploaded: deterministic, so a redelivered
        message overwrites its own output instead of adding another."""
        return f"work/{self.video.public_id}/job-{self.pk}"


class CodecLadder(models.Model):
    """One codec's ladder within a job: its own state, progress, merge and
    failure reason. A title is playable once its H.264 ladder is done; an
    AV1 or HEVC ladder that fails fails alone (the H.264 one still ships),
    and Retry redoes only what it is missing."""

    class Status(models.TextChoices):
        ENCODING = "encoding", "Encoding"
        MERGING = "merging", "Merging"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    TERMINAL = (Status.DONE, Status.FAILED)

    job = models.ForeignKey(TranscodeJob, on_delete=models.CASCADE, related_name="ladders")
    codec = models.CharField(max_length=8, choices=Codec.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ENCODING)
    error = models.TextField(blank=True, help_text="Why this codec failed, in plain words.")
    progress = models.FloatField(default=0.0, help_text="Percent, 0-100.")
    merge_requested_at = models.DateTimeField(null=True, blank=True)
    merge_started_at = models.DateTimeField(null=True, blank=True)
    merge_attempts = models.PositiveIntegerField(
        default=0, help_text="Merges claimed so far; the latest claim is the only one that may finish.")
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["job", "codec"]
        constraints = [models.UniqueConstraint(fields=["job", "codec"], name="ladder_unique_codec")]

    def __str__(self) -> str:
        return f"{self.get_codec_display()} ladder of job {self.job_id}"


class Chunk(models.Model):
    class Kind(models.TextChoices):
        VIDEO = "video", "Video"
        AUDIO = "audio", "Audio"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    job = models.ForeignKey(TranscodeJob, on_delete=models.CASCADE, related_name="chunks")
    kind = models.CharField(max_length=5, choices=Kind.choices, default=Kind.VIDEO)
    codec = models.CharField(max_length=8, choices=Codec.choices, blank=True, default=Codec.H264,
                             help_text="The video codec this chunk is encoded to (blank for the audio).")
    index = models.PositiveIntegerField()
    # The chunk's frames in the output frame rate: [start_frame, end_frame).
    start_frame = models.PositiveIntegerField(default=0)
    end_frame = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    progress = models.FloatField(default=0.0)
    attempts = models.PositiveIntegerField(default=0)
    worker = models.CharField(max_length=120, blank=True, help_text="host:pid of the last worker.")
    error = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["job", "kind", "codec", "index"]
        constraints = [
            models.UniqueConstraint(fields=["job", "kind", "codec", "index"], name="chunk_unique_index")
        ]

    def __str__(self) -> str:
        if self.kind == self.Kind.AUDIO:
            return f"audio of job {self.job_id}"
        codec = "" if self.codec == Codec.H264 else f" {self.get_codec_display()}"
        return f"chunk {self.index}{codec} of job {self.job_id} (frames {self.start_frame}-{self.end_frame})"

    @property
    def frames(self) -> int:
        return self.end_frame - self.start_frame


class Rendition(models.Model):
    """One playable rung of a merged ladder (or the audio), with the figures
    measured from its written segments: what the HLS multivariant playlists
    and the DASH MPDs, stored and per session, are rendered from."""

    class Kind(models.TextChoices):
        VIDEO = "video", "Video"
        AUDIO = "audio", "Audio"

    job = models.ForeignKey(TranscodeJob, on_delete=models.CASCADE, related_name="renditions")
    kind = models.CharField(max_length=5, choices=Kind.choices)
    codec = models.CharField(max_length=8, choices=Codec.choices, blank=True,
                             help_text="The video codec (blank for the audio).")
    name = models.CharField(max_length=20, help_text="Folder name: v720, av1/v720, hevc/v2160, audio.")
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    frame_rate = models.FloatField(null=True, blank=True)
    codecs = models.CharField(max_length=60)
    target_bitrate = models.PositiveIntegerField(help_text="bits/s asked of the encoder.")
    bandwidth = models.PositiveIntegerField(help_text="Peak segment bits/s, measured.")
    average_bandwidth = models.PositiveIntegerField(help_text="Average bits/s, measured.")
    playlist_key = models.CharField(max_length=500)
    iframe_playlist_key = models.CharField(max_length=500, blank=True)
    iframe_bandwidth = models.PositiveIntegerField(null=True, blank=True)
    segment_count = models.PositiveIntegerField(default=0)
    timescale = models.PositiveIntegerField(null=True, blank=True, help_text="Ticks per second of the track.")
    timeline = models.JSONField(default=list, blank=True, help_text=(
        "DASH SegmentTimeline, measured from the segments: [[start, duration, repeats], ...] in ticks."))
    # Audio only: which language it is, as the manifests name it.
    language = models.CharField(max_length=35, blank=True, help_text="BCP 47 (audio).")
    label = models.CharField(max_length=100, blank=True, help_text="Menu name (audio).")
    characteristics = models.CharField(max_length=200, blank=True, help_text=(
        "HLS CHARACTERISTICS, e.g. public.accessibility.describes-video (audio)."))
    is_default = models.BooleanField(default=False, help_text="The source's main audio (DEFAULT=YES unless the "
                                                              "viewer prefers another language).")
    loudness = models.JSONField(default=dict, blank=True, help_text=(
        "EBU R128 figures of the source stream (loudnorm's first pass) and the target (audio)."))

    class Meta:
        ordering = ["job", "kind", "codec", "-height"]
        constraints = [models.UniqueConstraint(fields=["job", "name"], name="rendition_unique_name")]

    def __str__(self) -> str:
        return f"{self.name} of job {self.job_id}"
