"""Encoding profiles in the admin: codecs and rungs per codec, every write
through transcoding.services, the rules held whoever edits."""
from __future__ import annotations

import pytest
from django.urls import reverse

from streaming.core.errors import ApplicationError
from transcoding import ladder
from transcoding.models import EncodingProfile, ProfileCodec, ProfileRung
from transcoding.services import (
    profile_codec_save,
    profile_create,
    profile_default,
    profile_rung_delete,
    profile_rung_save,
)


def form_data(profile: EncodingProfile, *, codecs: dict | None = None, rungs_changed: dict | None = None,
              new_rungs: list[tuple[str, int, int]] = (), delete: set[int] = frozenset()) -> dict:
    """The change form as the admin posts it: the profile, its codec rows
    (``codecs``: {codec: (enabled, preset)} overrides) and rung rows."""
    data = {
        "name": profile.name, "is_default": "on" if profile.is_default else "",
        "segment_seconds": profile.segment_seconds, "keyframe_seconds": profile.keyframe_seconds,
        "chunk_seconds": profile.chunk_seconds, "max_fps": profile.max_fps,
        "audio_bitrate_kbps": profile.audio_bitrate_kbps,
    }
    rows = list(profile.codecs.all())
    data.update({"codecs-TOTAL_FORMS": len(rows), "codecs-INITIAL_FORMS": len(rows),
                 "codecs-MIN_NUM_FORMS": 0, "codecs-MAX_NUM_FORMS": 3})
    for i, row in enumerate(rows):
        enabled, preset = (codecs or {}).get(row.codec, (row.enabled, row.preset))
        data.update({f"codecs-{i}-id": row.pk, f"codecs-{i}-profile": profile.pk, f"codecs-{i}-codec": row.codec,
                     f"codecs-{i}-preset": preset})
        if enabled:
            data[f"codecs-{i}-enabled"] = "on"
    rungs = list(profile.rungs.all())
    data.update({"rungs-TOTAL_FORMS": len(rungs) + len(new_rungs), "rungs-INITIAL_FORMS": len(rungs),
                 "rungs-MIN_NUM_FORMS": 0, "rungs-MAX_NUM_FORMS": 1000})
    for i, r in enumerate(rungs):
        kbps = (rungs_changed or {}).get(r.pk, r.video_bitrate_kbps)
        data.update({f"rungs-{i}-id": r.pk, f"rungs-{i}-profile": profile.pk, f"rungs-{i}-codec": r.codec,
                     f"rungs-{i}-height": r.height, f"rungs-{i}-video_bitrate_kbps": kbps})
        if r.pk in delete:
            data[f"rungs-{i}-DELETE"] = "on"
    for j, (codec, height, kbps) in enumerate(new_rungs, start=len(rungs)):
        data.update({f"rungs-{j}-profile": profile.pk, f"rungs-{j}-codec": codec, f"rungs-{j}-height": height,
                     f"rungs-{j}-video_bitrate_kbps": kbps})
    return data


@pytest.fixture
def profile(db):
    return profile_create(name="Studio")


def test_a_new_profile_has_every_codec_with_its_default_rungs_h264_and_av1_on(profile):
    assert {c.codec: (c.enabled, c.preset) for c in profile.codecs.all()} == {
        "h264": (True, "veryfast"), "av1": (True, "8"), "hevc": (False, "medium")}
    for codec, rungs in ladder.DEFAULT_RUNGS.items():
        assert sorted(profile.rungs.filter(codec=codec).values_list("height", "video_bitrate_kbps")) == sorted(rungs)
    assert profile_default().name == "Standard: H.264 + AV1"


def test_the_admin_turns_hevc_on_changes_and_adds_rungs_through_the_services(profile, admin_client):
    url = reverse("admin:transcoding_encodingprofile_change", args=[profile.pk])
    page = admin_client.get(url).content.decode()
    assert "AV1" in page and "HEVC" in page
    av1_720 = profile.rungs.get(codec="av1", height=720)
    response = admin_client.post(url, form_data(profile, codecs={"hevc": (True, "fast")},
                                                rungs_changed={av1_720.pk: 1900},
                                                new_rungs=[("h264", 1440, 9000)]))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert ProfileCodec.objects.get(profile=profile, codec="hevc").enabled
    assert ProfileCodec.objects.get(profile=profile, codec="hevc").preset == "fast"
    assert ProfileRung.objects.get(pk=av1_720.pk).video_bitrate_kbps == 1900
    assert ProfileRung.objects.filter(profile=profile, codec="h264", height=1440, video_bitrate_kbps=9000).exists()
    listing = admin_client.get(reverse("admin:transcoding_encodingprofile_changelist")).content.decode()
    assert "HEVC (fast)" in listing and "1440p/9000k" in listing


def test_the_admin_cannot_turn_h264_off_nor_set_a_preset_the_encoder_lacks(profile, admin_client):
    url = reverse("admin:transcoding_encodingprofile_change", args=[profile.pk])
    response = admin_client.post(url, form_data(profile, codecs={"h264": (False, "veryfast")}), follow=True)
    assert "H.264 cannot be turned off" in response.content.decode()
    assert ProfileCodec.objects.get(profile=profile, codec="h264").enabled
    response = admin_client.post(url, form_data(profile, codecs={"av1": (True, "slow")}), follow=True)
    assert "SVT-AV1 preset is a number" in response.content.decode()
    assert ProfileCodec.objects.get(profile=profile, codec="av1").preset == "8"


def test_rules_hold_for_every_caller(profile):
    with pytest.raises(ApplicationError, match="already has a 720p rung"):
        profile_rung_save(profile=profile, codec="av1", height=720, video_bitrate_kbps=2000)
    with pytest.raises(ApplicationError, match="preset is one of"):
        profile_codec_save(profile=profile, codec="hevc", enabled=True, preset="ludicrous")
    profile_codec_save(profile=profile, codec="hevc", enabled=False, preset="medium")
    ProfileRung.objects.filter(profile=profile, codec="hevc").delete()
    row = profile_codec_save(profile=profile, codec="hevc", enabled=True, preset="fast")
    assert row.enabled and profile.rungs.filter(codec="hevc").count() == len(ladder.DEFAULT_RUNGS["hevc"]), \
        "a codec turned on with no rungs gets the default ones"
    for rung in list(profile.rungs.filter(codec="av1"))[:-1]:
        profile_rung_delete(rung=rung)
    with pytest.raises(ApplicationError, match="last AV1 rung"):
        profile_rung_delete(rung=profile.rungs.get(codec="av1"))
