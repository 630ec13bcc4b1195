"""Writes of a video's text (subtitle, caption) and audio tracks.

An upload is read, checked and repaired by ``catalog.subtitles`` before
anything is stored: a file that cannot be read safely is refused with its
reason (and line), and the video and its other tracks are left exactly as
they were. A track in a language and kind the video already has is only
replaced when the caller says so (``replace=True``): the API answers 409
``track_exists`` otherwise, the admin asks for a confirmation."""
from __future__ import annotations

import logging

from django.core.files.base import ContentFile
from django.db import transaction

from streaming.core.errors import ApplicationError

from ..models import AudioTrack, TextTrack, Video
from ..signals import audio_track_uploaded, text_tracks_changed
from ..subtitles import SubtitleError, language_name, language_tag_normalise, subtitle_file_read, webvtt_render
from ..subtitles.model import Cue

logger = logging.getLogger(__name__)


def language_check(raw: str, *, field: str = "language") -> str:
    try:
        return language_tag_normalise(raw)
    except ValueError as exc:
        raise ApplicationError(str(exc), code="invalid", extra={"field": field}) from None


def _changed(video_id: int) -> None:
    transaction.on_commit(lambda: text_tracks_changed.send(sender=Video, video_id=video_id))


def text_track_upload(*, video: Video, data: bytes, filename: str, language: str,
                      kind: str = TextTrack.Kind.SUBTITLES, label: str = "", replace: bool = False) -> TextTrack:
    """Read an uploaded SRT or WebVTT file and make it the video's track in
    ``language`` and ``kind``. Refused (ApplicationError ``bad_subtitles``,
    with ``line``) when it cannot be repaired safely; ``track_exists`` when
    that language and kind are there and ``replace`` is not set. Cues past
    the video's end (when its duration is known) are trimmed, with a
    warning stored on the track."""
    language = language_check(language)
    if kind not in TextTrack.Kind.values:
        raise ApplicationError(f"The kind must be one of {', '.join(TextTrack.Kind.values)}.",
                               extra={"field": "kind"})
    try:
        document = subtitle_file_read(data, duration=video.duration or None, filename=filename)
    except SubtitleError as exc:
        raise ApplicationError(str(exc), code="bad_subtitles",
                               extra={"field": "file", "line": exc.line}) from None
    return _text_track_store(video=video, cues=document.cues, warnings=document.warnings, language=language,
                             kind=kind, label=label, replace=replace, source=TextTrack.Source.UPLOAD,
                             source_name=filename)


def _text_track_store(*, video: Video, cues: list[Cue], warnings: list[str], language: str, kind: str,
                      label: str, replace: bool, source: str, source_name: str = "",
                      stream_index: int | None = None, codec_name: str = "") -> TextTrack:
    with transaction.atomic():
        Video.objects.select_for_update().filter(pk=video.pk).first()
        existing = TextTrack.objects.filter(video=video, language=language, kind=kind,
                                            status=TextTrack.Status.READY).first()
        if existing is not None and not replace:
            raise ApplicationError(
                f"This video already has {TextTrack.Kind(kind).label.split(' (')[0].lower()} in "
                f"{language_name(language)} ({language}). Replace them? Send the file again with "
                "replace=true to replace them.",
                code="track_exists", extra={"field": "language", "track": existing.pk})
        track = existing or TextTrack(video=video, language=language, kind=kind)
        if existing is not None:
            track.revision += 1
        track.source, track.label, track.status, track.error = source, label[:100], TextTrack.Status.READY, ""
        track.warnings, track.cue_count = warnings, len(cues)
        track.source_name, track.stream_index, track.codec_name = source_name[:255], stream_index, codec_name
        old_file = track.file.name if existing is not None else ""
        track.file.save(f"{language}-{kind}-r{track.revision}.vtt",
                        ContentFile(webvtt_render(cues).encode("utf-8")), save=False)
        track.save()
        _changed(video.pk)
    if old_file and old_file != track.file.name:
        try:
            track.file.storage.delete(old_file)
        except Exception:  # only disk space
            logger.exception("could not remove the replaced text track file %s", old_file)
    return track


def text_track_from_source(*, video: Video, data: bytes, language: str, stream_index: int,
                           codec_name: str, title: str = "", forced: bool = False,
                           hearing_impaired: bool = False) -> TextTrack:
    """A text subtitle stream the probe found in the source, already turned
    into WebVTT by ffmpeg. Never replaces an uploaded track; a stream that
    cannot be read is recorded as failed with its reason."""
    language = _source_language(language)
    kind = (TextTrack.Kind.FORCED if forced else
            TextTrack.Kind.CAPTIONS if hearing_impaired else TextTrack.Kind.SUBTITLES)
    existing = TextTrack.objects.filter(video=video, language=language, kind=kind,
                                        status=TextTrack.Status.READY).first()
    if existing is not None and existing.source == TextTrack.Source.UPLOAD:
        return existing
    try:
        document = subtitle_file_read(data, duration=video.duration or None, filename="embedded.vtt")
    except SubtitleError as exc:
        track, _ = TextTrack.objects.update_or_create(
            video=video, source=TextTrack.Source.EMBEDDED, stream_index=stream_index,
            status=TextTrack.Status.FAILED,
            defaults={"language": language, "kind": kind, "label": title[:100], "codec_name": codec_name,
                      "error": f"The subtitle stream #{stream_index} ({codec_name}) could not be read: {exc}"})
        return track
    return _text_track_store(video=video, cues=document.cues, warnings=document.warnings, language=language,
                             kind=kind, label=title, replace=True, source=TextTrack.Source.EMBEDDED,
                             stream_index=stream_index, codec_name=codec_name)


def text_track_unsupported(*, video: Video, language: str, stream_index: int, codec_name: str,
                           title: str = "") -> TextTrack:
    """A bitmap subtitle stream (PGS, DVB, VobSub): pictures, not text, so
    neither WebVTT nor a browser can show them. Recorded, so staff see it
    listed in the admin with what to do."""
    names = {"hdmv_pgs_subtitle": "PGS (Blu-ray)", "dvb_subtitle": "DVB", "dvd_subtitle": "VobSub (DVD)",
             "xsub": "XSUB", "dvb_teletext": "DVB teletext"}
    track, _ = TextTrack.objects.update_or_create(
        video=video, source=TextTrack.Source.EMBEDDED, stream_index=stream_index,
        defaults={"language": _source_language(language), "kind": TextTrack.Kind.SUBTITLES,
                  "label": title[:100], "codec_name": codec_name, "status": TextTrack.Status.UNSUPPORTED,
                  "error": f"Subtitle stream #{stream_index} is {names.get(codec_name, codec_name)}: pictures of "
                           "text, which browsers cannot show as subtitles. It was not used. Upload the same "
                           "subtitles as an SRT or WebVTT file (an OCR tool such as Subtitle Edit makes one)."})
    return track


def _source_language(raw: str) -> str:
    try:
        return language_tag_normalise(raw or "und")
    except ValueError:
        return "und"


def text_tracks_packaged_mark(*, packaged: dict[int, int]) -> None:
    """{track id: revision} written into the video's ladder: manifests list
    that revision from now on (unless the track was replaced meanwhile)."""
    for track_id, revision in packaged.items():
        TextTrack.objects.filter(pk=track_id, revision=revision, packaged_revision__lt=revision).update(
            packaged_revision=revision)


def text_track_delete(*, track: TextTrack) -> None:
    video_id, name = track.video_id, track.file.name
    with transaction.atomic():
        track.delete()
        _changed(video_id)
    if name:
        try:
            track.file.storage.delete(name)
        except Exception:
            logger.exception("could not remove the text track file %s", name)


def audio_tracks_from_probe(*, video: Video, streams: list[dict], limit: int) -> list[AudioTrack]:
    """The source's audio streams as the probe found them (``index``,
    ``language``, ``title``, ``channels``, ``codec``, ``described``): the
    first ``limit`` are kept, the rest recorded as skipped. Idempotent: a
    probe run again updates the same rows; uploaded dubs are untouched."""
    kept = []
    for position, stream in enumerate(streams):
        track, _ = AudioTrack.objects.update_or_create(
            video=video, source=AudioTrack.Source.EMBEDDED, stream_index=stream["index"],
            defaults={
                "language": _source_language(stream.get("language", "")), "name": (stream.get("title") or "")[:100],
                "channels": stream.get("channels") or None, "codec_name": stream.get("codec", "")[:40],
                "described_video": bool(stream.get("described")), "position": position,
                "status": AudioTrack.Status.PENDING if position < limit else AudioTrack.Status.SKIPPED,
                "error": "" if position < limit else
                f"Only the first {limit} audio streams are kept (TRANSCODE_MAX_AUDIO_TRACKS).",
            })
        if position < limit:
            kept.append(track)
    return kept


def audio_track_upload(*, video: Video, file, language: str, name: str = "", described_video: bool = False,
                       replace: bool = False) -> AudioTrack:
    """An uploaded dub: kept as sent, then encoded (aligned to the video's
    timeline: same start, padded or cut to its length) into the video's
    ladder by the transcoding app (``audio_track_uploaded``), or by the
    transcode that is running."""
    language = language_check(language)
    if not getattr(file, "name", None) or not file.size:
        raise ApplicationError("Choose the audio file of the dub.", code="required", extra={"field": "file"})
    with transaction.atomic():
        existing = AudioTrack.objects.filter(video=video, source=AudioTrack.Source.UPLOAD, language=language,
                                             described_video=described_video).first()
        if existing is not None and not replace:
            raise ApplicationError(
                f"This video already has a dub in {language_name(language)} ({language}). Send it again with "
                "replace=true to replace it.", code="track_exists", extra={"field": "language",
                                                                           "track": existing.pk})
        track = existing or AudioTrack(video=video, source=AudioTrack.Source.UPLOAD, language=language)
        track.name, track.described_video = name[:100], described_video
        track.status, track.error = AudioTrack.Status.PENDING, ""
        track.position = 100 + AudioTrack.objects.filter(video=video, source=AudioTrack.Source.UPLOAD).count()
        track.file.save(file.name, file, save=False)
        track.save()
        transaction.on_commit(lambda: audio_track_uploaded.send(sender=AudioTrack, track_id=track.pk))
    return track


def audio_track_status_record(*, track_id: int, status: str, error: str = "") -> None:
    AudioTrack.objects.filter(pk=track_id).update(status=status, error=error[:2000])
