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
- One media time origin for every track (``Presentation.media_start``,
  default: the earliest first-segment decode time of all video and audio),
  written as each template's ``presentationTimeOffset`` in its timescale:
  a title whose timestamps start at 1 s (the pipeline's offset) presents
  from 0, and audio and video keep the offsets they were encoded with, as
  in HLS. A per-track offset would silently re-align them.
- WebVTT is a whole-file sidecar per language. Its cue times are
  presentation times (0 = ``media_start``): players apply no
  ``X-TIMESTAMP-MAP`` in DASH (Shaka only reads it for HLS), so the HLS
  subtitle segments cannot be reused as they are.
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
from fractions import Fraction

from .dash_model import (
    CHANNELS_SCHEME,
    MPD_NS,
    ROLE_SCHEME,
    TEXT_ROLES,
    AudioRepresentation,
    AudioSet,
    BaseUrl,
    Presentation,
    Segment,
    SegmentFiles,
    Steering,
    TextTrack,
    VideoRepresentation,
    VideoSet,
    measure_segments,
    video_set,
)

__all__ = [
    "Segment", "SegmentFiles", "VideoRepresentation", "VideoSet", "AudioRepresentation", "AudioSet",
    "TextTrack", "BaseUrl", "Steering", "Presentation", "render_mpd", "iso_duration", "measure_segments",
    "MPD_NS", "ROLE_SCHEME", "video_set",
]


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


def _timeline(parent: ET.Element, files: SegmentFiles, origin: Fraction) -> None:
    template = _el(parent, "SegmentTemplate", {
        "timescale": files.timescale,
        "presentationTimeOffset": round(origin * files.timescale),
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
    all_files = [r.files for vs in p.video for r in vs.representations] + \
        [r.files for a in p.audio for r in a.representations]
    for files in all_files:
        if not files.segments:
            raise ValueError(f"{files.init}: no segments")
    origin = p.media_start if p.media_start is not None else \
        min(Fraction(f.segments[0].start, f.timescale) for f in all_files)
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
            _timeline(rep, r.files, origin)
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
        if a.main or a.role:
            _el(aset, "Role", {"schemeIdUri": ROLE_SCHEME, "value": "main" if a.main else a.role})
        for ar in a.representations:
            rep = _el(aset, "Representation", {
                "id": ar.id, "bandwidth": ar.bandwidth, "codecs": ar.codecs, "audioSamplingRate": ar.sampling_rate,
            })
            _timeline(rep, ar.files, origin)
    for t in p.text:
        if t.role not in TEXT_ROLES:
            raise ValueError(f"text role {t.role!r} is not one of {sorted(TEXT_ROLES)}")
        aset = _el(period, "AdaptationSet",
                   {"id": next_id, "contentType": "text", "mimeType": "text/vtt", "lang": t.lang})
        next_id += 1
        if t.label:
            _el(aset, "Label", None, t.label)
        _el(aset, "Role", {"schemeIdUri": ROLE_SCHEME, "value": t.role})
        rep = _el(aset, "Representation", {"id": t.id, "bandwidth": t.bandwidth})
        _el(rep, "BaseURL", None, t.url)
    ET.indent(mpd, space=" ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(mpd, encoding="unicode") + "\n"
