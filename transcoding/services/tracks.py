"""A title's languages in the pipeline: which audio tracks a job encodes
(the source's streams, up to TRANSCODE_MAX_AUDIO_TRACKS, and uploaded
dubs), the source's subtitle streams turned into text tracks, and the
video's text tracks packaged into its ladder as segmented WebVTT (HLS)
and whole-file sidecars (DASH)."""
from __future__ import annotations

import logging
from pathlib import Path

from django.conf import settings
from django.db import transaction

from catalog.models import AudioTrack, TextTrack, Video
from catalog.services import (
    audio_track_status_record,
    audio_tracks_from_probe,
    text_track_from_source,
    text_track_unsupported,
    text_tracks_packaged_mark,
)
from catalog.subtitles import language_name, subtitle_file_read
from streaming.core import storage

from .. import ffmpeg, packaging
from ..models import Rendition, TranscodeJob
from ..sources import source_input
from .steps import scratch

logger = logging.getLogger(__name__)


def audio_rendition_name(index: int) -> str:
    """``audio`` for the first track (the name ladders had before there were
    languages), then ``audio2``, ``audio3``...: folders of the ladder."""
    return "audio" if index == 0 else f"audio{index + 1}"


def audio_tracks_plan(*, video: Video, info: ffmpeg.SourceInfo) -> list[dict]:
    """What the job encodes, one entry per audio track, in menu order: the
    source's streams as the probe found them (the first
    TRANSCODE_MAX_AUDIO_TRACKS; the rest recorded as skipped), then the
    dubs staff uploaded. The source's default stream (else its first) is
    the default track."""
    kept = audio_tracks_from_probe(video=video, streams=info.audio_streams,
                                   limit=settings.TRANSCODE_MAX_AUDIO_TRACKS)
    dubs = list(video.audio_tracks.filter(source=AudioTrack.Source.UPLOAD).exclude(file=""))
    by_index = {s["index"]: s for s in info.audio_streams}
    default_index = next((s["index"] for s in info.audio_streams[:len(kept)] if s.get("default")),
                         kept[0].stream_index if kept else None)
    plan: list[dict] = []
    for track in [*kept, *dubs]:
        stream = by_index.get(track.stream_index) if track.source == AudioTrack.Source.EMBEDDED else None
        plan.append({
            "track": track.pk, "name": audio_rendition_name(len(plan)),
            "stream": track.stream_index if stream is not None else None,
            "file": track.file.name if track.source == AudioTrack.Source.UPLOAD else None,
            "language": track.language, "label": track.display_label, "characteristics": track.characteristics,
            "default": stream is not None and track.stream_index == default_index,
        })
    if plan and not any(p["default"] for p in plan):
        plan[0]["default"] = True
    return plan


def subtitles_extract(*, video: Video, streams: list[dict]) -> None:
    """The source's subtitle streams: text ones (mov_text, SubRip, ASS/SSA,
    WebVTT) to WebVTT with their language, checked like an upload; bitmap
    ones (PGS, DVB, VobSub) and anything else recorded as not supported.
    Never fails the job: the video plays without them, and the admin says why."""
    video.refresh_from_db(fields=["duration"])
    text = [s for s in streams if s["text"]]
    for s in streams:
        if not s["text"]:
            text_track_unsupported(video=video, language=s["language"], stream_index=s["index"],
                                   codec_name=s["codec"], title=s["title"])
    if not text:
        return
    with scratch(f"subs{video.pk}") as tmp:
        outputs = [tmp / f"s{s['index']}.vtt" for s in text]
        try:
            ffmpeg.run(ffmpeg.subtitle_extract_args(source=source_input(video), streams=[s["index"] for s in text],
                                                    outputs=outputs))
        except ffmpeg.MediaError as exc:
            logger.warning("video %s: subtitle extraction failed: %s", video.pk, exc.detail or exc.message)
        for s, path in zip(text, outputs, strict=True):
            data = path.read_bytes() if path.exists() else b""
            text_track_from_source(video=video, data=data, language=s["language"], stream_index=s["index"],
                                   codec_name=s["codec"], title=s["title"], forced=s["forced"],
                                   hearing_impaired=s["hearing_impaired"])


def text_tracks_ready(*, video: Video) -> list[TextTrack]:
    """The text tracks manifests list: ready, and packaged into the ladder."""
    return list(video.text_tracks.filter(status=TextTrack.Status.READY, packaged_revision__gt=0)
                .order_by("language", "kind"))


def text_tracks_write(*, job: TranscodeJob, out: Path, media_start: float,
                      only_new: bool = False) -> dict[int, int]:
    """Every ready text track of the job's video into ``out`` (a ladder
    folder about to be stored): ``subs/<lang>-<kind>-r<n>/index.m3u8`` and
    its WebVTT segments, on the video's segment grid, each segment's
    X-TIMESTAMP-MAP saying film time 0 is media time ``media_start`` (the
    first frame's presentation time, measured in the packaged H.264
    ladder); and ``subs/<lang>-<kind>-r<n>.vtt``, the whole file in film
    time, for DASH. Returns {track id: revision written}: mark them packaged
    (``text_tracks_packaged_mark``) once the files are stored. ``only_new``:
    leave out revisions already packaged (their files never change: storage
    replaces a file by deleting it first, so rewriting one could make a
    player miss it)."""
    plan = job.plan
    duration = float(plan["frames"]) / float(_fps(plan["fps"]))
    written: dict[int, int] = {}
    for track in job.video.text_tracks.filter(status=TextTrack.Status.READY):
        if only_new and track.packaged_revision == track.revision:
            continue
        try:
            with track.file.open("rb") as fh:
                document = subtitle_file_read(fh.read(), duration=duration, filename="track.vtt")
        except (OSError, ValueError) as exc:
            logger.warning("text track %s could not be packaged: %s", track.pk, exc)
            continue
        name = track.ladder_name_at(track.revision)
        folder = out / name
        folder.mkdir(parents=True, exist_ok=True)
        for segment, text in packaging.webvtt_segments_render(
                document.cues, segment_seconds=plan["segment_seconds"], duration=duration,
                offset_seconds=media_start):
            (folder / segment).write_text(text, encoding="utf-8")
        (folder / "index.m3u8").write_text(
            packaging.webvtt_playlist_render(segment_seconds=plan["segment_seconds"], duration=duration))
        (out / f"{name}.vtt").write_text(document.webvtt(), encoding="utf-8")
        written[track.pk] = track.revision
    return written


def _fps(raw: str) -> float:
    num, _, den = raw.partition("/")
    return int(num) / int(den or 1)


def text_tracks_package(*, video_id: int, always: bool = True) -> bool:
    """After a text track was added, replaced or removed: package the
    video's text tracks into its playable ladder and rewrite its stored
    manifests. Nothing to do before the H.264 merge (which packages them
    itself). ``always=False`` (the merge's follow-up): rewrite the manifests
    only if a track was packaged here, since storage replaces a file by
    deleting it first and a needless rewrite is a moment without manifest.
    Returns whether it rewrote them."""
    from ..selectors import job_playable_for_video
    from .merge import manifests_store

    video = Video.objects.filter(pk=video_id).first()
    job = job_playable_for_video(video=video) if video is not None else None
    if video is None or job is None or job.media_start is None:
        return False
    with scratch(f"text{video_id}") as tmp:
        written = text_tracks_write(job=job, out=tmp, media_start=job.media_start, only_new=True)
        if written:
            storage.put_tree(video.ladder_prefix, tmp)
    if not written and not always:
        return False
    with transaction.atomic():
        text_tracks_packaged_mark(packaged=written)
        job = TranscodeJob.objects.select_for_update().select_related("video").get(pk=job.pk)
        job.master_key = manifests_store(job=job)
        job.save(update_fields=["master_key"])
    return True


def track_label(language: str, label: str = "") -> str:
    return label or language_name(language)


def dub_package(*, track_id: int) -> bool:
    """A dub uploaded for a video that already plays: encode it (aligned to
    the film's timeline, loudness-normalised) and package it into the
    playable ladder as one more audio language, without transcoding the
    video again; a replaced dub gets a new folder (no cache serves the old
    sound). Before the video plays, or while a transcode runs, nothing is
    done here: that transcode's plan takes the dub, or its H.264 merge sends
    this again. Returns whether it packaged."""
    from ..selectors import job_playable_for_video
    from .chunks import audio_track_encode
    from .merge import manifests_store
    from .package import audio_rendition_package

    track = AudioTrack.objects.select_related("video").filter(pk=track_id, source=AudioTrack.Source.UPLOAD).first()
    if track is None or not track.file:
        return False
    video = track.video
    job = job_playable_for_video(video=video)
    if job is None or job.media_start is None or \
            TranscodeJob.objects.filter(video=video, status__in=TranscodeJob.ACTIVE).exists():
        return False
    planned = job.plan.get("audio_tracks") or []
    if any(p.get("track") == track.pk and p.get("file") == track.file.name for p in planned):
        return False  # already in this ladder, as uploaded
    names = set(job.renditions.filter(kind="audio").values_list("name", flat=True)) | {p["name"] for p in planned}
    index = len(names)
    while audio_rendition_name(index) in names:
        index += 1
    spec = {"track": track.pk, "name": audio_rendition_name(index), "stream": None, "file": track.file.name,
            "language": track.language, "label": track.display_label, "characteristics": track.characteristics,
            "default": False}
    try:
        with scratch(f"dub{track.pk}") as tmp:
            loudness = audio_track_encode(job=job, spec=spec, output=tmp / "dub.mp4")
            rendition = audio_rendition_package(job=job, spec=spec, source=tmp / "dub.mp4", out=tmp / "ladder",
                                                media_start=job.media_start, loudness=loudness)
            storage.put_tree(video.ladder_prefix, tmp / "ladder")
    except ffmpeg.MediaError as exc:
        if exc.retryable:
            raise
        audio_track_status_record(track_id=track.pk, status=AudioTrack.Status.FAILED,
                                  error=f"The dub could not be encoded: {exc.message}")
        return False
    with transaction.atomic():
        job = TranscodeJob.objects.select_for_update().select_related("video").get(pk=job.pk)
        audio = job.renditions.filter(kind="audio")
        before = audio.order_by("-bandwidth").first()
        old = [p["name"] for p in job.plan.get("audio_tracks") or [] if p.get("track") == track.pk]
        audio.filter(name__in=old).delete()
        rendition.save()
        _variants_count_largest_audio(job=job, before=before)
        job.plan = {**job.plan, "audio_tracks": [p for p in job.plan.get("audio_tracks") or []
                                                 if p.get("track") != track.pk] + [spec]}
        job.master_key = manifests_store(job=job)
        job.save(update_fields=["plan", "master_key"])
        audio_track_status_record(track_id=track.pk, status=AudioTrack.Status.READY)
    return True


def _variants_count_largest_audio(*, job: TranscodeJob, before: Rendition | None) -> None:
    """Every variant's BANDWIDTH counts the largest audio rendition: if the
    new one is larger, the variants grow by the difference."""
    largest = job.renditions.filter(kind="audio").order_by("-bandwidth").first()
    if largest is None or before is None or largest.bandwidth <= before.bandwidth:
        return
    peak, average = largest.bandwidth - before.bandwidth, max(0, largest.average_bandwidth - before.average_bandwidth)
    for r in job.renditions.filter(kind="video"):
        r.bandwidth += peak
        r.average_bandwidth += average
        r.save(update_fields=["bandwidth", "average_bandwidth"])


def dubs_waiting(*, video_id: int) -> list[int]:
    """Uploaded dubs of a video its playable ladder does not have yet."""
    from ..selectors import job_playable_for_video

    video = Video.objects.filter(pk=video_id).first()
    job = job_playable_for_video(video=video) if video is not None else None
    if job is None:
        return []
    planned = {(p.get("track"), p.get("file")) for p in job.plan.get("audio_tracks") or []}
    return [t.pk for t in AudioTrack.objects.filter(video_id=video_id, source=AudioTrack.Source.UPLOAD).exclude(file="")
            if (t.pk, t.file.name) not in planned]
