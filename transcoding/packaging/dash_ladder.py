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
from .master import audio_media, language_matches

AUDIO_SAMPLING_RATE = 48000  # the pipeline's AAC (transcoding.ffmpeg.aac_options)


class NoDashTimeline(ValueError):
    """The ladder was packaged before DASH timelines were stored."""


def _files(r) -> SegmentFiles:
    if not r.timescale or not r.timeline:
        raise NoDashTimeline(f"{r.name} has no stored DASH timeline")
    return SegmentFiles(init=f"{r.name}/init.mp4", media=f"{r.name}/seg_$Number%05d$.m4s",
                        timescale=r.timescale, segments=segments_from_runs(r.timeline))


DASH_TEXT_ROLES = {"subtitles": "subtitle", "captions": "caption", "forced": "forced-subtitle"}


def text_tracks_dash(tracks: Sequence, *, preferred: str | None = None) -> list[TextTrack]:
    """``catalog.TextTrack`` rows as DASH text AdaptationSets: the whole-file
    WebVTT sidecar (``subs/en-subtitles-r1.vtt``, film time), the viewer's
    preferred language first."""
    ordered = sorted(tracks, key=lambda t: (not language_matches(t.language, preferred), t.kind == "forced",
                                            t.kind == "captions", t.language))
    return [TextTrack(id=t.ladder_name.replace("/", "-"), lang=t.language, url=f"{t.ladder_name}.vtt",
                      role=DASH_TEXT_ROLES.get(t.kind, "subtitle"), label=t.display_label) for t in ordered]


def dash_presentation(renditions: Sequence, *, max_height: int | None = None, codecs: Sequence[str] | None = None,
                      base_urls: Sequence[BaseUrl] = (), text: Sequence[TextTrack] = (),
                      audio_language: str | None = None, media_start: float | None = None) -> Presentation:
    """One video AdaptationSet per codec (in the order of ``codecs``, default
    the rows'), the audio, whole-file WebVTT ``text`` tracks (cue times from
    the presentation's start: DASH players apply no X-TIMESTAMP-MAP), and
    ``base_urls`` in priority order. ``media_start``: the job's first frame
    (``TranscodeJob.media_start``), made presentation time 0, as film time 0
    is in HLS; so a sidecar's cue at 2.000 s shows 2 s after the first frame
    whichever codecs the session has (left out, presentation 0 would be the
    earliest decode time: with H.264's reorder delay, 66 ms before it). Raises
    NoDashTimeline when a selected rendition has none, ValueError when
    nothing is left to play."""
    audio_media_list = audio_media(renditions, preferred=audio_language)
    audios = {r.name: r for r in renditions if r.kind == "audio"}
    videos = [r for r in renditions if r.kind == "video"
              and (max_height is None or min(r.width, r.height) <= max_height)
              and (codecs is None or r.codec in codecs)]
    if not videos:
        raise ValueError("no video rendition left for this presentation")
    order = list(codecs) if codecs is not None else list(dict.fromkeys(r.codec for r in videos))
    audio_peak = max((r.bandwidth for r in audios.values()), default=0)
    sets = []
    for codec in order:
        reps = [VideoRepresentation(
            id=r.name, bandwidth=max(1, r.bandwidth - audio_peak), width=r.width, height=r.height,
            frame_rate=Fraction(r.frame_rate).limit_denominator(1001), codecs=r.codecs.split(",")[0],
            files=_files(r),
        ) for r in videos if r.codec == codec]
        if reps:
            sets.append(video_set(reps))
    # One AdaptationSet per language track; the DEFAULT one first with Role
    # main (players start on it), audio description as Role description.
    ordered = sorted(audio_media_list, key=lambda m: not m.default)
    audio_sets = tuple(AudioSet(
        lang=m.language, channels=2, main=m.default, label=m.name,
        role=None if m.default else ("description" if m.characteristics else "alternate"),
        representations=(AudioRepresentation(
            id=m.stable_id, bandwidth=audios[m.stable_id].bandwidth, codecs=audios[m.stable_id].codecs,
            sampling_rate=AUDIO_SAMPLING_RATE, files=_files(audios[m.stable_id])),))
        for m in ordered)
    duration = max(_files(r).duration for r in videos)
    return Presentation(duration=duration, video=tuple(sets), audio=audio_sets, text=tuple(text),
                        base_urls=tuple(base_urls),
                        media_start=Fraction(media_start).limit_denominator(10**6) if media_start is not None else None)
