"""A static DASH MPD over the same CMAF files the HLS media playlists use.

Pure: ``render_mpd(Presentation)`` turns plain dataclasses into XML text;
``measure_segments`` reads durations from the real segment bytes so the
timeline is what the files contain, not what was asked of the encoder.

Choices, and why:

- Profile ``urn:mpeg:dash:profile:isoff-live:2011``: separate init and media
  segments addressed by a template is exactly that profile. The CMAF DASH
  profile is not claimed: ffmpeg 5.1's fMP4 does not carry the CMAF brands
  (``cmfc``/``cmf2``), and a manifest should not promise what files lack.
- ``SegmentTemplate`` + ``SegmentTimeline`` per Representation, rather than
  a ``SegmentList``: the HLS names ``seg_00000.m4s`` map onto
  ``$Number%05d$``, equal runs compress to ``<S d r>`` (a 2-hour title at
  2 s is a handful of lines, a SegmentList would be 3600 URLs per rung),
  and the durations are the measured ones, so there is no drift as there
  would be with a nominal ``@duration``. Per Representation because each
  rung lives under its own folder (``v720/...``) and may have its own
  timescale.
- ``presentationTimeOffset`` = the first segment's decode time, so a stream
  whose timestamps start at 1 s (the pipeline's offset) still presents from 0.
- Relative media URLs, and ``BaseURL`` elements (one per delivery pathway,
  in priority order, ``serviceLocation`` naming the pathway): each base
  already carries its signed token in its path, so every relative URL
  inherits it, exactly as HLS relative URIs do. A base must end with ``/``
  or the last path segment would be replaced on resolution.
- ``ContentSteering`` is rendered only when asked for (see ``Steering``).
  Ordered BaseURLs are the floor every DASH player implements (Shaka 5.2
  tries them in turn on each request); with ``ContentSteering`` Shaka obeys
  the steering server, and until it answers uses ``defaultServiceLocation``
  only, which with a single pathway named there disables failover.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from fractions import Fraction
from typing import Iterable, Sequence

from .isobmff import fragment_timing, tracks

__all__ = [
    "Segment", "SegmentFiles", "VideoRepresentation", "VideoSet", "AudioRepresentation", "AudioSet",
    "TextTrack", "BaseUrl", "Steering", "Presentation", "render_mpd", "iso_duration", "measure_segments",
    "MPD_NS", "ROLE_SCHEME", "video_set",
]

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
    Shaka to that one pathway, dead or alive (tests/transcoding/
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
    profiles: str = LIVE_PROFILE


def iso_duration(seconds: Fraction | float | int) -> str:
    """xs:duration, millisecond precision: 3723.5 -> 'PT1H2M3.5S'."""
    ms = int(round(Fraction(seconds) * 1000))
    if ms < 0:
        raise ValueError("negative duration")
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs = f"{rest // 1000}" + (f".{rest % 1000:03d}".rstrip("0") if rest % 1000 else "")
    return "PT" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "") + f"{secs}S"


def _rate(value: Fraction) -> str:
    value = Fraction(value)
    return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"


def _el(parent: ET.Element, tag: str, attrs: dict[str, object] | None = None, text: str | None = None) -> ET.Element:
    node = ET.SubElement(parent, f"{{{MPD_NS}}}{tag}", {k: str(v) for k, v in (attrs or {}).items() if v is not None})
    if text is not None:
        node.text = text
    return node


def _timeline(parent: ET.Element, files: SegmentFiles) -> None:
    if not files.segments:
        raise ValueError(f"{files.init}: no segments")
    template = _el(parent, "SegmentTemplate", {
        "timescale": files.timescale,
        "presentationTimeOffset": files.segments[0].start,
        "initialization": files.init, "media": files.media, "startNumber": files.start_number,
    })
    timeline = _el(template, "SegmentTimeline")
    expected = None
    run: list[int] = []  # [t, d, repeats]
    for seg in files.segments:
        contiguous = expected is None or seg.start == expected
        if run and contiguous and seg.duration == run[1]:
            run[2] += 1
        else:
            if run:
                _el(timeline, "S", {"t": run[0], "d": run[1], "r": run[2] or None})
            run = [seg.start, seg.duration, 0]
        expected = seg.start + seg.duration
    _el(timeline, "S", {"t": run[0], "d": run[1], "r": run[2] or None})


def _check_base(url: str) -> None:
    if not url.endswith("/"):
        raise ValueError(f"BaseURL {url!r} must end with '/': relative segment URLs would replace its last part")


def render_mpd(p: Presentation) -> str:
    """The MPD as UTF-8 XML text (ElementTree does the escaping)."""
    if not p.video:
        raise ValueError("a presentation needs at least one video AdaptationSet")
    longest = max(Fraction(s.duration, r.files.timescale)
                  for vs in p.video for r in vs.representations for s in r.files.segments)
    ET.register_namespace("", MPD_NS)
    mpd = ET.Element(f"{{{MPD_NS}}}MPD", {
        "profiles": p.profiles, "type": "static",
        "mediaPresentationDuration": iso_duration(p.duration),
        "minBufferTime": iso_duration(p.min_buffer_time if p.min_buffer_time is not None else longest),
    })
    for base in p.base_urls:
        _check_base(base.url)
        _el(mpd, "BaseURL", {"serviceLocation": base.service_location}, base.url)
    if p.steering is not None:
        s = p.steering
        _el(mpd, "ContentSteering", {
            "defaultServiceLocation": " ".join(s.default_service_locations),
            "queryBeforeStart": "true" if s.query_before_start else "false",
            "proxyServerURL": s.proxy_server_url,
        }, s.server)
    period = _el(mpd, "Period", {"id": "0", "start": "PT0S"})
    next_id = 0
    for vs in p.video:
        reps = vs.representations
        aset = _el(period, "AdaptationSet", {
            "id": next_id, "contentType": "video", "mimeType": "video/mp4",
            "segmentAlignment": "true", "startWithSAP": "1",
            "maxWidth": max(r.width for r in reps), "maxHeight": max(r.height for r in reps),
            "maxFrameRate": _rate(max(Fraction(r.frame_rate) for r in reps)),
        })
        next_id += 1
        for r in sorted(reps, key=lambda r: r.bandwidth):
            rep = _el(aset, "Representation", {
                "id": r.id, "bandwidth": r.bandwidth, "codecs": r.codecs, "width": r.width,
                "height": r.height, "frameRate": _rate(r.frame_rate), "sar": r.sar,
            })
            _timeline(rep, r.files)
    for a in p.audio:
        aset = _el(period, "AdaptationSet", {
            "id": next_id, "contentType": "audio", "mimeType": "audio/mp4", "lang": a.lang,
            "segmentAlignment": "true", "startWithSAP": "1",
        })
        next_id += 1
        # schema order: AudioChannelConfiguration, Label (RepresentationBase), then Role
        _el(aset, "AudioChannelConfiguration", {"schemeIdUri": CHANNELS_SCHEME, "value": a.channels})
        if a.label:
            _el(aset, "Label", None, a.label)
        if a.main:
            _el(aset, "Role", {"schemeIdUri": ROLE_SCHEME, "value": "main"})
        for r in a.representations:
            rep = _el(aset, "Representation", {
                "id": r.id, "bandwidth": r.bandwidth, "codecs": r.codecs, "audioSamplingRate": r.sampling_rate,
            })
            _timeline(rep, r.files)
    for t in p.text:
        if t.role not in TEXT_ROLES:
            raise ValueError(f"text role {t.role!r} is not one of {sorted(TEXT_ROLES)}")
        aset = _el(period, "AdaptationSet", {"id": next_id, "contentType": "text", "mimeType": "text/vtt", "lang": t.lang})
        next_id += 1
        if t.label:
            _el(aset, "Label", None, t.label)
        _el(aset, "Role", {"schemeIdUri": ROLE_SCHEME, "value": t.role})
        rep = _el(aset, "Representation", {"id": t.id, "bandwidth": t.bandwidth})
        _el(rep, "BaseURL", None, t.url)
    ET.indent(mpd, space=" ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(mpd, encoding="unicode") + "\n"


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
