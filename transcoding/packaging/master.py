"""The multivariant (master) playlist, written by us: ffmpeg's lacks
AVERAGE-BANDWIDTH, FRAME-RATE, EXT-X-INDEPENDENT-SEGMENTS and I-frame
playlists, and its BANDWIDTH is not measured. The one renderer: the
package's stored master and every playback session's master use it."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

START_BPS = 2_000_000


@dataclass(frozen=True)
class Media:
    """An EXT-X-MEDIA rendition (audio or subtitles) of a group."""

    type: str  # "AUDIO" or "SUBTITLES"
    group_id: str
    name: str
    uri: str  # relative to the video's ladder folder, e.g. "audio/index.m3u8"
    stable_id: str
    language: str = ""
    default: bool = True
    autoselect: bool = True
    channels: str = ""
    forced: bool = False  # SUBTITLES only; Apple: FORCED=YES only with AUTOSELECT=YES
    characteristics: str = ""


@dataclass(frozen=True)
class Variant:
    """One rung of the ladder, as the packager measured it."""

    stable_id: str  # e.g. "v720": the same across pathways
    uri: str  # relative to the video's ladder folder, e.g. "v720/index.m3u8"
    bandwidth: int
    average_bandwidth: int
    codecs: str
    resolution: tuple[int, int]
    frame_rate: float
    audio_group: str | None = None
    subtitles_group: str | None = None
    iframe_uri: str | None = None  # e.g. "v720/iframes.m3u8"
    iframe_bandwidth: int | None = None
    iframe_average_bandwidth: int | None = None

    @property
    def height(self) -> int:
        return self.resolution[1]


@dataclass(frozen=True)
class Location:
    """Where one copy of the ladder is reached. The package's own master has
    one location with relative URIs and no pathway; a playback session's
    master has one per pathway (an edge, the next zones, the origin), each
    with absolute, signed URIs."""

    url: Callable[[str], str]  # a ladder-relative URI -> the URI to write
    pathway_id: str = ""
    label: str = ""


RELATIVE = Location(url=lambda rest: rest)


def start_variant_first(variants: list, *, start_bps: int = START_BPS) -> list:
    """Highest bandwidth first, except that the start variant, the one whose
    average is nearest ``start_bps``, leads [Apple 1.32]: players start on
    the first listed variant."""
    ordered = sorted(variants, key=lambda v: -v.bandwidth)
    if ordered:
        start = min(ordered, key=lambda v: abs(v.average_bandwidth - start_bps))
        ordered.remove(start)
        ordered.insert(0, start)
    return ordered


CAPTION_CHARACTERISTICS = ("public.accessibility.transcribes-spoken-dialog,"
                           "public.accessibility.describes-music-and-sound")


def language_matches(tag: str, preferred: str | None) -> bool:
    """``de-AT`` satisfies a viewer who prefers ``de`` and the other way
    round: BCP 47 tags compared on their language subtag."""
    if not preferred or not tag:
        return False
    a, b = tag.lower(), preferred.lower()
    return a == b or a.split("-")[0] == b.split("-")[0]


def audio_media(renditions: Sequence, *, preferred: str | None = None) -> list[Media]:
    """One AUDIO rendition per language track, in menu order; exactly one
    DEFAULT=YES: the viewer's preferred language when the title has it,
    else the source's main track."""
    audios = sorted((r for r in renditions if r.kind == "audio"), key=lambda r: _audio_order(r.name))
    if not audios:
        return []
    chosen = next((r for r in audios if language_matches(r.language, preferred) and not r.characteristics), None) \
        or next((r for r in audios if getattr(r, "is_default", False)), audios[0])
    return [Media(type="AUDIO", group_id="aud", name=_unique_name(r, audios), uri=f"{r.name}/index.m3u8",
                  stable_id=r.name, language=r.language or "und", default=r is chosen, autoselect=True,
                  channels="2", characteristics=r.characteristics or "")
            for r in audios]


def _audio_order(name: str) -> int:
    digits = name.removeprefix("audio")
    return int(digits) if digits.isdigit() else 1


def _unique_name(r, audios: Sequence) -> str:
    """NAME must be unique within a group (RFC 8216 4.3.4.1.1)."""
    name = r.label or ("Main" if not r.language or r.language == "und" else r.language)
    if sum(1 for a in audios if (a.label or a.language) == (r.label or r.language)) > 1:
        name = f"{name} ({r.name})"
    return name


def subtitle_media(tracks: Sequence, *, preferred: str | None = None) -> list[Media]:
    """One SUBTITLES rendition per text track (``catalog.TextTrack``: its
    ``language``, ``kind``, ``display_label``, ``ladder_name``). Subtitles
    are off unless the viewer prefers a language the title has: that track
    (subtitles before captions) is DEFAULT=YES. Captions carry the
    accessibility CHARACTERISTICS; forced tracks are FORCED=YES with
    AUTOSELECT=YES (shown when the audio's language matches, by players
    that do)."""
    ordered = sorted(tracks, key=lambda t: (t.kind == "forced", t.kind == "captions", t.language))
    chosen = next((t for t in ordered if t.kind != "forced" and language_matches(t.language, preferred)), None)
    return [Media(type="SUBTITLES", group_id="subs", name=t.display_label, uri=f"{t.ladder_name}/index.m3u8",
                  stable_id=t.ladder_name.replace("/", "-"), language=t.language, default=t is chosen,
                  autoselect=True, forced=t.kind == "forced",
                  characteristics=CAPTION_CHARACTERISTICS if t.kind == "captions" else "")
            for t in ordered]


def ladder_parts(renditions: Sequence, *, max_height: int | None = None,
                 codecs: Sequence[str] | None = None, text_tracks: Sequence = (),
                 audio_language: str | None = None,
                 subtitle_language: str | None = None) -> tuple[list[Variant], list[Media]]:
    """The variants and media renditions of a ladder, from its Rendition
    rows; rungs whose short side is above ``max_height`` (a plan's cap) are
    left out, and so are codecs not in ``codecs`` (None: every codec). The
    variants come codec by codec in the order of ``codecs`` (default: the
    order of the rows), each codec's start variant first: the first listed
    variant is where a player starts. The package's stored master and every
    session's master are built from this. Audio: one rendition per
    language (``audio_media``); text: one per track (``subtitle_media``);
    the viewer's preferred languages are DEFAULT."""
    media = audio_media(renditions, preferred=audio_language) + subtitle_media(text_tracks,
                                                                               preferred=subtitle_language)
    audio = any(m.type == "AUDIO" for m in media)
    subs = any(m.type == "SUBTITLES" for m in media)
    videos = [r for r in renditions if r.kind == "video"
              and (max_height is None or min(r.width, r.height) <= max_height)
              and (codecs is None or r.codec in codecs)]
    order = list(codecs) if codecs is not None else list(dict.fromkeys(r.codec for r in videos))
    variants: list[Variant] = []
    for codec in order:
        variants += start_variant_first([
            Variant(
                stable_id=r.name, uri=f"{r.name}/index.m3u8", bandwidth=r.bandwidth,
                average_bandwidth=r.average_bandwidth, codecs=r.codecs, resolution=(r.width, r.height),
                frame_rate=r.frame_rate or 0.0, audio_group="aud" if audio else None,
                subtitles_group="subs" if subs else None,
                iframe_uri=f"{r.name}/{r.iframe_playlist_key.rsplit('/', 1)[-1]}" if r.iframe_playlist_key else None,
                iframe_bandwidth=r.iframe_bandwidth,
            )
            for r in videos if r.codec == codec
        ])
    return variants, media


def _quote(value: str) -> str:
    if '"' in value or "\n" in value or "\r" in value:
        raise ValueError(f"HLS quoted strings cannot hold quotes or line breaks: {value!r}")
    return f'"{value}"'


def master_playlist_render(*, variants: Sequence[Variant], media: Sequence[Media] = (),
                           locations: Sequence[Location] = (RELATIVE,), steering_uri: str = "") -> str:
    """The multivariant playlist: every variant (in the order given: the
    first is the start variant) once per location.

    With pathways (content steering), each variant carries PATHWAY-ID and
    STABLE-VARIANT-ID so a player switching pathway keeps its rung, and each
    pathway gets its own media group ids: an audio rendition is fetched from
    one host, so sharing a group would pin audio to one edge and defeat
    failover. hls.js (>= 1.7) plays the first pathway of the steering
    manifest and moves to the next one when a pathway fails."""
    if not variants:
        raise ValueError("A master playlist needs at least one variant.")
    if not locations:
        raise ValueError("At least one location (the origin) is needed.")
    steered = bool(steering_uri)
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-INDEPENDENT-SEGMENTS"]
    if steered:
        lines.append(f"#EXT-X-CONTENT-STEERING:SERVER-URI={_quote(steering_uri)},"
                     f"PATHWAY-ID={_quote(locations[0].pathway_id)}")
    for location in locations:

        def group(group_id: str, location: Location = location) -> str:
            return f"{group_id}-{location.pathway_id}" if steered else group_id

        if steered:
            lines += ["", f"# pathway {location.pathway_id}: {location.label}"]
        for item in media:
            attrs = [f"TYPE={item.type}", f"GROUP-ID={_quote(group(item.group_id))}", f"NAME={_quote(item.name)}"]
            if steered:
                attrs.append(f"STABLE-RENDITION-ID={_quote(item.stable_id)}")
            if item.language:
                attrs.append(f"LANGUAGE={_quote(item.language)}")
            attrs.append(f"DEFAULT={'YES' if item.default else 'NO'}")
            attrs.append(f"AUTOSELECT={'YES' if item.autoselect or item.forced else 'NO'}")
            if item.forced:
                attrs.append("FORCED=YES")
            if item.characteristics:
                attrs.append(f"CHARACTERISTICS={_quote(item.characteristics)}")
            if item.channels:
                attrs.append(f"CHANNELS={_quote(item.channels)}")
            attrs.append(f"URI={_quote(location.url(item.uri))}")
            lines.append("#EXT-X-MEDIA:" + ",".join(attrs))
        for variant in variants:
            width, height = variant.resolution
            attrs = [
                f"BANDWIDTH={int(variant.bandwidth)}",
                f"AVERAGE-BANDWIDTH={int(variant.average_bandwidth)}",
                f"CODECS={_quote(variant.codecs)}",
                f"RESOLUTION={int(width)}x{int(height)}",
                f"FRAME-RATE={variant.frame_rate:.3f}",
            ]
            if variant.audio_group:
                attrs.append(f"AUDIO={_quote(group(variant.audio_group))}")
            if variant.subtitles_group:
                attrs.append(f"SUBTITLES={_quote(group(variant.subtitles_group))}")
            if steered:
                attrs += [f"PATHWAY-ID={_quote(location.pathway_id)}",
                          f"STABLE-VARIANT-ID={_quote(variant.stable_id)}"]
            lines += ["#EXT-X-STREAM-INF:" + ",".join(attrs), location.url(variant.uri)]
        for variant in variants:
            if not variant.iframe_uri:
                continue
            width, height = variant.resolution
            attrs = [
                f"BANDWIDTH={int(variant.iframe_bandwidth or max(variant.bandwidth // 10, 1))}",
                *([f"AVERAGE-BANDWIDTH={int(variant.iframe_average_bandwidth)}"]
                  if variant.iframe_average_bandwidth else []),
                f"CODECS={_quote(variant.codecs.split(',')[0])}",
                f"RESOLUTION={int(width)}x{int(height)}",
            ]
            if steered:
                attrs += [f"PATHWAY-ID={_quote(location.pathway_id)}",
                          f"STABLE-VARIANT-ID={_quote(variant.stable_id + '-iframes')}"]
            attrs.append(f"URI={_quote(location.url(variant.iframe_uri))}")
            lines.append("#EXT-X-I-FRAME-STREAM-INF:" + ",".join(attrs))
    return "\n".join(lines) + "\n"
