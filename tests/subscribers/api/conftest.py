"""A small catalog for the API's title and my-list tests."""
from __future__ import annotations

import pytest

from catalog.models import Title
from tests.factories import genre_make, title_make, video_ready_make


@pytest.fixture
def three_titles(db):
    """(everywhere, India only, adults only), all dramas, each with a ready
    video (subscribers are shown only titles with something playable)."""
    drama = genre_make(name="Drama")
    everywhere = title_make(name="Open Sky", genres=[drama], maturity_rating=Title.Rating.ALL, synopsis="Clouds.")
    india_only = title_make(name="Monsoon", genres=[drama], countries="IN")
    adult = title_make(name="Night Shift", genres=[drama], maturity_rating=Title.Rating.EIGHTEEN)
    for title in (everywhere, india_only, adult):
        video_ready_make(title=title)
    return everywhere, india_only, adult
