"""What a playback session is given: its signed token, its pathways, the
per-session multivariant playlist, and the payload the web player and the
mobile API both receive (one builder for both)."""
from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse

from edge.selectors import Pathway, origin_pathway, pathways_for_ids
from edge.signing import token_issue, video_path_prefix
from edge.steering import pathway_url, steering_uri_build
from streaming.core.errors import ApplicationError
from transcoding.packaging import Location, Variant, ladder_parts, master_playlist_render
from transcoding.selectors import renditions_playable

from ..models import PlaybackSession


def session_token(*, session: PlaybackSession) -> str:
    """A token for the session's ladder, expiring at the session's end or
    after EDGE_TOKEN_TTL, whichever comes first, naming the viewer's zone
    (edges count bytes per viewer zone)."""
    expires_at = min(int(session.expires_at.timestamp()), int(time.time()) + settings.EDGE_TOKEN_TTL)
    return token_issue(
        session_id=str(session.pk), path_prefix=video_path_prefix(session.video.public_id),
        max_height=session.max_height, expires_at=expires_at, viewer_zone=session.viewer_zone,
    )


def session_pathways(*, session: PlaybackSession) -> list[Pathway]:
    """The session's pathways in the order it was given them (nodes removed
    since are skipped); the origin when none is left."""
    return pathways_for_ids(pathway_ids=session.pathways) or [origin_pathway()]


def session_asset_url(*, session: PlaybackSession, token: str, rest: str, pathway: Pathway | None = None) -> str:
    """A file of the session's ladder (poster, thumbnails) on a pathway (the first by default)."""
    pathway = pathway or session_pathways(session=session)[0]
    return pathway_url(pathway=pathway, token=token, video_public_id=session.video.public_id, rest=rest)


def master_url(*, session: PlaybackSession, token: str | None = None) -> str:
    return reverse("playback-master", args=[token or session_token(session=session)])


@dataclass(frozen=True)
class MasterPlaylist:
    text: str
    variants: list[Variant]


def _signed_urls(*, pathway: Pathway, token: str, video_public_id: object) -> Callable[[str], str]:
    """A ladder-relative URI -> its signed URL on ``pathway``."""

    def url(rest: str) -> str:
        return pathway_url(pathway=pathway, token=token, video_public_id=video_public_id, rest=rest)

    return url


def master_playlist(*, session: PlaybackSession, token: str) -> MasterPlaylist:
    """The session's multivariant playlist: only the rungs its plan allows,
    one copy per pathway (steering order), every URI signed with ``token``."""
    variants, media = ladder_parts(renditions_playable(video=session.video), max_height=session.max_height)
    if not variants:
        raise ApplicationError("No rendition of this video fits your plan.", code="no_rendition")
    pathways = session_pathways(session=session)
    locations = [Location(url=_signed_urls(pathway=p, token=token, video_public_id=session.video.public_id),
                          pathway_id=p.id, label=p.zone_name)
                 for p in pathways]
    text = master_playlist_render(
        variants=variants, media=media, locations=locations,
        steering_uri=steering_uri_build(token=token, pathway_ids=[p.id for p in pathways], country=session.country),
    )
    return MasterPlaylist(text=text, variants=variants)


@dataclass(frozen=True)
class PlaybackPayload:
    """What a started session hands its player, web or app."""

    session: PlaybackSession
    token: str
    pathways: list[Pathway]
    master_path: str  # on this site; the API makes it absolute
    steering_url: str
    poster_url: str
    thumbnails_url: str

    @property
    def edge(self) -> Pathway:
        return self.pathways[0]


def playback_payload(*, session: PlaybackSession) -> PlaybackPayload:
    token = session_token(session=session)
    pathways = session_pathways(session=session)

    def asset(rest: str) -> str:
        return session_asset_url(session=session, token=token, rest=rest, pathway=pathways[0])

    return PlaybackPayload(
        session=session, token=token, pathways=pathways, master_path=master_url(session=session, token=token),
        steering_url=steering_uri_build(token=token, pathway_ids=[p.id for p in pathways], country=session.country),
        poster_url=asset("poster.jpg"), thumbnails_url=asset("thumbs/thumbnails.vtt"),
    )


def player_start(*, session: PlaybackSession, payload: PlaybackPayload) -> dict:
    """What the web player needs to start without waiting on the network:
    the session's master playlist itself (one round trip fewer), and each
    rung's media playlist on the first pathway with its bit rates, so the
    player can choose a rung for the network it is on and fetch its first
    segments while hls.js is still loading. Empty when the master cannot be
    built (the player then asks for it and shows the server's answer)."""
    renditions = renditions_playable(video=session.video)
    try:
        master = master_playlist(session=session, token=payload.token)
    except ApplicationError:
        return {}
    pathway = payload.edge

    def url(rest: str) -> str:
        return session_asset_url(session=session, token=payload.token, rest=rest, pathway=pathway)

    video_renditions = [r for r in renditions if r.kind == "video" and r.segment_count]
    duration = session.video.duration or 0
    segments = max((r.segment_count for r in video_renditions), default=0)
    _, media = ladder_parts(renditions, max_height=session.max_height)
    audio = next((m for m in media if m.type == "AUDIO"), None)
    audio_rendition = next((r for r in renditions if audio and r.name == audio.stable_id), None)
    return {
        "masterText": master.text,
        "start": {
            "variants": [{"id": v.stable_id, "height": v.height, "width": v.resolution[0], "bandwidth": v.bandwidth,
                          "average": v.average_bandwidth, "codecs": v.codecs, "url": url(v.uri)}
                         for v in master.variants],
            "audio": {"url": url(audio.uri), "bandwidth": audio_rendition.bandwidth if audio_rendition else 0}
            if audio else None,
            "segmentSeconds": round(duration / segments, 3) if duration and segments else None,
        },
    }
