"""Rows for tests, built in milliseconds.

A test of a playback rule (a plan's cap, screens, countries, kids, my list,
history, a session's master playlist) needs a Video that is ready with its
Rendition rows, not a real encode: ``video_ready_make`` plans the ladder
with the pipeline's own rules (``transcoding.ladder``) and writes the rows a
finished transcode would have written, with realistic codecs, sizes and
measured bandwidths. The real ffmpeg encodes stay in the tests of the
pipeline, the edges and the player, which need real bytes.

Plain keyword-only functions named ``<noun>_make``, like the services they
call where a service exists (so a row made here is a row the app could
make): no factory library to learn, and the few things one would give us
(sequences, sub-factories) are a counter and a default argument here.
"""
from __future__ import annotations

import itertools
import math
import uuid
from collections.abc import Iterable, Sequence
from datetime import timedelta
from fractions import Fraction

from django.conf import settings
from django.utils import timezone

from catalog.keys import ladder_prefix, source_key
from catalog.models import Episode, Genre, Season, Title, Video
from catalog.services import episode_save, genre_get_or_create, season_save, title_create
from edge.models import EdgeNode, Zone
from edge.services import edge_node_create, zone_create
from streaming.subscribers.models import Plan, Profile
from streaming.subscribers.plans import plans_ensure
from streaming.subscribers.services import account_create, profile_create
from transcoding import ladder
from transcoding.models import Chunk, EncodingProfile, Rendition, TranscodeJob
from transcoding.services import profile_default

_numbers = itertools.count(1)

PASSWORD = "a-Strong-pass-123"


# --- catalog ----------------------------------------------------------------------


def genre_make(*, name: str = "Drama") -> Genre:
    return genre_get_or_create(name=name)


def title_make(*, name: str | None = None, kind: str = Title.Kind.FILM,
               maturity_rating: str = Title.Rating.THIRTEEN, genres: Iterable[Genre] = (),
               countries: Iterable[str] | str = (), published: bool = True, synopsis: str = "") -> Title:
    return title_create(name=name or f"Title {next(_numbers)}", kind=kind, maturity_rating=maturity_rating,
                        genres=genres, countries=countries, published=published, synopsis=synopsis)


def season_make(*, title: Title, number: int = 1, name: str = "") -> Season:
    return season_save(title=title, number=number, name=name)


def episode_make(*, season: Season, number: int = 1, name: str | None = None) -> Episode:
    return episode_save(season=season, number=number, name=name or f"Episode {number}")


def video_make(*, title: Title | None = None, episode: Episode | None = None,
               status: str = Video.Status.READY, width: int = 1920, height: int = 1080,
               duration: float = 6.0, source_name: str = "film.mp4") -> Video:
    """A Video row whose source looks stored (``sources/<public id>/<name>``,
    with a size and a digest); no file is written and no transcode starts."""
    public_id = uuid.uuid4()
    return Video.objects.create(
        public_id=public_id, title=title or title_make(), episode=episode,
        source=source_key(public_id, source_name), source_name=source_name,
        source_size=int(duration * 4_000_000 / 8), source_sha256=uuid.uuid4().hex * 2,
        width=width, height=height, duration=duration, status=status,
    )


# --- transcoding --------------------------------------------------------------------

# x264 picks these levels for the ladder's sizes at 30 fps.
AVC_LEVELS = {234: 21, 360: 30, 432: 30, 540: 31, 720: 31, 1080: 40, 1440: 50, 2160: 51}
AUDIO_BITRATE = 128_000


def job_make(*, video: Video, status: str = TranscodeJob.Status.DONE, fps: Fraction = Fraction(30),
             audio: bool = True, profile: EncodingProfile | None = None) -> TranscodeJob:
    """A finished job (by default) of ``video`` with the plan the pipeline
    would make for its size and duration with ``profile`` (rungs, frame
    grid, chunks), and its chunk rows: done, or pending for an active job."""
    profile = profile or profile_default()
    gop = ladder.gop_frames(fps, profile.keyframe_seconds)
    frames = int(round((video.duration or 6.0) * fps))
    rungs = ladder.rungs_for(width=video.width or 1920, height=video.height or 1080, ladder=ladder.APPLE_LADDER)
    chunks = ladder.chunk_plan(total_frames=frames, gop=gop, segment_seconds=profile.segment_seconds,
                               keyframe_seconds=profile.keyframe_seconds, chunk_seconds=profile.chunk_seconds,
                               min_chunks=settings.TRANSCODE_MIN_CHUNKS)
    done = status == TranscodeJob.Status.DONE
    now = timezone.now()
    job = TranscodeJob.objects.create(
        video=video, profile=profile, status=status, progress=100.0 if done else 0.0,
        source_info={"width": video.width, "height": video.height, "coded_width": video.width,
                     "coded_height": video.height, "rotation": 0, "frame_rate": f"{fps.numerator}/{fps.denominator}",
                     "duration": video.duration, "video_start": 0.0, "frames": frames, "has_audio": audio,
                     "video_codec": "h264", "audio_codec": "aac" if audio else "", "format_name": "mov,mp4,m4a",
                     "bit_rate": 4_000_000, "warnings": []},
        plan={"fps": f"{fps.numerator}/{fps.denominator}", "gop": gop, "frames": frames,
              "segment_seconds": profile.segment_seconds, "preset": profile.x264_preset,
              "audio_bitrate": AUDIO_BITRATE, "rungs": [r.as_dict() for r in rungs]},
        master_key=f"{ladder_prefix(video.public_id)}/master.m3u8" if done else "",
        started_at=now - timedelta(seconds=30), merge_requested_at=now if done else None,
        merge_started_at=now if done else None, merge_attempts=1 if done else 0,
        finished_at=now if done else None,
    )
    chunk_status = Chunk.Status.DONE if done else Chunk.Status.PENDING
    Chunk.objects.bulk_create(
        [Chunk(job=job, kind=Chunk.Kind.VIDEO, index=c.index, start_frame=c.start_frame, end_frame=c.end_frame,
               status=chunk_status, progress=100.0 if done else 0.0, attempts=1 if done else 0,
               worker="test-host:1" if done else "") for c in chunks]
        + ([Chunk(job=job, kind=Chunk.Kind.AUDIO, index=0, status=chunk_status, progress=100.0 if done else 0.0,
                  attempts=1 if done else 0)] if audio else [])
    )
    return job


def renditions_make(*, job: TranscodeJob, heights: Sequence[int] | None = None,
                    audio: bool = True) -> list[Rendition]:
    """The Rendition rows a merge writes: one per planned rung (or only the
    rungs in ``heights``), tallest first, with High-profile AVC codecs, the
    rung's size, and peak/average bandwidths as measured (the average a
    little over the target, the peak within twice it; audio added to each
    video rung when there is an audio rendition); plus the audio rendition."""
    plan = job.plan
    prefix = ladder_prefix(job.video.public_id)
    fps = float(Fraction(plan["fps"]))
    segments = math.ceil(plan["frames"] / fps / plan["segment_seconds"])
    audio_average, audio_peak = (int(AUDIO_BITRATE * 1.02), int(AUDIO_BITRATE * 1.08)) if audio else (0, 0)
    rows = []
    for rung in sorted(plan["rungs"], key=lambda r: -r["height"]):
        short = min(rung["width"], rung["height"])
        if heights is not None and short not in heights:
            continue
        codecs = ladder.avc_codecs("High", AVC_LEVELS.get(short, 40))
        average = int(rung["bitrate"] * 1.04)
        rows.append(Rendition(
            job=job, kind=Rendition.Kind.VIDEO, name=rung["name"], width=rung["width"], height=rung["height"],
            frame_rate=fps, codecs=f"{codecs},{ladder.AUDIO_CODECS}" if audio else codecs,
            target_bitrate=rung["bitrate"], bandwidth=int(average * 1.45) + audio_peak,
            average_bandwidth=average + audio_average,
            playlist_key=f"{prefix}/{rung['name']}/index.m3u8",
            iframe_playlist_key=f"{prefix}/{rung['name']}/iframes.m3u8",
            iframe_bandwidth=int(average * 0.3), segment_count=segments,
        ))
    if audio:
        rows.append(Rendition(
            job=job, kind=Rendition.Kind.AUDIO, name="audio", codecs=ladder.AUDIO_CODECS,
            target_bitrate=AUDIO_BITRATE, bandwidth=audio_peak, average_bandwidth=audio_average,
            playlist_key=f"{prefix}/audio/index.m3u8", segment_count=segments,
        ))
    return Rendition.objects.bulk_create(rows)


def video_ready_make(*, title: Title | None = None, episode: Episode | None = None, width: int = 1920,
                     height: int = 1080, duration: float = 6.0, audio: bool = True,
                     heights: Sequence[int] | None = None, **title_fields) -> Video:
    """A ready Video with a done job and its renditions, as a finished
    transcode leaves them: a 1080p source gets v234 ... v1080 and audio.
    ``title_fields`` go to ``title_make`` when no title is given."""
    video = video_make(title=title or title_make(**title_fields), episode=episode, width=width, height=height,
                       duration=duration)
    job = job_make(video=video, audio=audio)
    renditions_make(job=job, heights=heights, audio=audio)
    return video


# --- edge ---------------------------------------------------------------------------

ZONES = {
    "mumbai": ("Mumbai", "IN", 19.07, 72.87),
    "frankfurt": ("Frankfurt", "DE", 50.11, 8.68),
    "virginia": ("Virginia", "US", 38.95, -77.45),
    "singapore": ("Singapore", "SG", 1.35, 103.82),
}


def zone_make(code: str) -> Zone:
    name, country, lat, lon = ZONES[code]
    return Zone.objects.filter(code=code).first() or zone_create(
        code=code, name=name, country=country, latitude=lat, longitude=lon
    )


def node_make(zone_code: str, index: int = 1, *, capacity: int = 100, port: int | None = None,
              fresh: bool = False) -> EdgeNode:
    """A node named ``<zone>-<index>``; it has never reported unless
    ``fresh`` (a heartbeat just now, no connections)."""
    zone = zone_make(zone_code)
    node = edge_node_create(
        zone=zone, name=f"{zone_code}-{index}", capacity=capacity,
        base_url=f"http://127.0.0.1:{port or 9000 + index}",
    )
    return node_beat(node) if fresh else node


def node_beat(node: EdgeNode, *, active: int = 0, age_seconds: float = 0) -> EdgeNode:
    """Pretend the node reported ``age_seconds`` ago with ``active`` connections."""
    EdgeNode.objects.filter(pk=node.pk).update(
        last_heartbeat_at=timezone.now() - timedelta(seconds=age_seconds), active_connections=active
    )
    node.refresh_from_db()
    return node


# --- subscribers --------------------------------------------------------------------


def plan_make(*, slug: str, max_height: int, screens: int = 1, name: str | None = None) -> Plan:
    """A plan besides the three a fresh installation offers."""
    return Plan.objects.create(slug=slug, name=name or slug.title(), max_height=max_height, screens=screens,
                               position=10)


def subscriber_make(*, plan: str = "standard", username: str | None = None,
                    kids: bool = False) -> tuple[object, Profile]:
    """(user, profile): an account with an active subscription to ``plan``
    and its first profile, or a kids profile beside it when ``kids``."""
    plans_ensure(Plan)  # transactional tests flush the rows the data migration made
    username = username or f"viewer{next(_numbers)}"
    user = account_create(username=username, email=f"{username}@example.com", password=PASSWORD,
                          plan=Plan.objects.get(slug=plan))
    profile = user.profiles.get()
    if kids:
        profile = profile_create(user=user, name="Little ones", kids=True)
    return user, profile
