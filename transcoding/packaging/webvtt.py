"""Subtitles for HLS: one WebVTT file per media segment and the media
playlist that lists them (RFC 8216 section 3.5; Apple's HLS authoring spec).

How the timeline offset is written
----------------------------------
Our video's media timestamps do not start at zero, so each segment starts::

    WEBVTT
    X-TIMESTAMP-MAP=MPEGTS:<offset_seconds * 90000>,LOCAL:00:00:00.000

and every cue keeps its film time (a cue at 12.5 s into the film is written
``00:00:12.500``). The map says "film time 0 is media time
``offset_seconds``", which is what RFC 8216 defines it for. The other
choice, MPEGTS:0 with every cue moved by the offset, lands on the same
moment in hls.js, but would also have to move karaoke timestamps inside
cue text, and every reader that ignores the map would show each line
``offset_seconds`` late; with film times, such a reader (ffmpeg is one) is
exactly right for a player that starts the film at 0.

What hls.js 1.7.4 (static/vendor/hls.js-1.7.4) does with it, read from the
sources embedded in our vendored hls.min.js.map:

* src/utils/webvtt-parser.ts 64-66: ``init90kHz =
  toMpegTsClockFromTimescale(initPTS.baseTime, initPTS.timescale)``;
  line 80: ``webVttMpegTsMapOffset = (timestampMapMPEGTS - init90kHz) /
  90000``; lines 88-95: when that is non-zero, ``cueOffset =
  webVttMpegTsMapOffset - vttCCs.presentationOffset`` (presentationOffset
  is never set from 0, timeline-controller.ts 721); lines 107-113: ``cue
  start = (cue.startTime + cueOffset - LOCAL)``, 33-bit wrap handled by
  ``normalizePts``. So a cue shows at ``t + offset_seconds - initPTS``
  seconds of media-element time.
* The X-TIMESTAMP-MAP line is looked for only in the header, before the
  first blank line (webvtt-parser.ts 152-179): it must follow ``WEBVTT``
  directly, as written here.
* initPTS comes from the main (video) stream only (timeline-controller.ts
  199). For MPEG-TS it is a 90 kHz PES timestamp. For fMP4 (CMAF), our
  case, it is NOT a PTS: passthrough-remuxer.ts 438-439 takes
  ``baseTime = first fragment's tfdt (baseMediaDecodeTime) - frag.start *
  timescale`` in the video track's own timescale (mp4-tools.ts 1253-1276,
  "get start DTS"), and webvtt-parser.ts converts it to 90 kHz as above.
  The video is shifted by the same value: base-stream-controller.ts
  1392-1396 sets ``offset = -initPTS.baseTime / initPTS.timescale`` and
  buffer-controller.ts 938-939 makes it the SourceBuffer's
  ``timestampOffset``. A frame with media time ``t + offset_seconds`` thus
  plays at ``t + offset_seconds - initPTS``, the very moment of the cue,
  whatever the decode delay or timescale. For fMP4 the MPEGTS value is
  therefore "the video's media time, in 90 kHz ticks", not an MPEG-TS
  timestamp; there is no 33-bit wrap to fear below 26 hours.

``offset_seconds`` must be the media time at which the film's first frame
is presented in the packaged video, measured rather than assumed (the
pipeline already measures it for audio with ``ffmpeg.first_pts``).

Cues that span a segment boundary are repeated, unchanged, in every segment
they overlap, as the spec expects. Unchanged matters: hls.js drops a cue
it already has by id (texttrack-utils.ts 53), and a cue without an id gets
one hashed from its times and text (webvtt-parser.ts 126-127), so a
repeated cue is shown once; a cue cut at the boundary would show twice.
Segments with no cue are still written, holding only the header, so every
URI in the playlist exists. Each segment ends with a blank line, so that a
reader that joins segments end to end (ffmpeg's HLS demuxer does) still
sees the next ``WEBVTT`` line as a block of its own, not as cue text."""
from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from catalog.subtitles import Cue, webvtt_cue_render

MPEG_TS_HZ = 90_000
_PTS_WRAP = 2 ** 33


@dataclass(frozen=True)
class SegmentSpan:
    """One subtitle segment: ``[start_ms, end_ms)`` of film time."""

    index: int
    start_ms: int
    end_ms: int

    @property
    def name(self) -> str:
        return f"seg_{self.index:05d}.vtt"

    @property
    def seconds(self) -> float:
        return (self.end_ms - self.start_ms) / 1000


def _ms(seconds: float, what: str) -> int:
    if not (math.isfinite(seconds) and seconds > 0):
        raise ValueError(f"The {what} must be a positive number of seconds, not {seconds!r}.")
    return round(seconds * 1000)


def segment_spans(*, segment_seconds: float, duration: float) -> list[SegmentSpan]:
    """Fixed-length segments from film time 0, the last one shorter, the
    same grid the video's segments are cut on."""
    step, total = _ms(segment_seconds, "segment duration"), _ms(duration, "video duration")
    return [SegmentSpan(i, start, min(start + step, total)) for i, start in enumerate(range(0, total, step))]


def timestamp_map_line(offset_seconds: float) -> str:
    if not (math.isfinite(offset_seconds) and 0 <= round(offset_seconds * MPEG_TS_HZ) < _PTS_WRAP):
        raise ValueError(f"The media timeline offset must be between 0 and 26 hours, not {offset_seconds!r} s.")
    return f"X-TIMESTAMP-MAP=MPEGTS:{round(offset_seconds * MPEG_TS_HZ)},LOCAL:00:00:00.000"


def _buckets(cues: Iterable[Cue], spans: list[SegmentSpan]) -> list[list[Cue]]:
    """Each cue in every segment it overlaps, found by arithmetic rather
    than by testing every cue against every segment."""
    buckets: list[list[Cue]] = [[] for _ in spans]
    if not spans:
        return buckets
    step, total = spans[0].end_ms - spans[0].start_ms, spans[-1].end_ms
    for cue in sorted(cues, key=lambda c: c.start_ms):
        if cue.end_ms <= cue.start_ms or cue.start_ms >= total:
            continue
        first = cue.start_ms // step
        last = min((min(cue.end_ms, total) - 1) // step, len(spans) - 1)
        for index in range(first, last + 1):
            buckets[index].append(cue)
    return buckets


def webvtt_segments_render(
    cues: Iterable[Cue], *, segment_seconds: float, duration: float, offset_seconds: float
) -> list[tuple[str, str]]:
    """``(file name, WebVTT text)`` for every segment, in playlist order.
    Cues starting at or after ``duration`` are in no segment: trim them when
    the file is read (``subtitle_file_read(duration=...)``), which warns."""
    header = f"WEBVTT\n{timestamp_map_line(offset_seconds)}\n"
    spans = segment_spans(segment_seconds=segment_seconds, duration=duration)
    out = []
    for span, bucket in zip(spans, _buckets(cues, spans), strict=True):
        body = "".join(f"\n{webvtt_cue_render(cue)}\n" for cue in bucket)
        out.append((span.name, header + body + "\n"))
    return out


def webvtt_playlist_render(*, segment_seconds: float, duration: float) -> str:
    """The subtitle media playlist. TARGETDURATION is the longest segment
    rounded up, which meets RFC 8216 4.3.3.1 (each EXTINF rounded to the
    nearest integer must not exceed it)."""
    spans = segment_spans(segment_seconds=segment_seconds, duration=duration)
    longest_ms = max(span.end_ms - span.start_ms for span in spans)
    lines = [
        "#EXTM3U",
        "#EXT-X-VERSION:3",
        f"#EXT-X-TARGETDURATION:{-(-longest_ms // 1000)}",
        "#EXT-X-MEDIA-SEQUENCE:0",
        "#EXT-X-PLAYLIST-TYPE:VOD",
    ]
    for span in spans:
        lines += [f"#EXTINF:{span.seconds:.3f},", span.name]
    lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"
