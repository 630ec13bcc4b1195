"""HLS content steering: the per-session multivariant playlist listing every
rung once per pathway, and the steering manifest that reorders pathways.

hls.js (>= 1.7) groups variants by PATHWAY-ID, plays the first pathway of
the manifest's PATHWAY-PRIORITY, and on errors penalises a pathway and moves
to the next, so playback survives an edge going down. STABLE-VARIANT-ID
keeps the same rung when it switches. Each pathway gets its own audio group
ids: an audio rendition is fetched from one host, so sharing a group would
pin audio to one edge and defeat failover.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse

from edge.selectors import Pathway
from edge.signing import video_path_prefix

STEERING_CONTENT_TYPE = "application/vnd.apple.steering-list"
PLAYLIST_CONTENT_TYPE = "application/vnd.apple.mpegurl"


@dataclass(frozen=True)
class Media:
    """An EXT-X-MEDIA rendition (audio or subtitles) of a group."""

    type: str  # "AUDIO" or "SUBTITLES"
    group_id: str
    name: str
    uri: str  # relative to the video's hls folder, e.g. "audio/index.m3u8"
    stable_id: str
    language: str = ""
    default: bool = True
    autoselect: bool = True
    channels: str = ""


@dataclass(frozen=True)
class Variant:
    """One rung of the ladder, as the transcoder measured it."""

    stable_id: str  # e.g. "v720": the same across pathways
    uri: str  # relative to the video's hls folder, e.g. "v720/index.m3u8"
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


def _quote(value: str) -> str:
    if '"' in value or "\n" in value or "\r" in value:
        raise ValueError(f"HLS quoted strings cannot hold quotes or line breaks: {value!r}")
    return f'"{value}"'


def _group(group_id: str, pathway: Pathway) -> str:
    return f"{group_id}-{pathway.id}"


def pathway_url(*, pathway: Pathway, token: str, video_public_id: object, rest: str) -> str:
    """``<pathway base>/t/<token>/hls/<video>/<rest>``: the edge URL layout."""
    return f"{pathway.base_url}/t/{token}/{video_path_prefix(video_public_id)}{rest.lstrip('/')}"


def master_playlist_render(
    *,
    variants: Sequence[Variant],
    pathways: Sequence[Pathway],
    steering_uri: str,
    token_for_pathway: Callable[[Pathway], str],
    video_public_id: object,
    media: Sequence[Media] = (),
) -> str:
    """The multivariant playlist of one playback session.

    ``variants`` in the order players should try them (the first is the
    start variant); ``pathways`` in priority order (the first becomes the
    default PATHWAY-ID); ``token_for_pathway`` gives each pathway its signed
    token (the same token works everywhere, but a caller may scope tokens
    per pathway). Every URI is absolute so a pathway names its host."""
    if not pathways:
        raise ValueError("At least one pathway (the origin) is needed.")
    if not variants:
        raise ValueError("A master playlist needs at least one variant.")
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-INDEPENDENT-SEGMENTS",
             f"#EXT-X-CONTENT-STEERING:SERVER-URI={_quote(steering_uri)},PATHWAY-ID={_quote(pathways[0].id)}"]
    for pathway in pathways:
        token = token_for_pathway(pathway)

        def url(rest: str) -> str:
            return pathway_url(pathway=pathway, token=token, video_public_id=video_public_id, rest=rest)

        lines.append("")
        lines.append(f"# pathway {pathway.id}: {pathway.zone_name}")
        for item in media:
            attrs = [f"TYPE={item.type}", f"GROUP-ID={_quote(_group(item.group_id, pathway))}",
                     f"NAME={_quote(item.name)}", f"STABLE-RENDITION-ID={_quote(item.stable_id)}"]
            if item.language:
                attrs.append(f"LANGUAGE={_quote(item.language)}")
            attrs.append(f"DEFAULT={'YES' if item.default else 'NO'}")
            attrs.append(f"AUTOSELECT={'YES' if item.autoselect else 'NO'}")
            if item.channels:
                attrs.append(f"CHANNELS={_quote(item.channels)}")
            attrs.append(f"URI={_quote(url(item.uri))}")
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
                attrs.append(f"AUDIO={_quote(_group(variant.audio_group, pathway))}")
            attrs += [f"PATHWAY-ID={_quote(pathway.id)}", f"STABLE-VARIANT-ID={_quote(variant.stable_id)}"]
            lines.append("#EXT-X-STREAM-INF:" + ",".join(attrs))
            lines.append(url(variant.uri))
        for variant in variants:
            if not variant.iframe_uri:
                continue
            width, height = variant.resolution
            video_codec = variant.codecs.split(",")[0]
            attrs = [
                f"BANDWIDTH={int(variant.iframe_bandwidth or max(variant.bandwidth // 10, 1))}",
                *([f"AVERAGE-BANDWIDTH={int(variant.iframe_average_bandwidth)}"]
                  if variant.iframe_average_bandwidth else []),
                f"CODECS={_quote(video_codec)}",
                f"RESOLUTION={int(width)}x{int(height)}",
                f"PATHWAY-ID={_quote(pathway.id)}",
                f"STABLE-VARIANT-ID={_quote(variant.stable_id + '-iframes')}",
                f"URI={_quote(url(variant.iframe_uri))}",
            ]
            lines.append("#EXT-X-I-FRAME-STREAM-INF:" + ",".join(attrs))
    return "\n".join(lines) + "\n"


def steering_manifest(*, pathway_priority: Sequence[str], reload_uri: str, ttl: int | None = None) -> dict:
    """The steering manifest body (serialise with steering_manifest_json)."""
    return {
        "VERSION": 1,
        "TTL": int(settings.EDGE_STEERING_TTL if ttl is None else ttl),
        "RELOAD-URI": reload_uri,
        "PATHWAY-PRIORITY": list(pathway_priority),
    }


def steering_manifest_json(manifest: dict) -> str:
    return json.dumps(manifest, separators=(",", ":"))


def steering_uri_build(
    *, token: str, pathway_ids: Sequence[str], country: str = "", base_url: str | None = None
) -> str:
    """The steering endpoint for a session: the token proves the caller holds
    the session, ``pathways`` names what the master playlist offers, and
    ``country`` (optional) is where the session located the viewer."""
    query = {"pathways": ",".join(pathway_ids)}
    if country:
        query["country"] = country
    base = (settings.EDGE_ORIGIN_URL if base_url is None else base_url).rstrip("/")
    return f"{base}{reverse('edge:steering', kwargs={'token': token})}?{urlencode(query)}"
