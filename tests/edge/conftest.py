"""The edge tests start each test with an empty cache: round-robin counters
and the client-network table live in it. (Zones and nodes: tests.factories.)"""
from __future__ import annotations

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def clear_cache():
    cache.clear()
    yield
