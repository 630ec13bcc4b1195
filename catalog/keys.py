"""Where a video's files live in storage. Plain functions, no Django models,
so the edge server and its tools can use them without the app registry.

A video's ladder (playlists, manifests, segments, artwork) lives under
``hls/<public id>/...``; edges and the origin path serve keys under it at
``<base>/t/<token>/hls/<public id>/...``. This is the one place it is spelled."""
from __future__ import annotations

import posixpath

from django.utils.text import get_valid_filename

LADDER_ROOT = "hls"
# The frame the transcode writes into every ladder; a title without artwork takes it.
LADDER_POSTER = "poster.jpg"
# Where title artwork lives: ``artwork/<title id>/<kind>-<hash>-<width>.jpg`` (and the original).
ARTWORK_ROOT = "artwork"


def ladder_prefix(public_id: object) -> str:
    """The storage prefix of one video's ladder, without a trailing slash."""
    return f"{LADDER_ROOT}/{public_id}"


def source_key(public_id: object, filename: str) -> str:
    """Where a video's source is stored: one folder per video keyed by its
    public id, so two uploads of "film.mp4" never collide and a source is
    never overwritten by another video's."""
    name = get_valid_filename(posixpath.basename(filename)) or "source"
    return f"sources/{public_id}/{name}"


def text_track_key(public_id: object, name: str) -> str:
    """Where a text track's checked WebVTT (film time) is kept:
    ``text/<video public id>/<name>``, outside the ladder (the ladder holds
    the packaged copies players fetch)."""
    return f"text/{public_id}/{get_valid_filename(posixpath.basename(name)) or 'track.vtt'}"


def audio_upload_key(public_id: object, filename: str) -> str:
    """Where an uploaded dub is kept: next to the video's source."""
    name = get_valid_filename(posixpath.basename(filename)) or "dub"
    return f"sources/{public_id}/audio/{name}"
