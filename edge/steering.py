"""Content steering: where a pathway's copy of a ladder is (the URL layout
edges and the origin share), and the steering manifest that reorders a
session's pathways by current health.

hls.js (>= 1.7) plays the first pathway of the manifest's PATHWAY-PRIORITY
and, on errors, penalises a pathway and moves to the next, so playback
survives an edge going down. The multivariant playlist listing every rung
once per pathway is rendered by the packager (transcoding.packaging)."""
from __future__ import annotations

import json
from collections.abc import Sequence
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse

from edge.selectors import Pathway
from edge.signing import video_path_prefix

STEERING_CONTENT_TYPE = "application/vnd.apple.steering-list"
PLAYLIST_CONTENT_TYPE = "application/vnd.apple.mpegurl"


def pathway_url(*, pathway: Pathway, token: str, video_public_id: object, rest: str) -> str:
    """``<pathway base>/t/<token>/hls/<video>/<rest>``: the edge URL layout."""
    return f"{pathway.base_url}/t/{token}/{video_path_prefix(video_public_id)}{rest.lstrip('/')}"


def steering_manifest(*, pathway_priority: Sequence[str], reload_uri: str, ttl: int | None = None) -> dict:
    """The steering manifest body (serialise with steering_manifest_json)."""
    return {
        "VERSION": 1,
        "TTL": int(settings.EDGE_STEERING_TTL if ttl is None else ttl),
        "RELOAD-URI": reload_uri,
        "PATHWAY-PRIORITY": list(pathway_priority),
    }


def steering_manifest_json(manifest: dict) -> str:
    return json.dumps(manifest, separators=(",", ":"))


def steering_uri_build(
    *, token: str, pathway_ids: Sequence[str], country: str = "", base_url: str | None = None
) -> str:
    """The steering endpoint for a session: the token proves the caller holds
    the session, ``pathways`` names what the master playlist offers, and
    ``country`` (optional) is where the session located the viewer."""
    query = {"pathways": ",".join(pathway_ids)}
    if country:
        query["country"] = country
    base = (settings.EDGE_ORIGIN_URL if base_url is None else base_url).rstrip("/")
    return f"{base}{reverse('edge:steering', kwargs={'token': token})}?{urlencode(query)}"
