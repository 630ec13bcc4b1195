"""What a playback session is given: its signed token, its pathways, the
per-session HLS multivariant playlist and DASH MPD, and the payload the web
player and the mobile API both receive (one builder for both).

Both manifests are rendered from the same Rendition rows with the same
rules: only the rungs the plan allows (the edge refuses the others with the
session's token), only the session's codecs (fixed when it began, so a
ladder merged later joins new sessions without changing one in progress),
the token in every path, and the session's pathways in order: HLS content
steering, DASH BaseURLs (the chosen edge, the next zones, the origin)."""
from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.urls import reverse

from edge.selectors import Pathway, origin_pathway, pathways_for_ids
from edge.signing import token_issue, video_path_prefix
from edge.steering import pathway_url, steering_uri_build
from streaming.core.errors import ApplicationError
from transcoding.ladder import CODEC_PREFERENCE
from transcoding.models import Rendition
from transcoding.packaging import (
    BaseUrl,
    Location,
    NoDashTimeline,
    Variant,
    audio_media,
    dash_presentation,
    ladder_parts,
    master_playlist_render,
    render_mpd,
    subtitle_media,
    text_tracks_dash,
)
from transcoding.selectors import renditions_playable, text_tracks_playable

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


def mpd_url(*, session: PlaybackSession, token: str | None = None) -> str:
    return reverse("playback-mpd", args=[token or session_token(session=session)])


def session_codecs(*, session: PlaybackSession, narrow: Sequence[str] | None = None) -> list[str]:
    """The session's codecs in player preference, narrowed to ``narrow`` when
    given (the web player asks for the one codec it will play: a player must
    not mix codecs within a session). A session from before codecs: H.264."""
    own = session.codecs or ["h264"]
    chosen = [c for c in CODEC_PREFERENCE if c in own and (narrow is None or c in narrow)]
    if not chosen:
        raise ApplicationError("This session has none of the codecs asked for.", code="no_codec")
    return chosen


def codecs_parse(raw: str | None) -> list[str] | None:
    """``"av1,h264"`` (a manifest URL's ``codecs`` query) -> ["av1", "h264"]; None when absent."""
    if raw is None:
        return None
    return [c for c in (part.strip().lower() for part in raw.split(",")) if c]


@dataclass(frozen=True)
class MasterPlaylist:
    text: str
    variants: list[Variant]


def _signed_urls(*, pathway: Pathway, token: str, video_public_id: object) -> Callable[[str], str]:
    """A ladder-relative URI -> its signed URL on ``pathway``."""

    def url(rest: str) -> str:
        return pathway_url(pathway=pathway, token=token, video_public_id=video_public_id, rest=rest)

    return url


def master_playlist(*, session: PlaybackSession, token: str, codecs: Sequence[str] | None = None,
                    renditions: Sequence[Rendition] | None = None,
                    pathways: Sequence[Pathway] | None = None) -> MasterPlaylist:
    """The session's multivariant playlist: only the rungs its plan allows,
    only its codecs (narrowed to ``codecs``), one copy per pathway (steering
    order), every URI signed with ``token``. (``renditions`` and
    ``pathways``: already read, when the caller renders several.)"""
    if renditions is None:
        renditions = renditions_playable(video=session.video)
    profile = session.profile
    variants, media = ladder_parts(renditions, max_height=session.max_height,
                                   codecs=session_codecs(session=session, narrow=codecs),
                                   text_tracks=text_tracks_playable(video=session.video),
                                   audio_language=profile.audio_language, subtitle_language=profile.subtitle_language)
    if not variants:
        raise ApplicationError("No rendition of this video fits your plan.", code="no_rendition")
    if pathways is None:
        pathways = session_pathways(session=session)
    locations = [Location(url=_signed_urls(pathway=p, token=token, video_public_id=session.video.public_id),
                          pathway_id=p.id, label=p.zone_name)
                 for p in pathways]
    text = master_playlist_render(
        variants=variants, media=media, locations=locations,
        steering_uri=steering_uri_build(token=token, pathway_ids=[p.id for p in pathways], country=session.country),
    )
    return MasterPlaylist(text=text, variants=variants)


def session_mpd(*, session: PlaybackSession, token: str, codecs: Sequence[str] | None = None) -> str:
    """The session's DASH MPD: the same rungs, codecs and pathways as its
    HLS master, one AdaptationSet per codec, the pathways as ordered
    BaseURLs (each with the token in its path, so every relative segment URL
    inherits it). No ContentSteering element: with a steering server that
    does not answer, Shaka pins itself to ``defaultServiceLocation`` and
    never fails over (tests/transcoding/packaging/test_dash_playback.py); ordered
    BaseURLs fail over in every DASH player."""
    bases = [BaseUrl(url=_signed_urls(pathway=p, token=token, video_public_id=session.video.public_id)(""),
                     service_location=p.id)
             for p in session_pathways(session=session)]
    try:
        profile = session.profile
        renditions = renditions_playable(video=session.video)
        presentation = dash_presentation(
            renditions, max_height=session.max_height,
            media_start=renditions[0].job.media_start if renditions else None,
            codecs=session_codecs(session=session, narrow=codecs), base_urls=bases,
            text=text_tracks_dash(text_tracks_playable(video=session.video), preferred=profile.subtitle_language),
            audio_language=profile.audio_language)
    except NoDashTimeline:
        raise ApplicationError("This video was packaged before DASH; transcode it again to play it as DASH.",
                               code="no_dash") from None
    except ValueError:
        raise ApplicationError("No rendition of this video fits your plan.", code="no_rendition") from None
    return render_mpd(presentation)


def session_tracks(*, session: PlaybackSession, token: str | None = None) -> dict[str, list[dict]]:
    """The session's audio languages and text tracks as its manifests list
    them (the profile's languages marked default), for apps that build their
    own menus; each text track with its WebVTT file on the first pathway."""
    token = token or session_token(session=session)
    profile = session.profile
    audio = audio_media(renditions_playable(video=session.video), preferred=profile.audio_language)
    tracks = {t.ladder_name: t for t in text_tracks_playable(video=session.video)}
    text = subtitle_media(list(tracks.values()), preferred=profile.subtitle_language)
    return {
        "audio": [{"id": m.stable_id, "language": m.language, "label": m.name, "default": m.default,
                   "described_video": bool(m.characteristics)} for m in audio],
        "text": [{"id": m.stable_id, "language": m.language, "label": m.name, "default": m.default,
                  "kind": tracks[m.uri.rsplit("/", 1)[0]].kind,
                  "url": session_asset_url(session=session, token=token, rest=m.uri.rsplit("/", 1)[0] + ".vtt")}
                 for m in text],
    }


@dataclass(frozen=True)
class PlaybackPayload:
    """What a started session hands its player, web or app."""

    session: PlaybackSession
    token: str
    pathways: list[Pathway]
    master_path: str  # on this site; the API makes it absolute
    mpd_path: str
    steering_url: str
    poster_url: str
    thumbnails_url: str
    codecs: dict[str, str]  # the session's codecs -> their CODECS string (tallest rung), preferred first
    # Per codec asked for (``start_codecs``): what a player needs to start that
    # codec alone without waiting on the network (see ``_player_start``).
    starts: dict[str, dict] = field(default_factory=dict)

    @property
    def manifest_path(self) -> str:
        """The manifest of the kind the session asked for."""
        return self.mpd_path if self.session.manifest == "dash" else self.master_path

    @property
    def edge(self) -> Pathway:
        return self.pathways[0]


def playback_payload(*, session: PlaybackSession, start_codecs: Sequence[str] = ()) -> PlaybackPayload:
    """The one payload of a started session, for the web page and the API.
    ``start_codecs``: the codecs a player may choose to play alone, each of
    which gets its start (the web player's: AV1 and H.264; the API asks for
    none)."""
    token = session_token(session=session)
    pathways = session_pathways(session=session)
    renditions = renditions_playable(video=session.video)

    def asset(rest: str) -> str:
        return session_asset_url(session=session, token=token, rest=rest, pathway=pathways[0])

    strings: dict[str, str] = {}
    for r in renditions:
        if r.kind == "video" and min(r.width or 0, r.height or 0) <= session.max_height:
            strings.setdefault(r.codec, r.codecs.split(",")[0])
    codecs = {c: strings[c] for c in session_codecs(session=session) if c in strings}
    starts = {}
    for codec in codecs:
        if codec in start_codecs:
            start = _player_start(session=session, token=token, pathways=pathways, renditions=renditions,
                                  codec=codec)
            if start:
                starts[codec] = start
    return PlaybackPayload(
        session=session, token=token, pathways=pathways, master_path=master_url(session=session, token=token),
        mpd_path=mpd_url(session=session, token=token),
        steering_url=steering_uri_build(token=token, pathway_ids=[p.id for p in pathways], country=session.country),
        poster_url=asset("poster.jpg"), thumbnails_url=asset("thumbs/thumbnails.vtt"),
        codecs=codecs, starts=starts,
    )


def _player_start(*, session: PlaybackSession, token: str, pathways: list[Pathway],
                  renditions: Sequence[Rendition], codec: str) -> dict | None:
    """What a player needs to start ``codec`` alone without waiting on the
    network: the session's master playlist narrowed to that codec itself
    (``?codecs=<codec>``, one round trip fewer; the same text that URL
    answers), and each of that codec's rungs' media playlist on the first
    pathway with its bit rates, so the player can choose a rung for the
    network it is on and fetch its first segments (and the audio's) while
    hls.js is still loading. None when that master cannot be built (the
    player then asks for it and shows the server's answer)."""
    try:
        master = master_playlist(session=session, token=token, codecs=[codec], renditions=renditions,
                                 pathways=pathways)
    except ApplicationError:
        return None

    def url(rest: str) -> str:
        return session_asset_url(session=session, token=token, rest=rest, pathway=pathways[0])

    video_renditions = [r for r in renditions if r.kind == "video" and r.codec == codec and r.segment_count]
    duration = session.video.duration or 0
    segments = max((r.segment_count for r in video_renditions), default=0)
    _, media = ladder_parts(renditions, max_height=session.max_height, codecs=[codec],
                            audio_language=session.profile.audio_language)
    audio = next((m for m in media if m.type == "AUDIO" and m.default), None)
    audio_rendition = next((r for r in renditions if audio and r.name == audio.stable_id), None)
    return {
        "masterText": master.text,
        "variants": [{"id": v.stable_id, "height": v.height, "width": v.resolution[0], "bandwidth": v.bandwidth,
                      "average": v.average_bandwidth, "codecs": v.codecs, "url": url(v.uri)}
                     for v in master.variants],
        "audio": {"url": url(audio.uri), "bandwidth": audio_rendition.bandwidth if audio_rendition else 0}
        if audio else None,
        "segmentSeconds": round(duration / segments, 3) if duration and segments else None,
    }
