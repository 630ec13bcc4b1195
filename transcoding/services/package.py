"""Packaging one codec's ladder of a job (the merge's heavy part, no
database writes): join each rung's chunks, package CMAF fMP4 HLS with a
stream copy, measure it (bit rates, CODECS from the init segment, the DASH
timeline), I-frame playlists; for H.264 also the audio and the artwork.

Timing: every codec and the audio present their first frame at the same
media time, the one measured in the packaged H.264 ladder (``media_start``;
the fMP4 muxer sets it from the reorder delay of x264's B-frames). H.264
and HEVC come from MPEG-TS with the pipeline's +1 s offset taken off; an
AV1 OBU stream has no timestamps and is placed at ``media_start``. Each
other codec's first frame is measured after packaging and, if a different
reorder delay moved it, packaged again with the difference corrected, so
segment boundaries coincide across codecs and one audio track fits all."""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

from streaming.core import storage

from .. import ffmpeg, packaging
from ..models import Chunk, Codec, Rendition, TranscodeJob
from .chunks import audio_track_spec, audio_work_key, chunk_key, intermediate_ext
from .tracks import text_tracks_write

SPRITE_TILE = (160, 90)
SPRITE_COLUMNS = 10
MAX_THUMBNAILS = 200
# How far (s) a codec's first frame may sit from H.264's before it is packaged again.
ALIGN_TOLERANCE = 0.0005


@dataclass
class Packaged:
    renditions: list[Rendition]
    media_start: float | None  # measured by the H.264 merge
    text_tracks: dict[int, int] = field(default_factory=dict)  # {text track id: revision} packaged (H.264)


@dataclass
class RungFigures:
    rung: dict
    figures: packaging.MediaPlaylistFigures
    codecs: str
    iframe_uri: str
    iframe_bw: int
    timescale: int
    timeline: list[list[int]]


def codec_package(*, job: TranscodeJob, codec: str, tmp: Path) -> Packaged:
    plan = job.plan
    fps = Fraction(plan["fps"])
    spec = plan["ladders"][codec]
    out = tmp / "ladder"
    chunks = list(job.chunks.filter(kind=Chunk.Kind.VIDEO, codec=codec).order_by("index"))
    container = ffmpeg.CODECS[codec].intermediate
    media_start = job.media_start if codec != Codec.H264 else None
    if codec != Codec.H264 and media_start is None:
        raise ffmpeg.MediaError("The H.264 ladder must be merged before the other codecs.", retryable=True)
    joined: dict[str, Path] = {}
    rungs: list[RungFigures] = []
    for rung in spec["rungs"]:
        name = rung["name"]
        joined[name] = tmp / f"{rung['height']}.{intermediate_ext(codec)}"
        with joined[name].open("wb") as dst:
            for chunk in chunks:  # TS and OBU join byte for byte; TS timestamps are already continuous
                storage.append(chunk_key(job, chunk, name), dst)
        folder = out / name
        offset = -1.0 if container == "mpegts" else float(media_start or 0.0)
        _package(joined[name], folder, plan, codec, fps, offset)
        if media_start is not None:
            _align(joined[name], folder, plan, codec, fps, offset, media_start)
        rungs.append(_measure(folder, rung))
    if codec == Codec.H264:
        media_start = ffmpeg.first_pts(out / spec["rungs"][0]["name"] / "index.m3u8")
    renditions = [_video_rendition(job, codec, r, fps) for r in rungs]
    text: dict[int, int] = {}
    if codec == Codec.H264:
        renditions += _audio(job=job, out=out, tmp=tmp, media_start=float(media_start or 0.0), rungs=renditions)
        _artwork(rungs=spec["rungs"], joined=joined, out=out, frames=plan["frames"], fps=fps)
        text = text_tracks_write(job=job, out=out, media_start=float(media_start or 0.0))
    else:
        audio = Rendition.objects.filter(job=job, kind=Rendition.Kind.AUDIO).order_by("-bandwidth").first()
        if audio is not None:  # packaged by the H.264 merge; every codec's variants play them
            _with_audio(renditions, peak=audio.bandwidth, average=audio.average_bandwidth, codecs=audio.codecs)
    storage.put_tree(job.video.ladder_prefix, out)
    return Packaged(renditions=renditions, media_start=media_start if codec == Codec.H264 else None,
                    text_tracks=text)


def _package(joined: Path, folder: Path, plan: dict, codec: str, fps: Fraction, offset: float) -> None:
    for old in folder.glob("*"):
        old.unlink()
    folder.mkdir(parents=True, exist_ok=True)
    facts = ffmpeg.CODECS[codec]
    ffmpeg.run(ffmpeg.hls_args(input_path=joined, out_dir=folder, segment_seconds=plan["segment_seconds"],
                               offset=offset, stream="v:0", container=facts.intermediate, fps=fps,
                               sample_entry=facts.sample_entry if codec == Codec.HEVC else None))


def _align(joined: Path, folder: Path, plan: dict, codec: str, fps: Fraction, offset: float,
           target: float) -> None:
    """Package again, moved, if the first frame is not at ``target``."""
    first = ffmpeg.first_pts(folder / "index.m3u8")
    if abs(first - target) <= ALIGN_TOLERANCE:
        return
    _package(joined, folder, plan, codec, fps, offset + (target - first))
    first = ffmpeg.first_pts(folder / "index.m3u8")
    if abs(first - target) > 0.5 / float(fps):
        raise ffmpeg.MediaError(f"{folder.name}: the first frame is at {first:.4f} s, not at {target:.4f} s like "
                                "the H.264 ladder's; its segments would not line up.")


def _measure(folder: Path, rung: dict) -> RungFigures:
    figures = packaging.media_playlist_read(folder)
    iframe_uri, iframe_bw = packaging.iframe_playlist_write(folder, figures)
    init = (folder / figures.init_uri).read_bytes()
    files = packaging.measure_segments(
        init, ((folder / s.uri).read_bytes() for s in figures.segments), init_url="", media_url="")
    return RungFigures(rung=rung, figures=figures, codecs=packaging.codecs_from_init(init), iframe_uri=iframe_uri,
                       iframe_bw=iframe_bw, timescale=files.timescale, timeline=packaging.timeline_runs(files))


def _video_rendition(job: TranscodeJob, codec: str, r: RungFigures, fps: Fraction) -> Rendition:
    name = r.rung["name"]
    return Rendition(
        job=job, kind=Rendition.Kind.VIDEO, codec=codec, name=name, width=r.rung["width"], height=r.rung["height"],
        frame_rate=float(fps), codecs=r.codecs, target_bitrate=r.rung["bitrate"], bandwidth=r.figures.peak_bps,
        average_bandwidth=r.figures.average_bps, playlist_key=f"{job.video.ladder_prefix}/{name}/index.m3u8",
        iframe_playlist_key=f"{job.video.ladder_prefix}/{name}/{r.iframe_uri}",
        iframe_bandwidth=r.iframe_bw, segment_count=len(r.figures.segments),
        timescale=r.timescale, timeline=r.timeline,
    )


def _audio(*, job: TranscodeJob, out: Path, tmp: Path, media_start: float,
           rungs: list[Rendition]) -> list[Rendition]:
    """Package each audio track (language) once, starting with the video;
    add the largest one's figures to every H.264 variant (a variant's
    BANDWIDTH counts its largest audio rendition)."""
    chunks = list(job.chunks.filter(kind=Chunk.Kind.AUDIO).order_by("index"))
    renditions = []
    for chunk in chunks:
        spec = audio_track_spec(job, chunk.index)
        name = spec["name"]
        key = audio_work_key(job, chunk.index)
        audio_src = storage.get(key, tmp / f"{name}.mp4")
        try:
            loudness = json.loads(storage.get(f"{key}.loudness.json", tmp / f"{name}.json").read_text())
        except (FileNotFoundError, ValueError):
            loudness = {}
        renditions.append(audio_rendition_package(job=job, spec=spec, source=audio_src, out=out,
                                                  media_start=media_start, loudness=loudness))
    if renditions:
        largest = max(renditions, key=lambda r: r.bandwidth)
        _with_audio(rungs, peak=largest.bandwidth, average=largest.average_bandwidth, codecs=largest.codecs)
    return renditions


def audio_rendition_package(*, job: TranscodeJob, spec: dict, source: Path, out: Path, media_start: float,
                            loudness: dict) -> Rendition:
    """One encoded audio track packaged into ``out/<name>`` (CMAF fMP4 HLS,
    its first sample at ``media_start``, with the video) and measured: its
    Rendition, not saved."""
    name = spec["name"]
    (out / name).mkdir(parents=True)
    ffmpeg.run(ffmpeg.hls_args(input_path=source, out_dir=out / name,
                               segment_seconds=job.plan["segment_seconds"], offset=media_start, stream="a:0"))
    measured = _measure(out / name, {"name": name})
    return Rendition(
        job=job, kind=Rendition.Kind.AUDIO, codec="", name=name, codecs=measured.codecs,
        target_bitrate=job.plan["audio_bitrate"], bandwidth=measured.figures.peak_bps,
        average_bandwidth=measured.figures.average_bps, playlist_key=f"{job.video.ladder_prefix}/{name}/index.m3u8",
        segment_count=len(measured.figures.segments), timescale=measured.timescale, timeline=measured.timeline,
        language=spec["language"], label=spec["label"][:100], characteristics=spec["characteristics"],
        is_default=bool(spec["default"]), loudness=loudness,
    )


def _with_audio(rungs: list[Rendition], *, peak: int, average: int, codecs: str) -> None:
    """A variant's BANDWIDTH counts its largest audio rendition, its CODECS name both."""
    for r in rungs:
        r.bandwidth += peak
        r.average_bandwidth += average
        r.codecs = f"{r.codecs},{codecs}"


def _artwork(*, rungs: list[dict], joined: dict[str, Path], out: Path, frames: int, fps: Fraction) -> None:
    """Poster from the top rung; seek-preview sprite and its WebVTT from the
    lowest. Every file a player is handed exists: the poster is taken at a
    frame the title has (a one-frame title's only frame) and checked; a
    title too short for a sprite (one frame, or ffmpeg made no tile) gets
    none, and its WebVTT has no cue, so it points at nothing."""
    top = max(rungs, key=lambda r: r["height"])
    low = min(rungs, key=lambda r: r["height"])
    seconds = float(frames / fps)
    last_frame = float((frames - 1) / fps)
    poster = out / "poster.jpg"
    # Seeking in the joined MPEG-TS lands on no keyframe when none follows
    # the point (a 2 s title is one GOP): ffmpeg then writes nothing and
    # exits 0, so the first frame, which seeking always finds, is the fallback.
    for at in (max(0.0, min(seconds * 0.25, 10.0, last_frame)), 0.0):
        ffmpeg.run(ffmpeg.poster_args(input_path=joined[top["name"]], output=poster, at=at,
                                      height=min(720, top["height"])))
        if poster.exists() and poster.stat().st_size > 0:
            break
    else:
        raise ffmpeg.MediaError("No poster frame could be taken from the encoded video.")
    every = max(2.0, math.ceil(seconds / MAX_THUMBNAILS))
    count = max(1, math.ceil(seconds / every))
    rows = math.ceil(count / SPRITE_COLUMNS)
    columns = min(SPRITE_COLUMNS, count)
    tile_w, tile_h = SPRITE_TILE
    if low["height"] > low["width"]:
        tile_w, tile_h = tile_h, tile_w
    (out / "thumbs").mkdir()
    sprite = out / "thumbs" / "sprite.jpg"
    if frames > 1:
        ffmpeg.run(ffmpeg.sprite_args(input_path=joined[low["name"]], output=sprite,
                                      every=every, width=tile_w, height=tile_h, columns=columns, rows=rows))
    if not sprite.exists() or sprite.stat().st_size == 0:
        sprite.unlink(missing_ok=True)
        count = 0  # a title of less than about a second: ffmpeg's fps filter gives no tile
    (out / "thumbs" / "thumbnails.vtt").write_text(packaging.thumbnails_vtt_render(
        count=count, every=every, duration=seconds, sprite="sprite.jpg",
        width=tile_w, height=tile_h, columns=columns,
    ))
