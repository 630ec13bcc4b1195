"""The player page, and the playback endpoints the player calls: start
(POST), the session's master playlist, heartbeats and stop."""
from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_GET
from rest_framework.authentication import SessionAuthentication
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.models import Video
from edge.locate import client_country, client_ip
from edge.signing import TokenError, token_check
from streaming.core.api.parsers import StrictJSONParser
from streaming.core.errors import ApplicationError

from .. import services
from ..api.playback import PlaybackHeartbeatApi, PlaybackStopApi
from ..models import PlaybackSession
from ..viewer import ViewerRequest, device_id, profile_current, profile_required


def _cannot_play(request, exc: ApplicationError, video: Video) -> HttpResponse:
    status = 409 if exc.code == "too_many_screens" else 403
    return render(request, "streaming/cannot_play.html",
                  {"reason": exc.message, "code": exc.code, "title": video.title}, status=status)


@profile_required
@ensure_csrf_cookie
def watch(request: ViewerRequest, public_id) -> HttpResponse:
    """The player page. Opening it starts nothing (a GET must not end the
    browser's other playback, whoever made it navigate here): the page asks
    for a session with a POST to ``start`` (static/js/player-start.js),
    which answers the player's config. What can be checked without a
    session (subscription, country, profile, readiness) is checked here."""
    viewer = request.viewer
    video = get_object_or_404(Video.objects.select_related("title"), public_id=public_id)
    try:
        services.playback_allowed(user=request.user, profile=viewer.profile, video=video, country=viewer.country)
    except ApplicationError as exc:
        return _cannot_play(request, exc, video)
    start = {"start": reverse("playback-start", args=[video.public_id])}
    return render(request, "streaming/player.html", {
        "video": video, "title": video.title, "start": start, "poster": "",
    })


def player_config(*, session: PlaybackSession) -> dict:
    """What the player needs of a started session (player.js reads it as
    ``config``)."""
    video = session.video
    payload = services.playback_payload(session=session)
    return {
        "session": str(session.pk),
        "master": payload.master_path,
        "heartbeat": reverse("playback-heartbeat", args=[session.pk]),
        "stop": reverse("playback-stop", args=[session.pk]),
        "resume": session.position,
        "duration": video.duration,
        "thumbnails": payload.thumbnails_url,
        "poster": payload.poster_url,
        "heartbeatInterval": settings.PLAYBACK_HEARTBEAT_INTERVAL,
        "maxBuffer": settings.PLAYER_MAX_BUFFER_SECONDS,
        "edge": {"id": payload.edge.id, "zone": payload.edge.zone_name},
        "titleUrl": reverse("catalog:title", args=[video.title.slug]),
        # hls.js: the pinned CDN copy (checked by SRI), else our own copy.
        "hls": {"cdn": settings.HLS_JS_CDN_URL, "sri": settings.HLS_JS_SRI,
                "local": static(f"vendor/hls.js-{settings.HLS_JS_VERSION}/hls.min.js")},
    }


@require_GET
@gzip_page
def master(request: HttpRequest, token: str) -> HttpResponse:
    """The session's master playlist. The token in the path is the session's
    credential, so a mobile app needs no cookie to fetch it."""
    try:
        claims = token_check(token=token)
    except TokenError as exc:
        return HttpResponse(f"{exc.reason}\n", status=403, content_type="text/plain")
    session = PlaybackSession.objects.select_related("video", "profile").filter(pk=claims.session_id).first()
    if session is None or session.ended_at is not None:
        return HttpResponse("This playback session has ended.\n", status=410, content_type="text/plain")
    try:
        playlist = services.master_playlist(session=session, token=token)
    except ApplicationError as exc:
        return HttpResponse(exc.message + "\n", status=409, content_type="text/plain")
    response = HttpResponse(playlist.text, content_type="application/vnd.apple.mpegurl")
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


class Stop(PlayerEndpoint):
    def post(self, request, session_id):
        session = self.own_session(request, session_id)
        data = PlaybackStopApi.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.playback_stop(session=session, position=data.validated_data.get("position"))
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
            user_agent=request.headers.get("User-Agent", ""),
        )
        return Response(player_config(session=session), status=201)


start = Start.as_view()
heartbeat = Heartbeat.as_view()
stop = Stop.as_view()
