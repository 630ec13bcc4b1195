"""Validators shared by every app."""
from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator

from .errors import ApplicationError

country_code_validator = RegexValidator(r"^[A-Z]{2}$", "Use a two-letter ISO 3166 country code, e.g. IN.")


def country_code_is_valid(code: str) -> bool:
    try:
        country_code_validator(code)
    except ValidationError:
        return False
    return True


def countries_parse(raw: str | Iterable[str]) -> list[str]:
    """'in, de ,US' -> ['DE', 'IN', 'US']; raises ApplicationError on a bad code."""
    items = raw.replace(";", ",").split(",") if isinstance(raw, str) else list(raw)
    codes = sorted({item.strip().upper() for item in items if item and item.strip()})
    bad = [c for c in codes if not country_code_is_valid(c)]
    if bad:
        raise ApplicationError(
            f"Not a two-letter country code: {', '.join(bad)}. Use ISO 3166 codes such as IN, DE, US.",
            code="bad_country",
        )
    return codes
