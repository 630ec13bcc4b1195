"""Encoding profiles: the codecs a profile encodes (with their presets) and
each codec's rungs. Every write of a profile goes through here, the
admin's included, so the rules hold whoever edits: H.264 is always on, a
preset is one the encoder knows, one rung per height and codec."""
from __future__ import annotations

from django.db import transaction

from streaming.core.errors import ApplicationError

from .. import ladder
from ..ffmpeg import CODECS
from ..models import Codec, EncodingProfile, ProfileCodec, ProfileRung

DEFAULT_PROFILE_NAME = "Standard: H.264 + AV1"
DEMO_PROFILE_NAME = "Demo: H.264 + AV1 (fast AV1)"
# The demo's AV1 preset: 10 encodes about 2.4x faster than 8 here (published
# trial: 3.2 s against 7.7 s for 10 s of 720p), so the sample's AV1 ladder
# joins a minute or two after the title is playable; quality per bit is a
# little lower than the measured preset 8 the default bitrates assume.
DEMO_AV1_PRESET = "10"
# The demo titles' short clips (`manage.py demo`): H.264 alone. They are there
# so that no title is "coming soon"; the sample shows AV1, and eight more AV1
# ladders would add about a minute of background encoding on two cores.
DEMO_CLIPS_PROFILE_NAME = "Demo clips: H.264"

X26X_PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow",
                "placebo")


def preset_check(*, codec: str, preset: str) -> str:
    """The preset, cleaned, or ApplicationError naming what the encoder accepts."""
    preset = (preset or "").strip().lower()
    if codec == Codec.AV1:
        if not preset.isdigit() or not 0 <= int(preset) <= 13:
            raise ApplicationError("An SVT-AV1 preset is a number from 0 (slowest, best) to 13 (fastest).",
                                   code="invalid", extra={"field": "preset"})
        return str(int(preset))
    if preset not in X26X_PRESETS:
        raise ApplicationError(f"An {CODECS[codec].encoder} preset is one of: {', '.join(X26X_PRESETS)}.",
                               code="invalid", extra={"field": "preset"})
    return preset


def profile_create(*, name: str, is_default: bool = False, codecs: dict[str, bool] | None = None,
                   presets: dict[str, str] | None = None, **timing) -> EncodingProfile:
    """A profile with every codec's row (on or off) and every codec's default
    rungs (ladder.DEFAULT_RUNGS), so that turning a codec on later needs no
    ladder typed in."""
    codecs = {**ladder.DEFAULT_CODECS, **(codecs or {})}
    presets = {**{c: CODECS[c].default_preset for c in ladder.DEFAULT_RUNGS}, **(presets or {})}
    with transaction.atomic():
        if is_default:
            EncodingProfile.objects.filter(is_default=True).update(is_default=False)
        profile = EncodingProfile.objects.create(name=name, is_default=is_default, **timing)
        for codec in Codec.values:
            ProfileCodec.objects.create(profile=profile, codec=codec, enabled=codec == Codec.H264 or codecs[codec],
                                        preset=preset_check(codec=codec, preset=presets[codec]))
            ProfileRung.objects.bulk_create([
                ProfileRung(profile=profile, codec=codec, height=h, video_bitrate_kbps=k)
                for h, k in ladder.DEFAULT_RUNGS[codec]
            ])
    return profile


def profile_default() -> EncodingProfile:
    """The profile marked default, created (H.264 + AV1, see
    ladder.DEFAULT_CODECS) if none is."""
    profile = EncodingProfile.objects.filter(is_default=True).first()
    if profile:
        return profile
    with transaction.atomic():
        profile = EncodingProfile.objects.select_for_update().filter(name=DEFAULT_PROFILE_NAME).first()
        if profile is None:
            return profile_create(name=DEFAULT_PROFILE_NAME, is_default=True)
        profile.is_default = True
        profile.save(update_fields=["is_default"])
    return profile


def profile_demo(*, clips: bool = False) -> EncodingProfile:
    """What `manage.py demo` transcodes its sample with: H.264 and AV1 at a
    faster AV1 preset, so the first run stays short on two cores; with
    ``clips``, what it transcodes the demo titles' short clips with: H.264
    alone."""
    if clips:
        profile = EncodingProfile.objects.filter(name=DEMO_CLIPS_PROFILE_NAME).first()
        return profile or profile_create(name=DEMO_CLIPS_PROFILE_NAME, codecs={"av1": False, "hevc": False})
    profile = EncodingProfile.objects.filter(name=DEMO_PROFILE_NAME).first()
    return profile or profile_create(name=DEMO_PROFILE_NAME, codecs={"av1": True, "hevc": False},
                                     presets={"av1": DEMO_AV1_PRESET})


def profile_save(*, profile: EncodingProfile) -> EncodingProfile:
    """Save a profile's own fields (name, timing); one default at a time. A
    new profile gets every codec's row and default rungs."""
    with transaction.atomic():
        if profile.is_default:
            EncodingProfile.objects.filter(is_default=True).exclude(pk=profile.pk).update(is_default=False)
        created = profile.pk is None
        profile.full_clean()
        profile.save()
        if created:
            for codec in Codec.values:
                ProfileCodec.objects.create(profile=profile, codec=codec, enabled=codec == Codec.H264,
                                            preset=CODECS[codec].default_preset)
    return profile


def profile_delete(*, profile: EncodingProfile) -> None:
    if profile.jobs.exists():
        raise ApplicationError("Jobs were encoded with this profile; keep it (mark another one default).",
                               code="profile_in_use")
    profile.delete()


def profile_codec_save(*, profile: EncodingProfile, codec: str, enabled: bool, preset: str) -> ProfileCodec:
    """Turn a codec on or off for a profile and set its preset. H.264 stays
    on: every device decodes it, and it is what makes a title playable. A
    codec turned on with no rungs gets the default ones."""
    if codec not in Codec.values:
        raise ApplicationError(f"Unknown codec {codec!r}.", code="invalid", extra={"field": "codec"})
    if codec == Codec.H264 and not enabled:
        raise ApplicationError("H.264 cannot be turned off: it plays everywhere and makes a title playable.",
                               code="h264_required", extra={"field": "enabled"})
    preset = preset_check(codec=codec, preset=preset)
    with transaction.atomic():
        row, _ = ProfileCodec.objects.update_or_create(profile=profile, codec=codec,
                                                       defaults={"enabled": enabled, "preset": preset})
        if enabled and not profile.rungs.filter(codec=codec).exists():
            ProfileRung.objects.bulk_create([ProfileRung(profile=profile, codec=codec, height=h, video_bitrate_kbps=k)
                                             for h, k in ladder.DEFAULT_RUNGS[codec]])
    return row


def profile_rung_save(*, profile: EncodingProfile, codec: str, height: int, video_bitrate_kbps: int,
                      rung: ProfileRung | None = None) -> ProfileRung:
    """Add or change a rung (one per height and codec)."""
    if codec not in Codec.values:
        raise ApplicationError(f"Unknown codec {codec!r}.", code="invalid", extra={"field": "codec"})
    clash = ProfileRung.objects.filter(profile=profile, codec=codec, height=height)
    if rung is not None and rung.pk:
        clash = clash.exclude(pk=rung.pk)
    if clash.exists():
        raise ApplicationError(f"{Codec(codec).label} already has a {height}p rung in this profile: "
                               "a rung's folder is its height.", code="rung_exists", extra={"field": "height"})
    rung = rung or ProfileRung(profile=profile)
    rung.profile, rung.codec, rung.height, rung.video_bitrate_kbps = profile, codec, height, video_bitrate_kbps
    rung.full_clean(validate_unique=False)
    rung.save()
    return rung


def profile_rung_delete(*, rung: ProfileRung) -> None:
    others = ProfileRung.objects.filter(profile_id=rung.profile_id, codec=rung.codec).exclude(pk=rung.pk)
    enabled = ProfileCodec.objects.filter(profile_id=rung.profile_id, codec=rung.codec, enabled=True).exists()
    if enabled and not others.exists():
        raise ApplicationError(f"The last {Codec(rung.codec).label} rung of a profile that encodes "
                               f"{Codec(rung.codec).label}: turn the codec off instead.", code="last_rung")
    rung.delete()

