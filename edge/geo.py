"""Distances on the globe, offline.

A viewer is located to a country (or a zone); a country becomes a point by a
small built-in table of approximate centroids (population-weighted where a
country is large and unevenly settled, so that "US" is nearer Virginia than
Nevada). Good enough to rank zones a continent apart; no GeoIP database.
"""
from __future__ import annotations

import math

EARTH_RADIUS_KM = 6371.0

# ISO 3166-1 alpha-2 -> (latitude, longitude), rounded.
COUNTRY_CENTROIDS: dict[str, tuple[float, float]] = {
    "AE": (24.0, 54.0), "AF": (33.9, 67.7), "AL": (41.2, 20.2), "AM": (40.1, 45.0),
    "AO": (-11.2, 17.9), "AR": (-34.6, -61.0), "AT": (47.5, 14.6), "AU": (-33.0, 147.0),
    "AZ": (40.1, 47.6), "BA": (43.9, 17.7), "BD": (23.7, 90.4), "BE": (50.5, 4.5),
    "BF": (12.2, -1.6), "BG": (42.7, 25.5), "BH": (26.0, 50.6), "BJ": (9.3, 2.3),
    "BO": (-16.3, -63.6), "BR": (-19.0, -46.0), "BY": (53.7, 28.0), "CA": (45.5, -77.0),
    "CD": (-4.0, 21.8), "CH": (46.8, 8.2), "CI": (7.5, -5.5), "CL": (-33.5, -70.7),
    "CM": (5.7, 12.4), "CN": (32.0, 113.0), "CO": (4.6, -74.1), "CR": (9.7, -83.8),
    "CU": (21.5, -79.5), "CY": (35.1, 33.4), "CZ": (49.8, 15.5), "DE": (51.2, 10.4),
    "DK": (56.0, 10.0), "DO": (18.7, -70.2), "DZ": (34.5, 3.0), "EC": (-1.8, -78.2),
    "EE": (58.6, 25.0), "EG": (30.0, 31.2), "ES": (40.4, -3.7), "ET": (9.1, 40.5),
    "FI": (61.9, 25.7), "FR": (46.6, 2.4), "GB": (52.5, -1.5), "GE": (42.3, 43.4),
    "GH": (7.9, -1.0), "GR": (39.1, 22.0), "GT": (15.8, -90.2), "HK": (22.3, 114.2),
    "HN": (15.2, -86.2), "HR": (45.1, 15.2), "HU": (47.2, 19.5), "ID": (-6.5, 107.0),
    "IE": (53.4, -8.2), "IL": (31.5, 34.9), "IN": (22.0, 79.0), "IQ": (33.2, 43.7),
    "IR": (32.4, 53.7), "IS": (64.9, -19.0), "IT": (42.8, 12.6), "JM": (18.1, -77.3),
    "JO": (31.2, 36.5), "JP": (35.7, 138.0), "KE": (-0.5, 37.5), "KG": (41.2, 74.8),
    "KH": (12.6, 104.9), "KR": (36.5, 127.8), "KW": (29.3, 47.5), "KZ": (48.0, 68.0),
    "LA": (19.9, 102.5), "LB": (33.9, 35.9), "LK": (7.9, 80.8), "LT": (55.2, 23.9),
    "LU": (49.8, 6.1), "LV": (56.9, 24.6), "LY": (26.3, 17.2), "MA": (31.8, -7.1),
    "MD": (47.4, 28.4), "ME": (42.7, 19.4), "MG": (-18.8, 46.9), "MK": (41.6, 21.7),
    "ML": (17.6, -4.0), "MM": (21.9, 95.9), "MN": (46.9, 103.8), "MT": (35.9, 14.4),
    "MU": (-20.3, 57.6), "MX": (21.0, -100.0), "MY": (3.5, 102.0), "MZ": (-18.7, 35.5),
    "NA": (-22.6, 17.1), "NE": (17.6, 8.1), "NG": (8.7, 7.5), "NI": (12.9, -85.2),
    "NL": (52.1, 5.3), "NO": (60.5, 8.5), "NP": (28.4, 84.1), "NZ": (-40.9, 174.9),
    "OM": (21.5, 55.9), "PA": (8.5, -80.8), "PE": (-10.0, -76.0), "PH": (13.0, 122.0),
    "PK": (30.4, 69.3), "PL": (51.9, 19.1), "PR": (18.2, -66.6), "PT": (39.4, -8.2),
    "PY": (-23.4, -58.4), "QA": (25.4, 51.2), "RO": (45.9, 25.0), "RS": (44.0, 21.0),
    "RU": (55.8, 45.0), "RW": (-1.9, 29.9), "SA": (24.0, 45.0), "SD": (12.9, 30.2),
    "SE": (60.1, 18.6), "SG": (1.35, 103.8), "SI": (46.2, 15.0), "SK": (48.7, 19.7),
    "SN": (14.5, -14.5), "SO": (5.2, 46.2), "SV": (13.8, -88.9), "SY": (34.8, 39.0),
    "TH": (15.0, 101.0), "TJ": (38.9, 71.3), "TN": (34.0, 9.5), "TR": (39.0, 35.2),
    "TT": (10.7, -61.2), "TW": (23.7, 121.0), "TZ": (-6.4, 34.9), "UA": (48.4, 31.2),
    "UG": (1.4, 32.3), "US": (38.0, -90.0), "UY": (-32.5, -55.8), "UZ": (41.4, 64.6),
    "VE": (7.0, -66.0), "VN": (16.0, 106.0), "YE": (15.6, 48.0), "ZA": (-28.5, 25.0),
    "ZM": (-13.1, 27.8), "ZW": (-19.0, 29.2),
}


def country_coordinates(*, country: str) -> tuple[float, float] | None:
    """Approximate (latitude, longitude) of a country, or None if unknown."""
    return COUNTRY_CENTROIDS.get((country or "").strip().upper())


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance (haversine) in kilometres."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))
