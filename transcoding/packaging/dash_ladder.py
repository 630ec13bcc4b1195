"""A video's DASH presentation from its Rendition rows: the stored static
MPD (relative URLs) and every session's MPD (the plan's cap, the codecs the
client decodes, one BaseURL per pathway) are built here, as the HLS masters
are from ``ladder_parts``, and rendered by ``render_mpd``.

The Representations point at the very files the HLS media playlists list
(``v720/init.mp4``, ``v720/seg_00000.m4s``...): nothing is stored twice. Each
rendition's SegmentTimeline was measured from its segments at the merge and
stored with the row. A rendition from before DASH (no timeline) is left out."""
from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from .dash_model import (
    AudioRepresentation,
    AudioSet,
    BaseUrl,
    Presentation,
    SegmentFiles,
    TextTrack,
    VideoRepresentation,
    segments_from_runs,
    video_set,
)

AUDIO_SAMPLING_RATE = 48000  # the pipeline's AAC (transcoding.ffmpeg.aac_options)


class NoDashTimeline(ValueError):
    """The ladder was packaged before DASH timelines were stored."""


def _files(r) -> SegmentFiles:
    if not r.timescale or not r.timeline:
        raise NoDashTimeline(f"{r.name} has no stored DASH timeline")
    return SegmentFiles(init=f"{r.name}/init.mp4", media=f"{r.name}/seg_$Number%05d$.m4s",
                        timescale=r.timescale, segments=segments_from_runs(r.timeline))


def dash_presentation(renditions: Sequence, *, max_height: int | None = None, codecs: Sequence[str] | None = None,
                      base_urls: Sequence[BaseUrl] = (), text: Sequence[TextTrack] = ()) -> Presentation:
    """One video AdaptationSet per codec (in the order of ``codecs``, default
    the rows'), the audio, whole-file WebVTT ``text`` tracks (cue times from
    the presentation's start: DASH players apply no X-TIMESTAMP-MAP), and
    ``base_urls`` in priority order. Raises
    NoDashTimeline when a selected rendition has none, ValueError when
    nothing is left to play."""
    audio = next((r for r in renditions if r.kind == "audio"), None)
    videos = [r for r in renditions if r.kind == "video"
              and (max_height is None or min(r.width, r.height) <= max_height)
              and (codecs is None or r.codec in codecs)]
    if not videos:
        raise ValueError("no video rendition left for this presentation")
    order = list(codecs) if codecs is not None else list(dict.fromkeys(r.codec for r in videos))
    audio_peak = audio.bandwidth if audio else 0
    sets = []
    for codec in order:
        reps = [VideoRepresentation(
            id=r.name, bandwidth=max(1, r.bandwidth - audio_peak), width=r.width, height=r.height,
            frame_rate=Fraction(r.frame_rate).limit_denominator(1001), codecs=r.codecs.split(",")[0],
            files=_files(r),
        ) for r in videos if r.codec == codec]
        if reps:
            sets.append(video_set(reps))
    audio_sets: tuple[AudioSet, ...] = ()
    if audio is not None:
        audio_sets = (AudioSet(lang="und", channels=2, main=True, representations=(AudioRepresentation(
            id=audio.name, bandwidth=audio.bandwidth, codecs=audio.codecs, sampling_rate=AUDIO_SAMPLING_RATE,
            files=_files(audio)),)),)
    duration = max(_files(r).duration for r in videos)
    return Presentation(duration=duration, video=tuple(sets), audio=audio_sets, text=tuple(text),
                        base_urls=tuple(base_urls))
