"""Title artwork: uploads, a frame of the video by default, generated demo
pictures; the widths the pages ask for; served for good; in pages and API."""
from __future__ import annotations

import io
import re

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from PIL import Image

from catalog.demo_data import demo_artwork_load, demo_catalog_load
from catalog.models import Artwork, Title
from catalog.services import artwork_from_video, artwork_save, title_create
from streaming.core.errors import ApplicationError
from tests.fixtures.catalog import playable_title, video_ready_make

pytestmark = pytest.mark.django_db


def picture(width: int, height: int, *, fmt: str = "PNG", mode: str = "RGB", colour=(200, 40, 40)) -> bytes:
    image = Image.new(mode, (width, height), colour if mode == "RGB" else (*colour, 128))
    out = io.BytesIO()
    image.save(out, fmt)
    return out.getvalue()


def stored_image(key: str) -> Image.Image:
    with default_storage.open(key, "rb") as fh:
        return Image.open(io.BytesIO(fh.read()))


def test_an_upload_is_cut_to_16_9_and_kept_in_every_width_it_can_fill(django_capture_on_commit_callbacks):
    title = title_create(name="Square Poster")
    with django_capture_on_commit_callbacks(execute=True):
        art = artwork_save(title=title, kind="poster", data=picture(1000, 1000, mode="RGBA"))
    assert [r["width"] for r in art.renditions] == [320, 480, 640, 960]
    for r in art.renditions:
        image = stored_image(r["key"])
        assert image.format == "JPEG" and image.size == (r["width"], r["height"])
        assert abs(image.width / image.height - 16 / 9) < 0.01
    assert (art.width, art.height, art.origin) == (1000, 1000, "upload")
    assert re.fullmatch(r"#[0-9a-f]{6}", art.color)
    assert default_storage.exists(art.original)
    # A small backdrop makes only the smallest width (never enlarged beyond it).
    small = artwork_save(title=title, kind="backdrop", data=picture(400, 225))
    assert [r["width"] for r in small.renditions] == [640]


def test_a_new_picture_replaces_the_old_one_and_its_files(django_capture_on_commit_callbacks):
    title = title_create(name="Recut")
    with django_capture_on_commit_callbacks(execute=True):
        first = artwork_save(title=title, kind="backdrop", data=picture(1920, 1080, colour=(10, 10, 200)))
    old_keys = [r["key"] for r in first.renditions]
    with django_capture_on_commit_callbacks(execute=True):
        second = artwork_save(title=title, kind="backdrop", data=picture(1920, 1080, colour=(10, 200, 10)))
    assert Artwork.objects.filter(title=title).count() == 1
    assert not any(default_storage.exists(k) for k in old_keys)
    assert all(default_storage.exists(r["key"]) for r in second.renditions)


@pytest.mark.parametrize("data, message", [
    (b"#!/bin/sh\necho not a picture\n", "not an image"),
    (picture(200, 120), "at least 320"),
])
def test_what_is_not_a_usable_picture_is_refused_with_a_reason(data, message):
    title = title_create(name="Bad Art")
    with pytest.raises(ApplicationError, match=message):
        artwork_save(title=title, kind="poster", data=data)
    assert not Artwork.objects.exists()


def _ladder_poster(video, data: bytes) -> None:
    from streaming.core.storage import put_bytes

    put_bytes(f"{video.ladder_prefix}/poster.jpg", data)


def test_a_ready_video_gives_its_frame_where_staff_gave_nothing():
    title = title_create(name="Framed")
    artwork_save(title=title, kind="poster", data=picture(1280, 720, colour=(1, 2, 3)))
    video = video_ready_make(title=title)
    _ladder_poster(video, picture(1280, 720, fmt="JPEG", colour=(250, 250, 250)))
    made = artwork_from_video(video_id=video.pk)
    assert [a.kind for a in made] == ["backdrop"]
    kinds = {a.kind: a.origin for a in title.artwork.all()}
    assert kinds == {"poster": "upload", "backdrop": "video"}
    # Staff may ask for the frame anyway (admin action).
    artwork_from_video(video_id=video.pk, replace=True)
    assert {a.origin for a in title.artwork.all()} == {"video"}


def test_a_video_without_a_poster_or_not_ready_changes_nothing():
    title = title_create(name="No Frame")
    assert artwork_from_video(video_id=video_ready_make(title=title).pk) == []
    failed = video_ready_make(title=title, status="failed")
    _ladder_poster(failed, picture(1280, 720, fmt="JPEG"))
    assert artwork_from_video(video_id=failed.pk) == []
    assert not Artwork.objects.exists()


def test_artwork_is_served_for_good_and_nothing_else_is():
    title = title_create(name="Served")
    art = artwork_save(title=title, kind="poster", data=picture(640, 360))
    url = reverse("artwork", args=[art.renditions[0]["key"].removeprefix("artwork/")])
    from django.test import Client

    response = Client().get(url)  # no sign-in needed: the same picture for everyone
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    assert Image.open(io.BytesIO(b"".join(response.streaming_content))).size == (320, 180)
    original = art.original.removeprefix("artwork/")
    for bad in (original, "../sources/x/master.mp4", f"{title.pk}/poster-000000000000-320.jpg"):
        assert Client().get(f"/artwork/{bad}").status_code == 404, bad


def test_cards_and_heroes_use_srcset_and_the_api_gives_absolute_urls(viewer_client, subscriber):
    title = playable_title(name="Pictured", synopsis="With a poster.")
    artwork_save(title=title, kind="poster", data=picture(1280, 720))
    artwork_save(title=title, kind="backdrop", data=picture(1920, 1080))
    browse = viewer_client.get("/browse/").content.decode()
    card = re.search(r'<img class="card-img"[^>]*>', browse).group(0)
    assert re.search(r'srcset="[^"]*320w, [^"]*480w, [^"]*640w, [^"]*960w"', card), card
    assert 'loading="lazy"' in card and "sizes=" in card
    hero = re.search(r'<img class="hero-img"[^>]*>', browse).group(0)
    assert "1920w" in hero and 'fetchpriority="high"' in hero
    page = viewer_client.get(reverse("catalog:title", args=[title.slug])).content.decode()
    assert 'class="hero-img"' in page
    user, profile = subscriber
    token = viewer_client.post("/api/v1/auth/sign-in/", {"username": user.username, "password": "a-Strong-pass-123",
                                                         "device_name": "t"}, content_type="application/json").json()
    titles = viewer_client.get(f"/api/v1/profiles/{profile.pk}/titles/",
                               HTTP_AUTHORIZATION=f"Bearer {token['access_token']}").json()
    poster = titles["results"][0]["artwork"]["poster"]
    assert [s["width"] for s in poster["sizes"]] == [320, 480, 640, 960]
    assert poster["sizes"][0]["url"].startswith("http://testserver/artwork/")


def test_staff_upload_artwork_in_the_admin(admin_client):
    title = title_create(name="Admin Art")
    url = reverse("admin:catalog_title_change", args=[title.pk])
    page = admin_client.get(url)
    assert page.status_code == 200 and b"Poster (cards)" in page.content
    fh = io.BytesIO(picture(1600, 900))
    fh.name = "poster.png"
    data = {
        "kind": title.kind, "name": title.name, "slug": title.slug, "synopsis": "", "year": "",
        "maturity_rating": title.maturity_rating, "published": "on", "countries": "",
        "artwork-TOTAL_FORMS": "1", "artwork-INITIAL_FORMS": "0", "artwork-MIN_NUM_FORMS": "0",
        "artwork-MAX_NUM_FORMS": "1000", "artwork-0-kind": "poster", "artwork-0-image": fh,
        "artwork-0-title": title.pk,
        "seasons-TOTAL_FORMS": "0", "seasons-INITIAL_FORMS": "0", "seasons-MIN_NUM_FORMS": "0",
        "seasons-MAX_NUM_FORMS": "1000",
        "videos-TOTAL_FORMS": "0", "videos-INITIAL_FORMS": "0", "videos-MIN_NUM_FORMS": "0",
        "videos-MAX_NUM_FORMS": "1000",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 302, re.findall(r'class="errorlist[^"]*">(.*?)</ul>', response.content.decode())
    art = Artwork.objects.get(title=title)
    assert (art.kind, art.origin, art.width) == ("poster", "upload", 1600)
    # Not a picture: the form says so, nothing is stored.
    bad = io.BytesIO(b"not an image")
    bad.name = "backdrop.png"
    data.update({"artwork-TOTAL_FORMS": "2", "artwork-INITIAL_FORMS": "1", "artwork-0-id": art.pk,
                 "artwork-0-image": "", "artwork-1-kind": "backdrop", "artwork-1-image": bad,
                 "artwork-1-title": title.pk})
    response = admin_client.post(url, data)
    assert response.status_code == 200 and b"not an image we can read" in response.content
    assert Artwork.objects.filter(title=title).count() == 1


def test_the_demo_catalog_gets_generated_artwork_once():
    demo_catalog_load()
    assert demo_artwork_load() == 6
    assert demo_artwork_load() == 0
    for title in Title.objects.all():
        kinds = {a.kind: a for a in title.artwork.all()}
        assert set(kinds) == {"poster", "backdrop"} and kinds["backdrop"].origin == "generated"
        assert [r["width"] for r in kinds["backdrop"].renditions] == [640, 960, 1280, 1920]


@pytest.mark.slow
def test_a_finished_transcode_gives_its_title_artwork(run_transcode, clips):
    from tests.fixtures.broker import wait_for

    job = run_transcode(clips.motion)
    assert job.status == "done", job.error
    # Both kinds: they are saved one after the other, so waiting for "any" could see the poster alone.
    art = wait_for(lambda: (lambda rows: rows if len(rows) == 2 else None)(
        list(Artwork.objects.filter(title=job.video.title))), what="artwork from the frame")
    assert {a.kind for a in art} == {"poster", "backdrop"} and {a.origin for a in art} == {"video"}
