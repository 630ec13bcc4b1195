"""The demo catalog: loaded once, and its titles render."""
from __future__ import annotations

import pytest
from django.urls import reverse

from catalog import selectors
from catalog.demo_data import demo_catalog_load

pytestmark = pytest.mark.django_db


def test_demo_catalog_loads_once_and_renders(viewer_client, settings):
    client = viewer_client
    settings.DEBUG = True
    assert demo_catalog_load() == 6
    assert demo_catalog_load() == 0
    response = client.get("/browse/?country=DE")
    assert response.status_code == 200
    assert b"Frankfurt Nights" in response.content
    series = selectors.title_get_visible(slug="orbit-school", country="US")
    page = client.get(reverse("catalog:title", args=[series.slug]))
    assert b"Zero-G Lunch" in page.content
