"""The catalog's admin writes through the catalog's services."""
from __future__ import annotations

import pytest
from django.urls import reverse

from catalog.models import Availability, Episode, Season, Title


@pytest.fixture
def staff(admin_client):
    return admin_client


def test_adding_a_title_in_the_admin_limits_it_to_its_countries(staff):
    response = staff.post(reverse("admin:catalog_title_add"), {
        "kind": "film", "name": "Admin Film", "slug": "admin-film", "synopsis": "", "year": "2024",
        "maturity_rating": "13", "published": "on", "countries": "in, de",
        "artwork-TOTAL_FORMS": "0", "artwork-INITIAL_FORMS": "0",
        "seasons-TOTAL_FORMS": "0", "seasons-INITIAL_FORMS": "0",
        "videos-TOTAL_FORMS": "0", "videos-INITIAL_FORMS": "0",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    title = Title.objects.get(slug="admin-film")
    assert sorted(Availability.objects.filter(title=title).values_list("country", flat=True)) == ["DE", "IN"]


def test_seasons_and_episodes_added_in_the_admin_are_saved(staff):
    title = Title.objects.create(name="Series", slug="series", kind="series")
    response = staff.post(reverse("admin:catalog_title_change", args=[title.pk]), {
        "kind": "series", "name": "Series", "slug": "series", "synopsis": "", "year": "",
        "maturity_rating": "13", "published": "on", "countries": "",
        "artwork-TOTAL_FORMS": "0", "artwork-INITIAL_FORMS": "0",
        "seasons-TOTAL_FORMS": "1", "seasons-INITIAL_FORMS": "0",
        "seasons-0-number": "1", "seasons-0-name": "First",
        "videos-TOTAL_FORMS": "0", "videos-INITIAL_FORMS": "0",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    season = Season.objects.get(title=title)
    response = staff.post(reverse("admin:catalog_season_change", args=[season.pk]), {
        "title": title.pk, "number": "1", "name": "First",
        "episodes-TOTAL_FORMS": "1", "episodes-INITIAL_FORMS": "0",
        "episodes-0-number": "1", "episodes-0-name": "  Pilot ", "episodes-0-synopsis": "",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    assert list(Episode.objects.filter(season=season).values_list("name", flat=True)) == ["Pilot"], \
        "episode_save stripped the name"


def test_deleting_titles_from_the_list_goes_through_the_service(staff):
    for n in range(2):
        Title.objects.create(name=f"Gone {n}", slug=f"gone-{n}")
    response = staff.post(reverse("admin:catalog_title_changelist"), {
        "action": "delete_selected", "post": "yes",
        "_selected_action": list(Title.objects.filter(slug__startswith="gone").values_list("pk", flat=True)),
    })
    assert response.status_code == 302
    assert not Title.objects.filter(slug__startswith="gone").exists()
