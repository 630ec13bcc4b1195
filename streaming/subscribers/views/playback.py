"""The player page, and the playback endpoints players call: start (POST),
the session's HLS master playlist and DASH MPD, heartbeats and stop."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_GET
from rest_framework import serializers
from rest_framework.authentication import SessionAuthentication
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.models import Video
from catalog.selectors import artwork_url
from edge.locate import client_country, client_ip
from edge.signing import TokenError, token_check
from streaming.core.api.parsers import StrictJSONParser, json_strict_loads
from streaming.core.errors import ApplicationError
from transcoding.ladder import CODEC_LABELS

from .. import selectors, services
from ..access import playback_session_revoked
from ..api.playback import PlaybackHeartbeatApi, PlaybackStopApi, QoESerializer
from ..models import PlaybackSession
from ..viewer import ViewerRequest, device_id, profile_current, profile_required

# A web session may have every codec; the page's script picks one (see Start).
WEB_CODECS = ("av1", "hevc", "h264")
# The codecs that script may choose to play alone through MediaSource
# (static/js/codecs.js): the config carries a start for each (see player/startup.js).
WEB_START_CODECS = ("av1", "h264")
# Run inline in the watch page's head, in this order: which codec this
# browser plays, then where and on which rung it starts.
STARTUP_SCRIPTS = ("js/codecs.js", "js/player/startup.js")


@lru_cache(maxsize=4)
def _script_cached(name: str) -> str:
    return _script_read(name)


def _script_read(name: str) -> str:
    path = finders.find(name)
    return Path(str(path)).read_text()


def inline_script(name: str) -> SafeString:
    """A static script to run inline in the watch page's head (read once; at
    every request in DEBUG, so edits show)."""
    return mark_safe(_script_read(name) if settings.DEBUG else _script_cached(name))  # our own files


def startup_script() -> SafeString:
    """codecs.js then player/startup.js, inline in the watch page's head."""
    return mark_safe("\n".join(inline_script(name) for name in STARTUP_SCRIPTS))  # our own files


def _hls_sources() -> dict:
    # hls.js: the pinned CDN copy (checked by SRI), else our own copy.
    return {"cdn": settings.HLS_JS_CDN_URL, "sri": settings.HLS_JS_SRI,
            "local": static(f"vendor/hls.js-{settings.HLS_JS_VERSION}/hls.min.js")}


@profile_required
@ensure_csrf_cookie
def watch(request: ViewerRequest, public_id) -> HttpResponse:
    """The player page. Opening it starts nothing (a GET must not end the
    browser's other playback, whoever made it navigate here): the page's
    head asks for a session with a POST to ``start`` (static/js/player-start.js,
    inline), which answers the player's config and lets player/startup.js
    begin. What can be checked without a session (subscription, country,
    profile, readiness, screens) is checked here, reading only; starting
    checks again."""
    viewer = request.viewer
    video = get_object_or_404(Video.objects.select_related("title", "episode"), public_id=public_id)
    try:
        subscription = services.playback_allowed(user=request.user, profile=viewer.profile, video=video,
                                                 country=viewer.country)
        services.screens_check(user=request.user, plan=subscription.plan, device=device_id(request))
    except ApplicationError as exc:
        status = 409 if exc.code == "too_many_screens" else 403
        return render(request, "streaming/cannot_play.html",
                      {"reason": exc.message, "code": exc.code, "title": video.title, "viewer": viewer,
                       "country": viewer.country}, status=status)
    start = {"start": reverse("playback-start", args=[video.public_id]), "player": static("js/player.js")}
    return render(request, "streaming/player.html", {
        "video": video, "title": video.title, "episode": video.episode, "start": start, "hls": _hls_sources(),
        # A small picture from this site while the first frame comes (the ladder's poster, on
        # the session's edge, is set by the start script when the title has no artwork).
        "poster": artwork_url(title=video.title, kind="backdrop", width=640) or "",
        "startup_js": startup_script(), "start_js": inline_script("js/player-start.js"),
    })


def player_config(*, session: PlaybackSession) -> dict:
    """What the web player needs of a started session (player.js reads it as
    ``config``; player/startup.js begins with it)."""
    video = session.video
    payload = services.playback_payload(session=session, start_codecs=WEB_START_CODECS)
    progress = selectors.progress_get(profile=session.profile, video=video)
    edge = urlsplit(payload.edge.base_url) if payload.edge.base_url.startswith("http") else None
    return {
        "session": str(session.pk),
        "profile": session.profile_id,
        "video": str(video.public_id),
        "master": payload.master_path,
        # {codec: CODECS string of its tallest rung the plan allows}, preferred first.
        "codecs": payload.codecs,
        "codecLabels": {c: CODEC_LABELS[c] for c in payload.codecs},
        "heartbeat": reverse("playback-heartbeat", args=[session.pk]),
        "stop": reverse("playback-stop", args=[session.pk]),
        "resume": session.position,
        # When the server last heard where this profile was: the player keeps
        # its own note too, and the later of the two wins (see player/startup.js).
        "resumeAt": int(progress.updated_at.timestamp() * 1000) if progress else 0,
        "duration": video.duration,
        "thumbnails": payload.thumbnails_url,
        "poster": payload.poster_url,
        "edgeOrigin": f"{edge.scheme}://{edge.netloc}" if edge else "",  # to preconnect
        "heartbeatInterval": settings.PLAYBACK_HEARTBEAT_INTERVAL,
        "pauseHold": settings.PLAYBACK_PAUSE_HOLD,
        "maxBuffer": settings.PLAYER_MAX_BUFFER_SECONDS,
        "edge": {"id": payload.edge.id, "zone": payload.edge.zone_name},
        "titleUrl": reverse("catalog:title", args=[video.title.slug]),
        "hls": _hls_sources(),
        # Per codec the script may choose: that codec's master inline, its rungs with their
        # rates and media playlists, the audio's (see player/startup.js).
        "start": payload.starts,
        # The profile's languages: the manifests already mark them DEFAULT; the
        # menus post a new choice here (player/tracks.js).
        "languages": {"audio": session.profile.audio_language, "subtitles": session.profile.subtitle_language,
                      "save": reverse("playback-languages", args=[session.pk])},
    }


def _session_for(token: str) -> PlaybackSession | HttpResponse:
    try:
        claims = token_check(token=token)
    except TokenError as exc:
        return HttpResponse(f"{exc.reason}\n", status=403, content_type="text/plain")
    session = PlaybackSession.objects.select_related("video", "profile").filter(pk=claims.session_id).first()
    if session is None or playback_session_revoked(session_id=str(session.pk), now=timezone.now()):
        return HttpResponse("This playback session has ended.\n", status=410, content_type="text/plain")
    return session


@require_GET
@gzip_page
def master(request: HttpRequest, token: str) -> HttpResponse:
    """The session's HLS master playlist. The token in the path is the
    session's credential, so a mobile app needs no cookie to fetch it.
    ``?codecs=av1`` narrows it to some of the session's codecs."""
    session = _session_for(token)
    if isinstance(session, HttpResponse):
        return session
    try:
        playlist = services.master_playlist(session=session, token=token,
                                            codecs=services.codecs_parse(request.GET.get("codecs")))
    except ApplicationError as exc:
        return HttpResponse(exc.message + "\n", status=409, content_type="text/plain")
    response = HttpResponse(playlist.text, content_type="application/vnd.apple.mpegurl")
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@gzip_page
def mpd(request: HttpRequest, token: str) -> HttpResponse:
    """The session's DASH MPD, by the same rules as its master playlist."""
    session = _session_for(token)
    if isinstance(session, HttpResponse):
        return session
    try:
        text = services.session_mpd(session=session, token=token,
                                    codecs=services.codecs_parse(request.GET.get("codecs")))
    except ApplicationError as exc:
        return HttpResponse(exc.message + "\n", status=409, content_type="text/plain")
    response = HttpResponse(text, content_type="application/dash+xml")
    response["Cache-Control"] = "private, no-store"
    return response


class PlayerSessionAuthentication(SessionAuthentication):
    """The page's cookie session, CSRF checked; signed out is a 401, not a 403."""

    def authenticate_header(self, request) -> str:
        return "Session"


class PlayerEndpoint(APIView):
    """The player's JSON endpoints: the API's parser (strict JSON), the API's
    input serializers and its one error format, on the page's cookie session.
    POST only; the session must be the caller's own (another's is a 404)."""

    schema = None  # pages, not part of the API's schema
    authentication_classes = [PlayerSessionAuthentication]
    permission_classes = [IsAuthenticated]
    parser_classes = [StrictJSONParser, FormParser, MultiPartParser]  # the stop beacon posts a form

    def own_session(self, request, session_id) -> PlaybackSession:
        return get_object_or_404(PlaybackSession.objects.select_related("video", "profile"),
                                 pk=session_id, user=request.user)


class Heartbeat(PlayerEndpoint):
    def post(self, request, session_id):
        session = self.own_session(request, session_id)
        data = PlaybackHeartbeatApi.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        session = services.playback_heartbeat(session=session, position=v["position"], duration=v.get("duration"),
                                              state=v["state"], qoe=v.get("qoe") or None)
        return Response({"ok": True, "position": session.position})


class LanguagesInput(serializers.Serializer):
    audio = serializers.CharField(max_length=35, required=False, allow_blank=True)
    subtitles = serializers.CharField(max_length=35, required=False, allow_blank=True,
                                      help_text="Blank: subtitles off.")


class Languages(PlayerEndpoint):
    """The player's audio and subtitle menus remember the choice for the
    session's profile: its next titles start in these languages."""

    def post(self, request, session_id):
        session = self.own_session(request, session_id)
        data = LanguagesInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        profile = services.profile_languages_set(profile=session.profile, audio_language=v.get("audio"),
                                                 subtitle_language=v.get("subtitles"))
        return Response({"audio": profile.audio_language, "subtitles": profile.subtitle_language})


class BeaconQoEField(serializers.Field):
    """The stop beacon's QoE figures: a JSON object, or (in the beacon's form)
    that object as a string, read as strictly as any JSON body."""

    def to_internal_value(self, data):
        if isinstance(data, str):
            if not data.strip():
                return None
            try:
                data = json_strict_loads(data)
            except ValueError as exc:
                raise serializers.ValidationError(f"Not acceptable JSON: {exc}.") from exc
        if data is None:
            return None
        figures = QoESerializer(data=data)
        if not figures.is_valid():
            raise serializers.ValidationError(figures.errors)
        return figures.validated_data

    def to_representation(self, value):
        return value


class StopInput(PlaybackStopApi.InputSerializer):
    qoe = BeaconQoEField(required=False, allow_null=True)


class Stop(PlayerEndpoint):
    def post(self, request, session_id):
        session = self.own_session(request, session_id)
        data = StopInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.playback_stop(session=session, position=data.validated_data.get("position"),
                               qoe=data.validated_data.get("qoe") or None)
        return Response({"ok": True})


class Start(PlayerEndpoint):
    """POST: start this browser's session of the video (ending its previous
    one: a device plays one thing at a time) and answer the player's config."""

    def post(self, request, public_id):
        profile = profile_current(request._request)
        if profile is None:
            raise ApplicationError("Choose a profile first.", code="forbidden")
        video = get_object_or_404(Video.objects.select_related("title"), public_id=public_id)
        session = services.playback_start(
            user=request.user, profile=profile, video=video, device=device_id(request._request),
            country=client_country(request._request), client_ip=client_ip(request._request),
            # The page's script knows what this browser decodes, the server does not:
            # the session may have every codec merged so far, and the player asks its
            # manifest for the one codec it plays (AV1 where MediaSource says so, else
            # H.264; H.264 + HEVC for native HLS).
            user_agent=request.headers.get("User-Agent", ""), codecs=WEB_CODECS,
        )
        return Response(player_config(session=session), status=201)


start = Start.as_view()
heartbeat = Heartbeat.as_view()
stop = Stop.as_view()
languages = Languages.as_view()
