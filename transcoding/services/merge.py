"""MERGE: when the database says every chunk is done, join each rung's
chunks byte for byte, package fMP4 HLS (stream copy), write measured
playlists, the master, I-frame playlists and artwork, and store the ladder.
Only the latest claim of a merge finishes the job and cleans up."""
from __future__ import annotations

import logging
import math
from fractions import Fraction
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from catalog.services import video_ready_mark
from streaming.core import storage

from .. import ffmpeg, ladder, packaging
from ..models import Chunk, Rendition, TranscodeJob
from .chunks import chunk_key
from .jobs import job_fail
from .steps import scratch

logger = logging.getLogger(__name__)

SPRITE_TILE = (160, 90)
SPRITE_COLUMNS = 10
MAX_THUMBNAILS = 200


def job_merge(*, job_id: int) -> bool:
    """Package a job whose chunks are all done. Returns whether this call
    finished the job (False: nothing to do, or a newer merge superseded it)."""
    job = TranscodeJob.objects.select_related("video").filter(pk=job_id).first()
    if job is None or job.status != TranscodeJob.Status.MERGING:
        return False
    attempt = merge_claim(job=job)
    if attempt is None:
        return False
    mine = TranscodeJob.objects.filter(pk=job_id, status=TranscodeJob.Status.MERGING, merge_attempts=attempt)
    try:
        with scratch(f"merge{job_id}") as tmp:
            master_key, renditions = _merge(job=job, tmp=tmp)
    except (ffmpeg.MediaError, FileNotFoundError) as exc:
        if not mine.exists():
            return False  # superseded: its winner may have cleaned up what this one was reading
        if isinstance(exc, FileNotFoundError) or exc.retryable:
            raise
        job_fail(job_id=job_id, reason=f"Packaging failed: {exc.message}")
        return False
    with transaction.atomic():
        job = TranscodeJob.objects.select_for_update().get(pk=job_id)
        if job.status != TranscodeJob.Status.MERGING or job.merge_attempts != attempt:
            return False  # a newer merge owns the job: it writes the result and cleans up
        Rendition.objects.filter(job=job).delete()
        Rendition.objects.bulk_create(renditions)
        job.status = TranscodeJob.Status.DONE
        job.progress = 100.0
        job.master_key = master_key
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "progress", "master_key", "finished_at"])
        video_ready_mark(video_id=job.video_id)
    try:
        storage.delete_prefix(job.work_prefix)
    except Exception:  # the title plays; leftovers are only disk space
        logger.exception("could not remove intermediate files of job %s", job_id)
    return True


def merge_claim(*, job: TranscodeJob) -> int | None:
    """Claim the merge by compare-and-set on the merge count: of two merges
    reading the same row (a redelivered message and the reconciler's), one
    claims it. The latest claim is the only one that may write the
    renditions, mark the job done and delete the chunks, so a superseded
    merge never removes files the newer one is reading."""
    attempt = job.merge_attempts + 1
    claimed = TranscodeJob.objects.filter(
        pk=job.pk, status=TranscodeJob.Status.MERGING, merge_attempts=job.merge_attempts,
    ).update(merge_attempts=attempt, merge_started_at=timezone.now())
    return attempt if claimed == 1 else None


def _merge(*, job: TranscodeJob, tmp: Path) -> tuple[str, list[Rendition]]:
    plan = job.plan
    fps = Fraction(plan["fps"])
    out = tmp / "hls"
    chunks = list(job.chunks.filter(kind=Chunk.Kind.VIDEO).order_by("index"))
    has_audio = job.chunks.filter(kind=Chunk.Kind.AUDIO).exists()
    variants, renditions = [], []
    joined: dict[str, Path] = {}
    for rung in plan["rungs"]:
        name = rung["name"]
        joined[name] = tmp / f"{name}.ts"
        with joined[name].open("wb") as dst:
            for chunk in chunks:  # MPEG-TS joins byte for byte; timestamps already continuous
                storage.append(chunk_key(job, chunk, name), dst)
        folder = out / name
        folder.mkdir(parents=True)
        ffmpeg.run(ffmpeg.hls_args(input_path=joined[name], out_dir=folder,
                                   segment_seconds=plan["segment_seconds"], offset=-1.0, stream="v:0"))
        figures = packaging.media_playlist_read(folder)
        iframe_uri, iframe_bw = packaging.iframe_playlist_write(folder, figures)
        stream = ffmpeg.stream_info(joined[name])["streams"][0]
        codecs = ladder.avc_codecs(stream.get("profile", "High"), int(stream.get("level") or 40))
        variants.append((rung, figures, codecs, iframe_uri, iframe_bw))
    video_start = ffmpeg.first_pts(out / plan["rungs"][0]["name"] / "index.m3u8")
    audio_fig = None
    if has_audio:
        audio_src = storage.get(f"{job.work_prefix}/audio.mp4", tmp / "audio.mp4")
        (out / "audio").mkdir()
        ffmpeg.run(ffmpeg.hls_args(input_path=audio_src, out_dir=out / "audio",
                                   segment_seconds=plan["segment_seconds"], offset=video_start, stream="a:0"))
        audio_fig = packaging.media_playlist_read(out / "audio")
    for rung, figures, codecs, iframe_uri, iframe_bw in variants:
        name = rung["name"]
        peak = figures.peak_bps + (audio_fig.peak_bps if audio_fig else 0)
        avg = figures.average_bps + (audio_fig.average_bps if audio_fig else 0)
        all_codecs = f"{codecs},{ladder.AUDIO_CODECS}" if audio_fig else codecs
        renditions.append(Rendition(
            job=job, kind=Rendition.Kind.VIDEO, name=name, width=rung["width"], height=rung["height"],
            frame_rate=float(fps), codecs=all_codecs, target_bitrate=rung["bitrate"], bandwidth=peak,
            average_bandwidth=avg, playlist_key=f"{job.video.ladder_prefix}/{name}/index.m3u8",
            iframe_playlist_key=f"{job.video.ladder_prefix}/{name}/{iframe_uri}",
            iframe_bandwidth=iframe_bw, segment_count=len(figures.segments),
        ))
    if audio_fig:
        renditions.append(Rendition(
            job=job, kind=Rendition.Kind.AUDIO, name="audio", codecs=ladder.AUDIO_CODECS,
            target_bitrate=plan["audio_bitrate"], bandwidth=audio_fig.peak_bps,
            average_bandwidth=audio_fig.average_bps,
            playlist_key=f"{job.video.ladder_prefix}/audio/index.m3u8",
            segment_count=len(audio_fig.segments),
        ))
    variant_list, media = packaging.ladder_parts(renditions)
    (out / "master.m3u8").write_text(packaging.master_playlist_render(variants=variant_list, media=media))
    _artwork(plan=plan, joined=joined, out=out, duration=plan["frames"] / fps)
    prefix = job.video.ladder_prefix
    storage.put_tree(prefix, out)
    return f"{prefix}/master.m3u8", renditions


def _artwork(*, plan: dict, joined: dict[str, Path], out: Path, duration: Fraction) -> None:
    """Poster from the top rung; seek-preview sprite and its WebVTT from the lowest."""
    top = max(plan["rungs"], key=lambda r: r["height"])
    low = min(plan["rungs"], key=lambda r: r["height"])
    seconds = float(duration)
    ffmpeg.run(ffmpeg.poster_args(input_path=joined[top["name"]], output=out / "poster.jpg",
                                  at=min(seconds * 0.25, 10.0), height=min(720, top["height"])))
    every = max(2.0, math.ceil(seconds / MAX_THUMBNAILS))
    count = max(1, math.ceil(seconds / every))
    rows = math.ceil(count / SPRITE_COLUMNS)
    columns = min(SPRITE_COLUMNS, count)
    tile_w, tile_h = SPRITE_TILE
    if low["height"] > low["width"]:
        tile_w, tile_h = tile_h, tile_w
    (out / "thumbs").mkdir()
    ffmpeg.run(ffmpeg.sprite_args(input_path=joined[low["name"]], output=out / "thumbs" / "sprite.jpg",
                                  every=every, width=tile_w, height=tile_h, columns=columns, rows=rows))
    (out / "thumbs" / "thumbnails.vtt").write_text(packaging.thumbnails_vtt_render(
        count=count, every=every, duration=seconds, sprite="sprite.jpg",
        width=tile_w, height=tile_h, columns=columns,
    ))
