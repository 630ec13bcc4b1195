"""The demo catalog: loaded once, and its titles render."""
from __future__ import annotations

import pytest
from django.urls import reverse

from catalog import selectors
from catalog.demo_data import demo_catalog_load
from catalog.models import Title
from tests.fixtures.catalog import video_ready_make

pytestmark = pytest.mark.django_db


def test_demo_catalog_loads_once_and_renders(viewer_client, settings):
    client = viewer_client
    settings.DEBUG = True
    assert demo_catalog_load() == 6
    assert demo_catalog_load() == 0
    for title in Title.objects.all():  # what the demo's transcodes leave
        if title.kind == Title.Kind.FILM:
            video_ready_make(title=title)
        for season in title.seasons.all():
            video_ready_make(title=title, episode=season.episodes.first())
    response = client.get("/browse/?country=DE")
    assert response.status_code == 200
    assert b"Frankfurt Nights" in response.content
    series = selectors.title_get_visible(slug="orbit-school", country="US")
    page = client.get(reverse("catalog:title", args=[series.slug]))
    assert b"Zero-G Lunch" in page.content
