"""Profiles of an account."""
from __future__ import annotations

import pytest

from streaming.core.errors import ApplicationError
from streaming.subscribers.services import profile_create
from tests.factories import subscriber_make

pytestmark = pytest.mark.django_db


def test_an_account_has_at_most_five_profiles():
    user, _ = subscriber_make()
    for n in range(4):
        profile_create(user=user, name=f"P{n}")
    with pytest.raises(ApplicationError, match="at most 5 profiles"):
        profile_create(user=user, name="Sixth")
