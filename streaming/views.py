"""Subscriber pages: landing, sign-up and sign-in, profiles, account, the
player, and the playback endpoints the player calls."""
from __future__ import annotations

import json
from functools import wraps

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import require_GET, require_POST

from catalog.models import Video
from edge.locate import client_ip
from edge.signing import TokenError, token_check
from streaming.api.errors import error_body
from streaming.errors import ApplicationError

from . import selectors, services
from .models import PlaybackSession, Plan, Profile
from .viewer import device_id, profile_choose, profile_current, profile_required


def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("catalog:browse")
    return render(request, "streaming/landing.html", {"plans": selectors.plans_offered()})


# --- accounts ---------------------------------------------------------------------------


class SignUpForm(forms.Form):
    username = forms.CharField(max_length=150)
    email = forms.EmailField()
    password = forms.CharField(widget=forms.PasswordInput, min_length=8)
    plan = forms.ModelChoiceField(queryset=Plan.objects.filter(active=True), empty_label=None,
                                  widget=forms.RadioSelect)


def signup(request: HttpRequest) -> HttpResponse:
    form = SignUpForm(request.POST or None, initial={"plan": Plan.objects.filter(slug="standard").first()})
    if request.method == "POST" and form.is_valid():
        try:
            user = services.account_create(
                username=form.cleaned_data["username"], email=form.cleaned_data["email"],
                password=form.cleaned_data["password"], plan=form.cleaned_data["plan"],
            )
        except ApplicationError as exc:
            form.add_error(exc.extra.get("field"), exc.message)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, f"Welcome! Your {form.cleaned_data['plan'].name} plan is active.")
            return redirect("profiles")
    return render(request, "registration/signup.html", {"form": form})


class ThrottledAuthenticationForm(AuthenticationForm):
    """Sign-in refused for a while after repeated failures from one address."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "throttled": "Too many failed sign-in attempts. Wait 15 minutes, or reset your password.",
    }

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        ip = client_ip(self.request) or "unknown"
        if not services.login_attempt_allowed(username=username, ip=ip):
            raise ValidationError(self.error_messages["throttled"], code="throttled")
        try:
            cleaned = super().clean()
        except ValidationError:
            services.login_failure_record(username=username, ip=ip)
            raise
        services.login_success_record(username=username, ip=ip)
        return cleaned


class SignInView(LoginView):
    form_class = ThrottledAuthenticationForm
    redirect_authenticated_user = True

    def get_success_url(self) -> str:
        target = self.get_redirect_url()
        return f"{reverse('profiles')}?next={target}" if target else reverse("profiles")


@login_required
def account(request: HttpRequest) -> HttpResponse:
    subscription = getattr(request.user, "subscription", None)
    if request.method == "POST":
        plan = get_object_or_404(Plan, pk=request.POST.get("plan"), active=True)
        services.subscription_change_plan(user=request.user, plan=plan)
        messages.success(request, f"You are now on the {plan.name} plan.")
        return redirect("account")
    return render(request, "streaming/account.html", {
        "subscription": subscription, "plans": selectors.plans_offered(),
        "sessions": selectors.sessions_active(user=request.user), "profile": profile_current(request),
    })


# --- profiles ------------------------------------------------------------------------------


def _safe_next(request: HttpRequest) -> str:
    target = request.GET.get("next") or request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse("catalog:browse")


@login_required
def profiles(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        profile = get_object_or_404(Profile, pk=request.POST.get("profile"), user=request.user)
        profile_choose(request, profile)
        return redirect(_safe_next(request))
    return render(request, "streaming/profiles.html", {
        "profiles": request.user.profiles.all(), "next": _safe_next(request),
        "can_add": request.user.profiles.count() < Profile.MAX_PER_ACCOUNT,
    })


class ProfileForm(forms.Form):
    name = forms.CharField(max_length=40)
    kids = forms.BooleanField(required=False, label="Kids profile (only titles rated for children)")


@login_required
def profile_new(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            profile = services.profile_create(user=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            profile_choose(request, profile)
            return redirect("catalog:browse")
    return render(request, "streaming/profile_form.html", {"form": form})


# --- playback -------------------------------------------------------------------------------


@profile_required
def watch(request: HttpRequest, public_id) -> HttpResponse:
    viewer = request.viewer
    video = get_object_or_404(Video.objects.select_related("title"), public_id=public_id)
    try:
        session = services.playback_start(
            user=request.user, profile=viewer.profile, video=video, device=device_id(request),
            country=viewer.country, client_ip=client_ip(request),
            user_agent=request.headers.get("User-Agent", ""),
        )
    except ApplicationError as exc:
        status = 409 if exc.code == "too_many_screens" else 403
        return render(request, "streaming/cannot_play.html",
                      {"reason": exc.message, "code": exc.code, "title": video.title}, status=status)
    token = services.session_token(session=session)
    first = services.session_pathways(session=session)[0]

    def asset(rest: str) -> str:
        return services.session_asset_url(session=session, token=token, rest=rest, pathway=first)

    config = {
        "session": str(session.pk),
        "master": services.master_url(session=session, token=token),
        "heartbeat": reverse("playback-heartbeat", args=[session.pk]),
        "stop": reverse("playback-stop", args=[session.pk]),
        "resume": session.position,
        "duration": video.duration,
        "thumbnails": asset("thumbs/thumbnails.vtt"),
        "heartbeatInterval": settings.PLAYBACK_HEARTBEAT_INTERVAL,
        "maxBuffer": settings.PLAYER_MAX_BUFFER_SECONDS,
        "edge": {"id": session.edge_name, "zone": first.zone_name},
        "titleUrl": reverse("catalog:title", args=[video.title.slug]),
        # hls.js: the pinned CDN copy (checked by SRI), else our own copy.
        "hls": {"cdn": settings.HLS_JS_CDN_URL, "sri": settings.HLS_JS_SRI,
                "local": static(f"vendor/hls.js-{settings.HLS_JS_VERSION}/hls.min.js")},
    }
    return render(request, "streaming/player.html", {
        "video": video, "title": video.title, "session": session, "config": config,
        "poster": asset("poster.jpg"),
    })


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

