"""Profiles: up to five per account, kids or not."""
from __future__ import annotations

from django.db import transaction

from catalog.subtitles import language_tag_normalise
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


def _language(raw: str, field: str) -> str:
    """A BCP 47 tag in its canonical form; blank stays blank (no preference)."""
    if not raw.strip():
        return ""
    try:
        return language_tag_normalise(raw)
    except ValueError as exc:
        raise ApplicationError(str(exc), extra={"field": field}) from None


def profile_languages_set(*, profile: Profile, audio_language: str | None = None,
                          subtitle_language: str | None = None) -> Profile:
    """The profile's preferred audio and subtitle languages (blank subtitle
    language: subtitles off). Its next sessions' manifests mark them DEFAULT."""
    fields = []
    if audio_language is not None:
        profile.audio_language = _language(audio_language, "audio_language")
        fields.append("audio_language")
    if subtitle_language is not None:
        profile.subtitle_language = _language(subtitle_language, "subtitle_language")
        fields.append("subtitle_language")
    if fields:
        profile.save(update_fields=fields)
    return profile


def profile_update(*, profile: Profile, name: str | None = None, kids: bool | None = None,
                   audio_language: str | None = None, subtitle_language: str | None = None) -> Profile:
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
    return profile_languages_set(profile=profile, audio_language=audio_language,
                                 subtitle_language=subtitle_language)


def profile_delete(*, profile: Profile) -> None:
    if Profile.objects.filter(user=profile.user).count() <= 1:
        raise ApplicationError("An account keeps at least one profile.", code="last_profile")
    profile.delete()
