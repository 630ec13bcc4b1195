"""Where is this viewer? The country decides what the catalog shows, and
together with the client's network, which edges serve it.

Order: a configured trusted CDN header; in DEBUG only, a ``?country=``
override (kept in the session) so a demo can show Mumbai vs Virginia; the
ClientNetwork table by client IP (like the prefixes an ISP announces to an
embedded cache); then DEFAULT_COUNTRY."""
from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from edge.geo import country_coordinates
from edge.selectors import client_network_match
from streaming.core.validators import country_code_is_valid


def client_ip(request: HttpRequest) -> str | None:
    """REMOTE_ADDR, unless a trusted proxy header is configured
    (EDGE_CLIENT_IP_HEADER, e.g. X-Real-IP): never trust a header by default,
    a viewer could set it to pick its own zone or country."""
    header = getattr(settings, "EDGE_CLIENT_IP_HEADER", "")
    if header:
        value = request.META.get("HTTP_" + header.upper().replace("-", "_"), "")
        # X-Forwarded-For style lists: the proxy appends, so the last is its own view.
        value = value.split(",")[-1].strip()
        if value:
            return value
    return request.META.get("REMOTE_ADDR") or None


def client_country(request: HttpRequest) -> str:
    """The viewer's country as an ISO 3166 alpha-2 code."""
    header = getattr(settings, "GEO_COUNTRY_HEADER", "")
    if header:
        value = request.META.get("HTTP_" + header.upper().replace("-", "_"), "").strip().upper()
        if country_code_is_valid(value):
            return value
    if settings.DEBUG:
        override = request.GET.get("country", "").strip().upper()
        if country_code_is_valid(override):
            if hasattr(request, "session"):
                request.session["country_override"] = override
            return override
        stored = request.session.get("country_override", "") if hasattr(request, "session") else ""
        if stored:
            return stored
    match = client_network_match(client_ip=client_ip(request))
    if match and match.country and country_code_is_valid(match.country):
        return match.country
    return settings.DEFAULT_COUNTRY


def country_latlon(country: str) -> tuple[float, float] | None:
    """Approximate coordinates of a country (offline table), for ranking
    zones when none is in the viewer's own country."""
    return country_coordinates(country=country)
