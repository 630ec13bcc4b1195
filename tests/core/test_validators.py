"""Shared validators."""
from __future__ import annotations

import pytest

from streaming.core.errors import ApplicationError
from streaming.core.validators import countries_parse


def test_bad_country_code_is_refused_with_a_clear_message():
    with pytest.raises(ApplicationError, match="Not a two-letter country code: INDIA"):
        countries_parse("IN, india")
