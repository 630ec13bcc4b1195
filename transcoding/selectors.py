"""Reads of the transcoding app: progress for admin, the API and the CLI
(per codec and overall), what a video can play, and a profile's ladders."""
from __future__ import annotations

from dataclasses import dataclass

from catalog.models import TextTrack, Video

from .ffmpeg import CODECS
from .ladder import CODEC_PREFERENCE, DEFAULT_RUNGS
from .models import Chunk, Codec, CodecLadder, EncodingProfile, Rendition, TranscodeJob


@dataclass(frozen=True)
class ChunkProgress:
    label: str
    codec: str
    status: str
    progress: float
    attempts: int
    worker: str


@dataclass(frozen=True)
class LadderProgress:
    codec: str
    status: str
    progress: float
    error: str
    rungs: list[str]  # planned rung folders, tallest first


@dataclass(frozen=True)
class JobProgress:
    job_id: int
    status: str
    progress: float
    error: str
    ladders: list[LadderProgress]
    chunks: list[ChunkProgress]
    master_key: str
    playable: bool  # the H.264 ladder is merged


def job_progress(*, job_id: int) -> JobProgress:
    job = TranscodeJob.objects.get(pk=job_id)
    ladders = sorted(job.ladders.all(), key=lambda ladder: CODEC_ORDER.index(ladder.codec))
    planned = (job.plan or {}).get("ladders", {})
    return JobProgress(
        job_id=job.pk, status=job.status, progress=job.progress, error=job.error, master_key=job.master_key,
        ladders=[LadderProgress(
            codec=ladder.codec, status=ladder.status, progress=ladder.progress, error=ladder.error,
            rungs=[r["name"] for r in sorted(planned.get(ladder.codec, {}).get("rungs", []),
                                             key=lambda r: -r["height"])],
        ) for ladder in ladders],
        chunks=[
            ChunkProgress(label=str(c), codec=c.codec, status=c.status, progress=c.progress, attempts=c.attempts,
                          worker=c.worker)
            for c in job.chunks.all()
        ],
        playable=any(ladder.codec == Codec.H264 and ladder.status == CodecLadder.Status.DONE for ladder in ladders),
    )


# H.264 first, then the others in player preference: how codecs are listed.
CODEC_ORDER = [Codec.H264, *[c for c in CODEC_PREFERENCE if c != Codec.H264]]


def job_latest_for_video(*, video: Video) -> TranscodeJob | None:
    return video.jobs.order_by("-created_at").first()


def job_playable_for_video(*, video: Video) -> TranscodeJob | None:
    """The latest job whose H.264 ladder is merged: what the video plays."""
    return (video.jobs.filter(ladders__codec=Codec.H264, ladders__status=CodecLadder.Status.DONE)
            .order_by("-created_at").first())


def renditions_playable(*, video: Video) -> list[Rendition]:
    """The renditions of every ladder merged so far in the video's playable
    job (H.264 and the audio, then AV1 and HEVC as they are merged)."""
    job = job_playable_for_video(video=video)
    return list(job.renditions.all()) if job else []


def text_tracks_playable(*, video: Video) -> list[TextTrack]:
    """The video's text tracks players are offered: the ready ones, once the
    video plays (they are packaged into its ladder from then on)."""
    if job_playable_for_video(video=video) is None:
        return []
    return list(video.text_tracks.filter(status=TextTrack.Status.READY, packaged_revision__gt=0)
                .order_by("language", "kind"))


def codecs_playable(*, video: Video) -> dict[str, str]:
    """{codec: its CODECS string (video only)} for the video's merged ladders
    right now, H.264 first: what a session starting now may be given."""
    found: dict[str, str] = {}
    for r in renditions_playable(video=video):
        if r.kind == Rendition.Kind.VIDEO and r.codec:
            # The tallest rung's string: it needs the highest level, so a decoder
            # that takes it takes the others.
            found.setdefault(r.codec, r.codecs.split(",")[0])
    return {c: found[c] for c in CODEC_ORDER if c in found}


def chunks_running() -> int:
    return Chunk.objects.filter(status=Chunk.Status.RUNNING).count()


def profile_ladders(*, profile: EncodingProfile) -> dict[str, dict]:
    """The codecs a profile encodes, H.264 first, then in player preference:
    {codec: {"preset": ..., "rungs": [(height, kb/s), ...]}}. A codec with no
    rungs typed in gets the default ones (transcoding.ladder.DEFAULT_RUNGS)."""
    rows = {c.codec: c for c in profile.codecs.all()}
    out: dict[str, dict] = {}
    for codec in CODEC_ORDER:
        row = rows.get(codec)
        if not (row.enabled if row else codec == Codec.H264):
            continue
        rungs = [(r.height, r.video_bitrate_kbps) for r in profile.rungs.all() if r.codec == codec]
        out[codec] = {"preset": row.preset if row else CODECS[codec].default_preset,
                      "rungs": rungs or list(DEFAULT_RUNGS[codec])}
    return out
