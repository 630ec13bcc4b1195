"""`manage.py demo` leaves a newcomer with accounts, a catalog and a
transcoded title (here with a small sample to keep the test short)."""
from __future__ import annotations

from io import StringIO

from django.core.management import call_command

from catalog.models import Title, Video
from catalog.selectors import titles_visible
from streaming.subscribers.management.commands.demo import SAMPLE_TITLE
from tests.fixtures.broker import wait_for

SMALL = ["--sample-seconds", "4", "--sample-height", "360", "--clip-seconds", "2", "--clip-height", "240"]


def test_demo_sets_up_accounts_catalog_and_a_playable_sample(worker, settings, django_user_model):
    settings.DEBUG = True
    out = StringIO()
    call_command("demo", "--no-serve", *SMALL, stdout=out)
    text = out.getvalue()
    assert "password 'streaming-demo'" in text
    assert django_user_model.objects.get(username="admin").check_password("streaming-demo")
    video = Title.objects.get(name=SAMPLE_TITLE).videos.get()
    assert video.status == Video.Status.READY
    assert "Sample ready: v360, v234" in text
    # Every demo title plays (no "coming soon" catalog), and has artwork.
    assert set(titles_visible(country="US").values_list("name", flat=True)) == {
        SAMPLE_TITLE, "Tides of the Malabar Coast", "The Last Signal", "Orbit School", "Deep Blue Atlas"}
    assert "Frankfurt Nights" in titles_visible(country="DE").values_list("name", flat=True)
    for title in Title.objects.exclude(name=SAMPLE_TITLE):
        assert {a.origin for a in title.artwork.all()} == {"generated"}, title
    orbit = Title.objects.get(name="Orbit School")
    assert [e.video.status if hasattr(e, "video") else None for e in orbit.seasons.get().episodes.all()] == [
        "ready", "ready", None], "the third episode is still to come"
    wait_for(lambda: Title.objects.get(name=SAMPLE_TITLE).artwork.count() == 2, what="the sample's frame as artwork")
    # A second start finds it ready and does not transcode again.
    out = StringIO()
    call_command("demo", "--no-serve", *SMALL, stdout=out)
    assert "Sample title ready" in out.getvalue() and "Transcoding" not in out.getvalue()
    assert Title.objects.get(name=SAMPLE_TITLE).videos.count() == 1


def test_demo_refuses_production(settings):
    import pytest
    from django.core.management.base import CommandError

    settings.DEBUG = False
    with pytest.raises(CommandError, match="DJANGO_DEBUG=1"):
        call_command("demo", "--no-serve")
