"""The player page, and the playback endpoints players call: the session's
HLS master playlist and DASH MPD, heartbeats and stop."""
from __future__ import annotations

import json
from functools import lru_cache, wraps
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_GET, require_POST

from catalog.models import Video
from catalog.selectors import artwork_url
from edge.locate import client_ip
from edge.signing import TokenError, token_check
from streaming.core.api.errors import error_body
from streaming.core.errors import ApplicationError
from transcoding.ladder import CODEC_LABELS

from .. import selectors, services
from ..access import playback_session_revoked
from ..models import PlaybackSession
from ..viewer import ViewerRequest, device_id, profile_required

# A web session may have every codec; the page's script picks one (see watch).
WEB_CODECS = ("av1", "hevc", "h264")
# The codecs that script may choose to play alone through MediaSource
# (static/js/codecs.js): the page carries a start for each (see player/startup.js).
WEB_START_CODECS = ("av1", "h264")


@lru_cache(maxsize=1)
def _startup_script_cached() -> str:
    return _startup_script_read()


# Run inline in the watch page's head, in this order: which codec this
# browser plays, then where and on which rung it starts.
STARTUP_SCRIPTS = ("js/codecs.js", "js/player/startup.js")


def _startup_script_read() -> str:
    return "\n".join(Path(str(finders.find(name))).read_text() for name in STARTUP_SCRIPTS)


def startup_script() -> SafeString:
    """codecs.js and player/startup.js, to run inline in the watch page's
    head (read once; at every request in DEBUG, so edits show)."""
    return mark_safe(_startup_script_read() if settings.DEBUG else _startup_script_cached())  # our own file


@profile_required
def watch(request: ViewerRequest, public_id) -> HttpResponse:
    viewer = request.viewer
    video = get_object_or_404(Video.objects.select_related("title", "episode"), public_id=public_id)
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
                      {"reason": exc.message, "code": exc.code, "title": video.title, "viewer": viewer,
                       "country": viewer.country}, status=status)
    payload = services.playback_payload(session=session, start_codecs=WEB_START_CODECS)
    progress = selectors.progress_get(profile=viewer.profile, video=video)
    config = {
        "session": str(session.pk),
        "profile": viewer.profile.pk,
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
        "heartbeatInterval": settings.PLAYBACK_HEARTBEAT_INTERVAL,
        "pauseHold": settings.PLAYBACK_PAUSE_HOLD,
        "maxBuffer": settings.PLAYER_MAX_BUFFER_SECONDS,
        "edge": {"id": payload.edge.id, "zone": payload.edge.zone_name},
        "titleUrl": reverse("catalog:title", args=[video.title.slug]),
        # hls.js: the pinned CDN copy (checked by SRI), else our own copy.
        "hls": {"cdn": settings.HLS_JS_CDN_URL, "sri": settings.HLS_JS_SRI,
                "local": static(f"vendor/hls.js-{settings.HLS_JS_VERSION}/hls.min.js")},
        # Per codec the script may choose: that codec's master inline, its rungs with their
        # rates and media playlists, the audio's (see player/startup.js).
        "start": payload.starts,
    }
    edge = urlsplit(payload.edge.base_url) if payload.edge.base_url.startswith("http") else None
    return render(request, "streaming/player.html", {
        "video": video, "title": video.title, "episode": video.episode, "session": session, "config": config,
        # A small picture from this site while the first frame comes (the ladder's poster is
        # larger and would share the link with the first segment).
        "poster": artwork_url(title=video.title, kind="backdrop", width=640) or payload.poster_url,
        "edge_origin": f"{edge.scheme}://{edge.netloc}" if edge else "", "startup_js": startup_script(),
    })


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
    try:
        position = request.POST.get("position")
        qoe = json.loads(request.POST.get("qoe") or "null")
        services.playback_stop(session=session, position=float(position) if position else None,
                               qoe=qoe if isinstance(qoe, dict) else None)
    except (ValueError, TypeError):
        return _error("invalid", "Malformed stop.", 400)
    return JsonResponse({"ok": True})

