"""What every subscriber endpoint asks: which of the caller's profiles,
and where the device is."""
from __future__ import annotations

from django.shortcuts import get_object_or_404

from edge.locate import client_country

from ..models import Profile


def profile_of(request, profile_id: int) -> Profile:
    """One of the caller's own profiles; another account's is a 404."""
    return get_object_or_404(Profile, pk=profile_id, user=request.user)


def country_of(request) -> str:
    return client_country(request)
