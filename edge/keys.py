"""What a key an edge or the origin path looks up may look like, checked
before anything touches a cache, storage or origin.

Every key the packager writes is ``hls/<public id>/...`` made of names of
letters, digits, ``.``, ``_`` and ``-`` (``v720/seg_00001.m4s``,
``thumbs/sprite.jpg``), a few levels deep. Anything else in a request path
is refused here with 400: a NUL or control character (Python's file calls
raise on a NUL: a 500), a ``?`` or ``#`` that arrived percent-encoded (an
HTTP origin would take it as a query string, and the cache would keep each
variant as a new object), spaces, backslashes, empty or dot segments, and
keys or names longer than any file system or bucket takes (a 4000-character
name gave ``ENAMETOOLONG``, reported as "502 The origin did not answer").

The nginx edge applies the same rules in njs (edge/nginx/edge_token.js,
``keyProblem``) and in its location pattern: change them together."""
from __future__ import annotations

import re

from catalog.keys import LADDER_ROOT

KEY_MAX_CHARS = 512
NAME_MAX_CHARS = 128
KEY_MAX_DEPTH = 12
_NAME_RE = re.compile(r"[A-Za-z0-9._~-]+")
# Characters the nginx location accepts in a key (the rest fall to a 400).
NGINX_KEY_CHARS = "A-Za-z0-9._~/-"


def ladder_key_problem(key: str) -> str | None:
    """None for a plain ladder key, else a short reason (for a 400 answer)."""
    if len(key) > KEY_MAX_CHARS:
        return "too-long"
    names = key.split("/")
    if names[0] != LADDER_ROOT or len(names) < 2:
        return "not-a-ladder-key"
    if len(names) > KEY_MAX_DEPTH:
        return "too-deep"
    for name in names[1:]:
        if name in {"", ".", ".."}:
            return "empty-or-dot-segment"
        if len(name) > NAME_MAX_CHARS:
            return "name-too-long"
        if not _NAME_RE.fullmatch(name):
            return "bad-character"
    return None
