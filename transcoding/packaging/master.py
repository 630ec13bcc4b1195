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


def ladder_parts(renditions: Sequence, *, max_height: int | None = None,
                 codecs: Sequence[str] | None = None) -> tuple[list[Variant], list[Media]]:
    """The variants and media renditions of a ladder, from its Rendition
    rows; rungs whose short side is above ``max_height`` (a plan's cap) are
    left out, and so are codecs not in ``codecs`` (None: every codec). The
    variants come codec by codec in the order of ``codecs`` (default: the
    order of the rows), each codec's start variant first: the first listed
    variant is where a player starts. The package's stored master and every
    session's master are built from this."""
    audio = next((r for r in renditions if r.kind == "audio"), None)
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
                iframe_uri=f"{r.name}/{r.iframe_playlist_key.rsplit('/', 1)[-1]}" if r.iframe_playlist_key else None,
                iframe_bandwidth=r.iframe_bandwidth,
            )
            for r in videos if r.codec == codec
        ])
    media = [Media(type="AUDIO", group_id="aud", name="Main", uri=f"{audio.name}/index.m3u8", stable_id=audio.name,
                   language="und", channels="2")] if audio else []
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
            attrs.append(f"AUTOSELECT={'YES' if item.autoselect else 'NO'}")
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
