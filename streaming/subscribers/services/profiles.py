"""Profiles: up to five per account, kids or not."""
from __future__ import annotations

from django.db import transaction

from streaming.core.errors import ApplicationError

from ..models import Profile


@transaction.atomic
def profile_create(*, user, name: str, kids: bool = False) -> Profile:
    name = name.strip()
    if not name:
        raise ApplicationError("A profile needs a name.", code="required", extra={"field": "name"})
    profiles = Profile.objects.select_for_update().filter(user=user)
    if profiles.count() >= Profile.MAX_PER_ACCOUNT:
        raise ApplicationError(f"An account has at most {Profile.MAX_PER_ACCOUNT} profiles.", code="limit")
    if profiles.filter(name__iexact=name).exists():
        raise ApplicationError("You already have a profile with that name.", code="taken", extra={"field": "name"})
    return Profile.objects.create(user=user, name=name[:40], kids=kids)


def profile_update(*, profile: Profile, name: str | None = None, kids: bool | None = None) -> Profile:
    if name is not None:
        name = name.strip()
        if not name:
            raise ApplicationError("A profile needs a name.", code="required", extra={"field": "name"})
        if Profile.objects.filter(user=profile.user, name__iexact=name).exclude(pk=profile.pk).exists():
            raise ApplicationError("You already have a profile with that name.", code="taken")
        profile.name = name[:40]
    if kids is not None:
        profile.kids = kids
    profile.save()
    return profile


def profile_delete(*, profile: Profile) -> None:
    if Profile.objects.filter(user=profile.user).count() <= 1:
        raise ApplicationError("An account keeps at least one profile.", code="last_profile")
    profile.delete()
