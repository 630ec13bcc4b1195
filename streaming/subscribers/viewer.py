"""Who is watching: the signed-in account, its chosen profile, and where
they are. Pages that show the catalog need all three."""
from __future__ import annotations

from dataclasses import dataclass
from functools import wraps
from typing import Any, cast

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest
from django.shortcuts import redirect

from edge.locate import client_country

from .models import Profile

PROFILE_SESSION_KEY = "profile_id"


@dataclass(frozen=True)
class Viewer:
    user: Any  # the signed-in account (settings.AUTH_USER_MODEL)
    profile: Profile
    country: str

    @property
    def staff(self) -> bool:
        return bool(self.user.is_staff)

    @property
    def kids(self) -> bool:
        return self.profile.kids


class ViewerRequest(HttpRequest):
    """A request that passed profile_required: it knows who is watching."""

    viewer: Viewer


def profile_current(request: HttpRequest) -> Profile | None:
    if not request.user.is_authenticated:
        return None
    profile_id = request.session.get(PROFILE_SESSION_KEY)
    if profile_id is None:
        return None
    return Profile.objects.filter(pk=profile_id, user=request.user).first()


def profile_choose(request: HttpRequest, profile: Profile) -> None:
    request.session[PROFILE_SESSION_KEY] = profile.pk


def device_id(request: HttpRequest) -> str:
    """A browser counts as one device: its session key."""
    if not request.session.session_key:
        request.session.save()
    return f"web-{request.session.session_key}"


def profile_required(view):
    """Sign in, then choose a profile, then see the page."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        profile = profile_current(request)
        if profile is None:
            return redirect(f"/profiles/?next={request.get_full_path()}")
        viewer_request = cast(ViewerRequest, request)
        viewer_request.viewer = Viewer(user=request.user, profile=profile, country=client_country(request))
        return view(viewer_request, *args, **kwargs)

    return wrapper
