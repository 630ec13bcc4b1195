"""`manage.py demo` leaves a newcomer with accounts, a catalog and a
transcoded title (here with a small sample to keep the test short)."""
from __future__ import annotations

from io import StringIO

from django.core.management import call_command

from catalog.models import Title, Video
from streaming.subscribers.management.commands.demo import SAMPLE_TITLE


def test_demo_sets_up_accounts_catalog_and_a_playable_sample(worker, settings, django_user_model):
    settings.DEBUG = True
    out = StringIO()
    call_command("demo", "--no-serve", "--sample-seconds", "4", "--sample-height", "360", stdout=out)
    text = out.getvalue()
    assert "password 'streaming-demo'" in text
    assert django_user_model.objects.get(username="admin").check_password("streaming-demo")
    video = Title.objects.get(name=SAMPLE_TITLE).videos.get()
    assert video.status == Video.Status.READY
    assert "Sample ready: v360, v234" in text
    # A second start finds it ready and does not transcode again.
    out = StringIO()
    call_command("demo", "--no-serve", "--sample-seconds", "4", "--sample-height", "360", stdout=out)
    assert "Sample title ready" in out.getvalue()
    assert Title.objects.get(name=SAMPLE_TITLE).videos.count() == 1


def test_demo_refuses_production(settings):
    import pytest
    from django.core.management.base import CommandError

    settings.DEBUG = False
    with pytest.raises(CommandError, match="DJANGO_DEBUG=1"):
        call_command("demo", "--no-serve")
