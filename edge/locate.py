"""Where is this viewer? The country decides what the catalog shows."""
from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from catalog.services import country_code_is_valid


def client_country(request: HttpRequest) -> str:
    """A trusted CDN header when configured, then (DEBUG only) a ``?country=``
    override so a demo can show other countries, then the default."""
    header = getattr(settings, "GEO_COUNTRY_HEADER", "")
    if header:
        value = request.META.get("HTTP_" + header.upper().replace("-", "_"), "").strip().upper()
        if country_code_is_valid(value):
            return value
    if settings.DEBUG:
        override = request.GET.get("country", "").strip().upper()
        if country_code_is_valid(override):
            request.session["country_override"] = override
            return override
        stored = request.session.get("country_override", "") if hasattr(request, "session") else ""
        if stored:
            return stored
    return settings.DEFAULT_COUNTRY
