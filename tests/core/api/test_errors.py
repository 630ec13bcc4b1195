"""The one error format, whatever DRF refuses on its own (a method, a permission)."""
from __future__ import annotations

import pytest

from tests.fixtures.api import assert_error


@pytest.mark.parametrize("path", ["/api/v1/me/", "/api/v1/staff/titles/"])
def test_method_not_allowed_in_the_error_format(member, path):
    client, _, _ = member
    assert_error(client.delete(path), 405 if path == "/api/v1/me/" else 403)
