"""The plain data a DASH MPD is rendered from (transcoding.packaging.dash), and the two
helpers that build it from real files: ``measure_segments`` (timing read
from the segment bytes) and ``video_set`` (one codec per AdaptationSet)."""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from .isobmff import fragment_timing, tracks

MPD_NS = "urn:mpeg:dash:schema:mpd:2011"
LIVE_PROFILE = "urn:mpeg:dash:profile:isoff-live:2011"
ROLE_SCHEME = "urn:mpeg:dash:role:2011"
CHANNELS_SCHEME = "urn:mpeg:dash:23003:3:audio_channel_configuration:2011"
TEXT_ROLES = frozenset({"subtitle", "caption", "forced-subtitle"})


@dataclass(frozen=True)
class Segment:
    start: int     # decode time, in the track's timescale
    duration: int


@dataclass(frozen=True)
class SegmentFiles:
    """The init segment and media segments of one rendition, relative URLs."""
    init: str                       # "v720/init.mp4"
    media: str                      # "v720/seg_$Number%05d$.m4s"
    timescale: int
    segments: tuple[Segment, ...]
    start_number: int = 0

    @property
    def duration(self) -> Fraction:
        return Fraction(sum(s.duration for s in self.segments), self.timescale)


@dataclass(frozen=True)
class VideoRepresentation:
    id: str
    bandwidth: int                  # peak bits/s, as HLS BANDWIDTH
    width: int
    height: int
    frame_rate: Fraction
    codecs: str
    files: SegmentFiles
    sar: str = "1:1"


@dataclass(frozen=True)
class VideoSet:
    """One AdaptationSet: all rungs of one codec (players switch within it)."""
    representations: tuple[VideoRepresentation, ...]


@dataclass(frozen=True)
class AudioRepresentation:
    id: str
    bandwidth: int
    codecs: str
    sampling_rate: int
    files: SegmentFiles


@dataclass(frozen=True)
class AudioSet:
    lang: str                       # BCP 47
    channels: int
    representations: tuple[AudioRepresentation, ...]
    label: str | None = None
    main: bool = False              # Role "main": the default language
    role: str | None = None         # else: "alternate", "description" (audio description), "dub"...


@dataclass(frozen=True)
class TextTrack:
    """A whole-title WebVTT file."""
    id: str
    lang: str
    url: str                        # "subs/en.vtt"
    role: str = "subtitle"          # subtitle | caption | forced-subtitle
    label: str | None = None
    bandwidth: int = 256


@dataclass(frozen=True)
class BaseUrl:
    url: str                        # absolute, ends with "/", token in the path
    service_location: str           # pathway name: "edge", "zone-b", "origin"


@dataclass(frozen=True)
class Steering:
    """DASH-IF content steering: ``server`` answers the steering manifest
    (the HLS steering JSON, PATHWAY-PRIORITY naming serviceLocations).

    ``default_service_locations`` is rendered as the whitespace-separated
    list the DASH-IF spec (and dash.js) read. Name every pathway, in
    priority order: Shaka 5.2 splits the attribute on commas, so a list
    matches no single pathway and it falls back to all BaseURLs in order
    (plain failover) until the steering server answers; a single name pins
    Shaka to that one pathway, dead or alive (tests/transcoding/packaging/
    test_dash_playback.py shows all three cases)."""
    server: str
    default_service_locations: tuple[str, ...]
    query_before_start: bool = False
    proxy_server_url: str | None = None


@dataclass(frozen=True)
class Presentation:
    duration: Fraction              # seconds
    video: tuple[VideoSet, ...]
    audio: tuple[AudioSet, ...] = ()
    text: tuple[TextTrack, ...] = ()
    base_urls: tuple[BaseUrl, ...] = ()
    steering: Steering | None = None
    min_buffer_time: Fraction | None = None   # default: the longest segment
    media_start: Fraction | None = None       # media time at presentation 0; default: earliest track start
    profiles: str = LIVE_PROFILE


def measure_segments(init: bytes, segments: Iterable[bytes], *, init_url: str, media_url: str,
                     start_number: int = 0, track_id: int | None = None) -> SegmentFiles:
    """``SegmentFiles`` for one rendition from its real bytes: the timescale
    from ``mdhd``, each segment's start (``tfdt``) and duration (sum of its
    samples). ``track_id`` picks a track when the init holds several."""
    all_tracks = tracks(init)
    track = next((t for t in all_tracks if track_id in (None, t.track_id)), None)
    if track is None:
        raise ValueError(f"no track {track_id} in the init segment")
    out = []
    for data in segments:
        timing = next((f for f in fragment_timing(data, init) if f.track_id == track.track_id), None)
        if timing is None:
            raise ValueError(f"a segment has no fragment for track {track.track_id}")
        out.append(Segment(timing.start, timing.duration))
    return SegmentFiles(init_url, media_url, track.timescale, tuple(out), start_number)


def video_set(representations: Sequence[VideoRepresentation]) -> VideoSet:
    """A VideoSet, refusing to mix codecs: players switch within a set and a
    player that mixes codecs mid-stream stalls (MEDIA.md)."""
    families = {r.codecs.split(".")[0] for r in representations}
    if len(families) > 1:
        raise ValueError(f"one AdaptationSet per codec, got {sorted(families)}")
    return VideoSet(tuple(representations))


def timeline_runs(files: SegmentFiles) -> list[list[int]]:
    """A rendition's segments as ``[[start, duration, repeats], ...]`` (the
    SegmentTimeline's S elements: a run of equal, contiguous segments is one
    entry), for storing with its Rendition row."""
    runs: list[list[int]] = []
    for seg in files.segments:
        last = runs[-1] if runs else None
        if last and seg.duration == last[1] and seg.start == last[0] + last[1] * (last[2] + 1):
            last[2] += 1
        else:
            runs.append([seg.start, seg.duration, 0])
    return runs


def segments_from_runs(runs: Iterable[Sequence[int]]) -> tuple[Segment, ...]:
    """The inverse of ``timeline_runs``."""
    return tuple(Segment(start + i * duration, duration) for start, duration, repeats in runs
                 for i in range(repeats + 1))
