"""The player page, and the playback endpoints players call: the session's
HLS master playlist and DASH MPD, heartbeats and stop."""
from __future__ import annotations

import json
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_GET, require_POST

from catalog.models import Video
from edge.locate import client_ip
from edge.signing import TokenError, token_check
from streaming.core.api.errors import error_body
from streaming.core.errors import ApplicationError
from transcoding.ladder import CODEC_LABELS

from .. import services
from ..models import PlaybackSession
from ..viewer import ViewerRequest, device_id, profile_required

# A web session may have every codec; the page's script picks one (see watch).
WEB_CODECS = ("av1", "hevc", "h264")


@profile_required
def watch(request: ViewerRequest, public_id) -> HttpResponse:
    viewer = request.viewer
    video = get_object_or_404(Video.objects.select_related("title"), public_id=public_id)
    try:
        # The page's script knows what this browser decodes, the server does
        # not: the session may have every codec merged so far, and the player
        # asks its manifest for the one codec it plays (AV1 where
        # MediaSource says so, else H.264; H.264 + HEVC for native HLS).
        session = services.playback_start(
            user=request.user, profile=viewer.profile, video=video, device=device_id(request),
            country=viewer.country, client_ip=client_ip(request),
            user_agent=request.headers.get("User-Agent", ""), codecs=WEB_CODECS,
        )
    except ApplicationError as exc:
        status = 409 if exc.code == "too_many_screens" else 403
        return render(request, "streaming/cannot_play.html",
                      {"reason": exc.message, "code": exc.code, "title": video.title}, status=status)
    payload = services.playback_payload(session=session)
    config = {
        "session": str(session.pk),
        "master": payload.master_path,
        # {codec: CODECS string of its tallest rung the plan allows}, preferred first.
        "codecs": payload.codecs,
        "codecLabels": {c: CODEC_LABELS[c] for c in payload.codecs},
        "heartbeat": reverse("playback-heartbeat", args=[session.pk]),
        "stop": reverse("playback-stop", args=[session.pk]),
        "resume": session.position,
        "duration": video.duration,
        "thumbnails": payload.thumbnails_url,
        "heartbeatInterval": settings.PLAYBACK_HEARTBEAT_INTERVAL,
        "maxBuffer": settings.PLAYER_MAX_BUFFER_SECONDS,
        "edge": {"id": payload.edge.id, "zone": payload.edge.zone_name},
        "titleUrl": reverse("catalog:title", args=[video.title.slug]),
        # hls.js: the pinned CDN copy (checked by SRI), else our own copy.
        "hls": {"cdn": settings.HLS_JS_CDN_URL, "sri": settings.HLS_JS_SRI,
                "local": static(f"vendor/hls.js-{settings.HLS_JS_VERSION}/hls.min.js")},
    }
    return render(request, "streaming/player.html", {
        "video": video, "title": video.title, "session": session, "config": config,
        "poster": payload.poster_url,
    })


def _session_for(token: str) -> PlaybackSession | HttpResponse:
    try:
        claims = token_check(token=token)
    except TokenError as exc:
        return HttpResponse(f"{exc.reason}\n", status=403, content_type="text/plain")
    session = PlaybackSession.objects.select_related("video", "profile").filter(pk=claims.session_id).first()
    if session is None or session.ended_at is not None:
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


def _error(code: str, message: str, status: int) -> JsonResponse:
    # The same error body as the API's, so one client parser serves both.
    return JsonResponse(error_body(code=code, message=message), status=status)


def own_session_required(view):
    """POST only, signed in, and the session must be the caller's own."""

    @require_POST
    @wraps(view)
    def wrapper(request: HttpRequest, session_id) -> JsonResponse:
        if not request.user.is_authenticated:
            return _error("not_authenticated", "Sign in again.", 401)
        session = PlaybackSession.objects.select_related("video", "profile").filter(
            pk=session_id, user=request.user).first()
        if session is None:
            return _error("not_found", "No such playback session.", 404)
        return view(request, session)

    return wrapper


@own_session_required
def heartbeat(request: HttpRequest, session: PlaybackSession) -> JsonResponse:
    try:
        body = json.loads(request.body or b"{}")
        services.playback_heartbeat(
            session=session, position=float(body.get("position") or 0), duration=body.get("duration"),
            state=str(body.get("state") or "playing"), qoe=body.get("qoe") or None,
        )
    except (ValueError, TypeError):
        return _error("invalid", "Malformed heartbeat.", 400)
    except ApplicationError as exc:
        return _error(exc.code, exc.message, 409)
    return JsonResponse({"ok": True, "position": session.position})


@own_session_required
def stop(request: HttpRequest, session: PlaybackSession) -> JsonResponse:
    position = request.POST.get("position")
    services.playback_stop(session=session, position=float(position) if position else None)
    return JsonResponse({"ok": True})

