"""What a viewer may see depends on where they are: country limits and
publishing, in the one selector every list goes through."""
from __future__ import annotations

import pytest

from catalog import selectors
from catalog.services import genre_get_or_create
from tests.fixtures.catalog import playable_title

pytestmark = pytest.mark.django_db


@pytest.fixture
def drama():
    return genre_get_or_create(name="Drama")


def test_unlimited_title_is_visible_everywhere(drama):
    playable_title(name="Everywhere", genres=[drama])
    assert [t.name for t in selectors.titles_visible(country="IN")] == ["Everywhere"]
    assert [t.name for t in selectors.titles_visible(country="US")] == ["Everywhere"]


def test_limited_title_is_visible_only_in_its_countries(drama):
    playable_title(name="Only India", genres=[drama], countries="IN")
    playable_title(name="Germany and Austria", genres=[drama], countries=["de", "AT"])
    assert {t.name for t in selectors.titles_visible(country="IN")} == {"Only India"}
    assert {t.name for t in selectors.titles_visible(country="at")} == {"Germany and Austria"}
    assert not selectors.titles_visible(country="US").exists()


def test_unpublished_title_is_for_staff_only(drama):
    playable_title(name="Draft", genres=[drama], published=False)
    assert not selectors.titles_visible(country="US").exists()
    assert selectors.titles_visible(country="US", staff=True).count() == 1
