"""`manage.py demo` leaves a newcomer with accounts, a catalog and a
transcoded title (here with a small sample to keep the test short)."""
from __future__ import annotations

from io import StringIO

from django.core.files.base import ContentFile
from django.core.management import call_command

from catalog.models import Title, Video
from catalog.selectors import titles_visible
from catalog.services import video_create
from streaming.subscribers.management.commands.demo import SAMPLE_TITLE
from tests.fixtures.broker import wait_for
from transcoding.models import TranscodeJob

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
    assert "Sample ready: v360, v234, av1/v360, av1/v234" in text, "H.264 and AV1 (the demo profile)"
    # The clips: H.264 alone (the clips profile), not the default profile an upload gets.
    assert "Tides of the Malabar Coast ready: v234\n" in text, text
    assert not TranscodeJob.objects.exclude(video__title__name=SAMPLE_TITLE).filter(
        ladders__codec="av1").exists(), "no AV1 for the clips"
    assert TranscodeJob.objects.count() == Video.objects.count(), "one job per video: the upload started none"
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
    # Staff upload a bad file for a demo title: it fails, with its reason; the
    # demo still starts, the title still plays from the demo's own video.
    signal = Title.objects.get(name="The Last Signal")
    bad = video_create(title=signal, episode=None, source=ContentFile(b"not a film\n" * 100, name="film.mp4"))
    wait_for(lambda: TranscodeJob.objects.filter(video=bad, status=TranscodeJob.Status.FAILED).exists(),
             what="the bad upload's job to fail")
    out = StringIO()
    call_command("demo", "--no-serve", *SMALL, stdout=out)
    assert "Transcoding" not in out.getvalue(), out.getvalue()
    assert "The Last Signal" in titles_visible(country="US").values_list("name", flat=True)
    bad.refresh_from_db()
    assert bad.status == Video.Status.FAILED and "not a video" in bad.error.lower(), bad.error


def test_demo_refuses_production(settings):
    import pytest
    from django.core.management.base import CommandError

    settings.DEBUG = False
    with pytest.raises(CommandError, match="DJANGO_DEBUG=1"):
        call_command("demo", "--no-serve")
