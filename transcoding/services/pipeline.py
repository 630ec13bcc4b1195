"""The work itself: PROBE + PLAN, BREAK + PROCESS + UPLOAD per chunk, MERGE.

Every step takes an id, locks or re-reads its row, returns quietly when the
row is gone or the job moved on, and only does the work still missing, so a
redelivered message is harmless."""
from __future__ import annotations

import logging
import math
import os
import socket
import tempfile
import time
from contextlib import contextmanager
from fractions import Fraction
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from catalog.services import video_probe_record, video_ready_mark
from streaming.core import storage

from .. import ffmpeg, hls, ladder
from ..models import Chunk, Rendition, TranscodeJob
from ..sources import source_input
from .jobs import chunks_send, job_fail, job_merge_if_ready, job_progress_update

logger = logging.getLogger(__name__)

SPRITE_TILE = (160, 90)
SPRITE_COLUMNS = 10
MAX_THUMBNAILS = 200


class JobGone(Exception):
    """The job was cancelled or failed elsewhere; stop quietly."""


@contextmanager
def scratch(label: str):
    with tempfile.TemporaryDirectory(prefix=f"transcode-{label}-", dir=settings.TRANSCODE_WORK_DIR) as d:
        yield Path(d)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


# --- PROBE + PLAN -----------------------------------------------------------------


def job_prepare(*, job_id: int) -> None:
    with transaction.atomic():
        job = TranscodeJob.objects.select_for_update().select_related("video", "profile").filter(pk=job_id).first()
        if job is None or job.status not in (TranscodeJob.Status.PENDING, TranscodeJob.Status.PROBING):
            return
        job.status = TranscodeJob.Status.PROBING
        job.started_at = job.started_at or timezone.now()
        job.save(update_fields=["status", "started_at"])
    video = job.video
    try:
        source = source_input(video)
        first, size = (None, None)
        if source.remote:
            try:
                first, size = storage.head(video.source_storage_name)
            except FileNotFoundError:
                raise ffmpeg.MediaError("The source file is missing from storage.") from None
        info = ffmpeg.probe(source, head=first, size=size)
    except ffmpeg.MediaError as exc:
        if exc.retryable:
            raise
        job_fail(job_id=job_id, reason=exc.message)
        return
    profile = job.profile
    ladder_rows = [(r.height, r.video_bitrate_kbps) for r in profile.rungs.all()] or ladder.APPLE_LADDER
    fps = ladder.output_fps(info.fps, profile.max_fps)
    gop = ladder.gop_frames(fps, profile.keyframe_seconds)
    total = ladder.output_frames(source_frames=info.frames, duration=info.duration, source_fps=info.fps, fps=fps)
    rungs = ladder.rungs_for(width=info.width, height=info.height, ladder=ladder_rows)
    chunks = ladder.chunk_plan(
        total_frames=total, gop=gop, segment_seconds=profile.segment_seconds,
        keyframe_seconds=profile.keyframe_seconds, chunk_seconds=profile.chunk_seconds,
        min_chunks=settings.TRANSCODE_MIN_CHUNKS,
    )
    plan = {
        "fps": f"{fps.numerator}/{fps.denominator}",
        "gop": gop,
        "frames": total,
        "segment_seconds": profile.segment_seconds,
        "preset": profile.x264_preset,
        "audio_bitrate": profile.audio_bitrate_kbps * 1000,
        "rungs": [r.__dict__ for r in rungs],
    }
    with transaction.atomic():
        job = TranscodeJob.objects.select_for_update().get(pk=job_id)
        if job.status != TranscodeJob.Status.PROBING:
            return
        job.source_info = info.as_dict()
        job.plan = plan
        job.status = TranscodeJob.Status.ENCODING
        job.save(update_fields=["source_info", "plan", "status"])
        video_probe_record(video_id=video.pk, width=info.width, height=info.height,
                           duration=round(float(total / fps), 3))
        for c in chunks:
            Chunk.objects.get_or_create(
                job=job, kind=Chunk.Kind.VIDEO, index=c.index,
                defaults={"start_frame": c.start_frame, "end_frame": c.end_frame},
            )
        if info.has_audio:
            Chunk.objects.get_or_create(job=job, kind=Chunk.Kind.AUDIO, index=0)
        pending = list(job.chunks.exclude(status=Chunk.Status.DONE).values_list("pk", flat=True))
        transaction.on_commit(lambda: chunks_send(chunk_ids=pending))
    logger.info("job %s: %d frames at %s fps, %d rungs, %d chunks", job_id, total, plan["fps"], len(rungs), len(chunks))


# --- BREAK + PROCESS + UPLOAD ---------------------------------------------------------


def chunk_key(job: TranscodeJob, chunk: Chunk, rung: str) -> str:
    if chunk.kind == Chunk.Kind.AUDIO:
        return f"{job.work_prefix}/audio.mp4"
    return f"{job.work_prefix}/chunks/c{chunk.index:05d}/{rung}.ts"


def chunk_process(*, chunk_id: int) -> None:
    chunk = Chunk.objects.select_related("job", "job__video").filter(pk=chunk_id).first()
    if chunk is None:
        return
    if chunk.status == Chunk.Status.DONE:
        # Redelivered after its work was done, e.g. because sending the merge
        # failed while the broker was down: make sure the merge is asked for.
        job_merge_if_ready(job_id=chunk.job_id, resend=True)
        return
    if chunk.job.status != TranscodeJob.Status.ENCODING:
        return
    attempt = chunk_claim(chunk=chunk)
    if attempt is None:
        return  # another delivery claimed it at the same moment; that one does the work
    mine = Chunk.objects.filter(pk=chunk_id, attempts=attempt)
    job = chunk.job
    try:
        with scratch(f"chunk{chunk_id}") as tmp:
            if chunk.kind == Chunk.Kind.AUDIO:
                _audio_encode(job=job, chunk=chunk, tmp=tmp, mine=mine)
            else:
                _video_encode(job=job, chunk=chunk, tmp=tmp, mine=mine)
    except JobGone:
        # Stopped because the job was cancelled or failed elsewhere (a retry redoes
        # it), or a newer attempt claimed the chunk (it does the work).
        mine.update(status=Chunk.Status.PENDING, progress=0)
        return
    except ffmpeg.MediaError as exc:
        if not mine.update(status=Chunk.Status.FAILED, error=exc.detail[-2000:] or exc.message):
            return  # superseded: the newer attempt decides
        if exc.retryable:
            raise
        job_fail(job_id=job.pk, reason=f"{exc.message} (while encoding {chunk})")
        return
    except Exception as exc:
        mine.update(status=Chunk.Status.FAILED, error=repr(exc)[:2000])
        raise  # dramatiq retries; when retries run out the job fails with this reason
    if not mine.update(status=Chunk.Status.DONE, progress=100, finished_at=timezone.now()):
        return
    job_progress_update(job_id=job.pk)
    job_merge_if_ready(job_id=job.pk)


def chunk_claim(*, chunk: Chunk) -> int | None:
    """Claim a chunk for a new attempt, by compare-and-set on its attempt
    count: of two deliveries reading the same row, exactly one claims it.
    The attempt number then fences every later write of this attempt, so an
    attempt superseded by a newer one (its worker presumed dead and the
    message redelivered) can no longer change the row. Returns the attempt
    number, or None when another delivery won."""
    attempt = chunk.attempts + 1
    claimed = (Chunk.objects.filter(pk=chunk.pk, attempts=chunk.attempts).exclude(status=Chunk.Status.DONE)
               .update(status=Chunk.Status.RUNNING, attempts=attempt, worker=worker_name(),
                       started_at=timezone.now(), progress=0, error=""))
    return attempt if claimed == 1 else None


def _progress_reporter(*, chunk: Chunk, total: int, mine):
    """Called by ffmpeg.run with frames done: store percent; stop if the job
    was cancelled or failed, or if a newer attempt took the chunk over."""
    last_check = [0.0]

    def report(done: int) -> None:
        percent = min(99.0, 100.0 * done / max(1, total))
        if not mine.update(progress=round(percent, 1)):
            raise JobGone()
        job_progress_update(job_id=chunk.job_id)
        now = time.monotonic()
        if now - last_check[0] > 2:
            last_check[0] = now
            status = TranscodeJob.objects.filter(pk=chunk.job_id).values_list("status", flat=True).first()
            if status != TranscodeJob.Status.ENCODING:
                raise JobGone()

    return report


def _video_encode(*, job: TranscodeJob, chunk: Chunk, tmp: Path, mine) -> None:
    plan = job.plan
    rungs = [ladder.Rung(**r) for r in plan["rungs"]]
    outputs = [tmp / f"{r.name}.ts" for r in rungs]
    args = ffmpeg.chunk_args(
        source=source_input(job.video), video_start=job.source_info.get("video_start", 0.0),
        fps=Fraction(plan["fps"]), start_frame=chunk.start_frame, end_frame=chunk.end_frame,
        rungs=rungs, outputs=outputs, gop=plan["gop"], preset=plan["preset"],
    )
    ffmpeg.run(args, on_frames=_progress_reporter(chunk=chunk, total=chunk.frames, mine=mine))
    for rung, path in zip(rungs, outputs, strict=True):
        if not path.exists() or path.stat().st_size == 0:
            raise ffmpeg.MediaError(f"The encoder wrote nothing for {rung.name}; the source may be damaged here.")
        storage.put(chunk_key(job, chunk, rung.name), path)


def _audio_encode(*, job: TranscodeJob, chunk: Chunk, tmp: Path, mine) -> None:
    out = tmp / "audio.mp4"
    frames_for_progress = int(float(job.source_info.get("duration", 1)) * 50)  # ~AAC frames/s/20
    ffmpeg.run(
        ffmpeg.audio_args(source=source_input(job.video), output=out, bitrate=job.plan["audio_bitrate"]),
        on_frames=_progress_reporter(chunk=chunk, total=frames_for_progress, mine=mine),
    )
    storage.put(chunk_key(job, chunk, "audio"), out)


# --- MERGE ------------------------------------------------------------------------------


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
        figures = hls.media_playlist_read(folder)
        iframe_uri, iframe_bw = hls.iframe_playlist_write(folder, figures)
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
        audio_fig = hls.media_playlist_read(out / "audio")
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
    variant_list, media = hls.ladder_parts(renditions)
    (out / "master.m3u8").write_text(hls.master_playlist_render(variants=variant_list, media=media))
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
    (out / "thumbs" / "thumbnails.vtt").write_text(hls.thumbnails_vtt_render(
        count=count, every=every, duration=seconds, sprite="sprite.jpg",
        width=tile_w, height=tile_h, columns=columns,
    ))
