"""MERGE, once per codec: when the database says a codec's chunks are all
done, join each of its rungs' chunks byte for byte, package CMAF fMP4
(stream copy), measure the playlists and timelines, write I-frame
playlists, store the ladder, and rewrite the video's stored HLS master and
DASH MPD over every codec merged so far. The H.264 merge also packages the
audio, makes the artwork, fixes the media time every codec is aligned to,
and makes the title playable. Only the latest claim of a codec's merge
finishes it and cleans up."""
from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from catalog.services import audio_track_status_record, text_tracks_packaged_mark, video_ready_mark
from streaming.core import storage

from .. import ffmpeg, packaging, tasks
from ..models import Codec, CodecLadder, Rendition, TranscodeJob
from .chunks import audio_work_key, codec_work_prefix
from .package import Packaged, codec_package
from .state import job_finish_if_complete, job_progress_update, ladder_fail, ladders_merge_waiting
from .steps import scratch
from .tracks import dubs_waiting, text_tracks_ready

logger = logging.getLogger(__name__)


def job_merge(*, job_id: int, codec: str = Codec.H264) -> bool:
    """Package one codec's ladder of a job whose chunks of that codec are all
    done. Returns whether this call finished it (False: nothing to do, or a
    newer merge superseded it)."""
    job = TranscodeJob.objects.select_related("video").filter(pk=job_id).first()
    ladder = CodecLadder.objects.filter(job_id=job_id, codec=codec).first()
    if job is None or ladder is None or job.status != TranscodeJob.Status.ENCODING \
            or ladder.status != CodecLadder.Status.MERGING:
        return False
    attempt = merge_claim(ladder=ladder)
    if attempt is None:
        return False
    mine = CodecLadder.objects.filter(pk=ladder.pk, status=CodecLadder.Status.MERGING, merge_attempts=attempt)
    try:
        with scratch(f"merge{job_id}-{codec}") as tmp:
            packaged = codec_package(job=job, codec=codec, tmp=tmp)
    except (ffmpeg.MediaError, FileNotFoundError) as exc:
        if not mine.exists():
            return False  # superseded: its winner may have cleaned up what this one was reading
        if isinstance(exc, FileNotFoundError) or exc.retryable:
            raise
        ladder_fail(job_id=job_id, codec=codec, reason=f"Packaging failed: {exc.message}")
        return False
    with transaction.atomic():
        job = TranscodeJob.objects.select_for_update().select_related("video").get(pk=job_id)
        ladder = CodecLadder.objects.get(pk=ladder.pk)
        if ladder.status != CodecLadder.Status.MERGING or ladder.merge_attempts != attempt \
                or job.status != TranscodeJob.Status.ENCODING:
            return False  # a newer merge owns the ladder, or the job was stopped meanwhile
        _renditions_replace(job=job, codec=codec, packaged=packaged)
        text_tracks_packaged_mark(packaged=packaged.text_tracks)
        ladder.status, ladder.progress, ladder.finished_at = CodecLadder.Status.DONE, 100.0, timezone.now()
        ladder.save(update_fields=["status", "progress", "finished_at"])
        # Under the job's lock, so two codecs merging at once both end up in them.
        job.master_key = manifests_store(job=job)
        job.save(update_fields=["master_key", *(["media_start"] if codec == Codec.H264 else [])])
        if codec == Codec.H264:
            video_ready_mark(video_id=job.video_id)
            for spec in job.plan.get("audio_tracks") or []:
                if spec.get("track"):
                    audio_track_status_record(track_id=spec["track"], status="ready")
    _cleanup(job=job, codec=codec)
    if codec == Codec.H264:
        ladders_merge_waiting(job_id=job_id)
        # A text track added while this merge ran is in the manifests just
        # written but was not packaged with the ladder: package them all again
        # (a few kilobytes), now that the video plays.
        tasks.text_tracks_package.send(job.video_id, False)
        for track_id in dubs_waiting(video_id=job.video_id):  # uploaded while this transcode ran
            tasks.dub_package.send(track_id)
    job_progress_update(job_id=job_id)
    if job_finish_if_complete(job_id=job_id) and not job.ladders.filter(status=CodecLadder.Status.FAILED).exists():
        _remove(job.work_prefix)  # everything merged: nothing left to retry from
    return True


def merge_claim(*, ladder: CodecLadder) -> int | None:
    """Claim a codec's merge by compare-and-set on its merge count: of two
    merges reading the same row (a redelivered message and the
    reconciler's), one claims it. The latest claim is the only one that may
    write the renditions, mark the ladder done and delete its chunks, so a
    superseded merge never removes files the newer one is reading."""
    attempt = ladder.merge_attempts + 1
    claimed = CodecLadder.objects.filter(
        pk=ladder.pk, status=CodecLadder.Status.MERGING, merge_attempts=ladder.merge_attempts,
    ).update(merge_attempts=attempt, merge_started_at=timezone.now())
    return attempt if claimed == 1 else None


def _renditions_replace(*, job: TranscodeJob, codec: str, packaged: Packaged) -> None:
    rows = Rendition.objects.filter(job=job, kind=Rendition.Kind.VIDEO, codec=codec)
    if codec == Codec.H264:
        rows = rows | Rendition.objects.filter(job=job, kind=Rendition.Kind.AUDIO)
        job.media_start = packaged.media_start
    rows.delete()
    Rendition.objects.bulk_create(packaged.renditions)


def manifests_store(*, job: TranscodeJob) -> str:
    """The video's stored multivariant playlist and static MPD, over every
    ladder merged so far (relative URLs, no pathways: the per-session ones
    are rendered from the same rows, see streaming.subscribers). Returns the
    master's key."""
    renditions = list(Rendition.objects.filter(job=job))
    prefix = job.video.ladder_prefix
    text = text_tracks_ready(video=job.video)
    variants, media = packaging.ladder_parts(renditions, text_tracks=text)
    with scratch(f"manifests{job.pk}") as tmp:
        master = tmp / "master.m3u8"
        master.write_text(packaging.master_playlist_render(variants=variants, media=media))
        storage.put(f"{prefix}/master.m3u8", master)
        try:
            mpd_text = packaging.render_mpd(packaging.dash_presentation(
                renditions, text=packaging.text_tracks_dash(text), media_start=job.media_start))
        except packaging.NoDashTimeline:
            mpd_text = ""
        if mpd_text:
            mpd = tmp / "manifest.mpd"
            mpd.write_text(mpd_text)
            storage.put(f"{prefix}/manifest.mpd", mpd)
    return f"{prefix}/master.m3u8"


def _cleanup(*, job: TranscodeJob, codec: str) -> None:
    """A merged codec's chunks (and, for H.264, the audio tracks) are no longer needed."""
    _remove(codec_work_prefix(job, codec))
    if codec == Codec.H264:
        for index in range(job.chunks.filter(kind="audio").count()):
            for key in (audio_work_key(job, index), f"{audio_work_key(job, index)}.loudness.json"):
                try:
                    storage.delete(key)
                except Exception:  # the title plays; leftovers are only disk space
                    logger.exception("could not remove the audio intermediate %s", key)


def _remove(prefix: str) -> None:
    try:
        storage.delete_prefix(prefix)
    except Exception:  # the title plays; leftovers are only disk space
        logger.exception("could not remove intermediate files under %s", prefix)
