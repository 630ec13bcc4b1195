"""Signed edge URLs: a token in the path prefix (``/t/<token>/hls/...``).

The token sits in the path rather than the query so that the relative URIs
inside HLS playlists inherit it. An edge checks it on its own, with the keys
it was configured with: no call to origin per request.

Token layout (every part URL-safe, no ``/``), version 2::

    <key id>.<expires unix>.<max height>.<b64url session id>.<b64url path prefix>
        .<b64url viewer zone>.<b64url signature>      (one line, no spaces)

The signature is HMAC-SHA256 with the key named by the key id over
``"v2\\n<key id>\\n<expires>\\n<max height>\\n<session id>\\n<path prefix>\\n<viewer zone>"``.
The viewer zone is the zone the viewer belongs to (its ClientNetwork's, or
the nearest): edges count the bytes they serve per viewer zone, so that
bytes served to viewers of other zones show. Version 1 tokens (six parts,
no zone, ``"v1\\n..."`` without the last line) still verify, so sessions
started before an upgrade play on; a token is issued as version 1 when no
viewer zone is known.
``max_height`` 0 means no limit; otherwise a path through a rendition folder
``v<height>`` above it is refused, so a plan's rungs above its resolution are
unreachable even with a valid token for the title. The nginx edge
(edge/nginx) checks the very same format in njs; change both together.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from catalog.keys import ladder_prefix

TOKEN_V1, TOKEN_V2 = "v1", "v2"
_KEY_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
_RUNG_RE = re.compile(r"^v(\d{2,5})$")


class TokenError(Exception):
    """A request's token does not let it through; the edge answers 403."""

    reason = "invalid"

    def __init__(self, message: str):
        super().__init__(message)


class TokenMalformed(TokenError):
    reason = "malformed"


class TokenUnknownKey(TokenError):
    reason = "unknown-key"


class TokenForged(TokenError):
    reason = "forged"


class TokenExpired(TokenError):
    reason = "expired"


class TokenRevoked(TokenError):
    """The token's session was revoked (edge.revocation): checked by the
    server holding the list, after the signature."""

    reason = "revoked"


class TokenOutOfPrefix(TokenError):
    reason = "out-of-prefix"


class TokenRungAbovePlan(TokenError):
    reason = "rung-above-plan"


@dataclass(frozen=True)
class TokenClaims:
    key_id: str
    expires_at: int
    session_id: str
    path_prefix: str
    max_height: int  # 0: any rendition
    viewer_zone: str = ""  # '' in version 1 tokens


def signing_keys_parse(raw: str) -> dict[str, str]:
    """``"k2:secret2,k1:secret1"`` -> ordered {key id: secret}; the first signs."""
    keys: dict[str, str] = {}
    for item in raw.split(","):
        item = item.strip()
        if not item:
            continue
        key_id, sep, secret = item.partition(":")
        key_id, secret = key_id.strip(), secret.strip()
        if not sep or not _KEY_ID_RE.match(key_id) or len(secret) < 16:
            raise ImproperlyConfigured(
                "EDGE_SIGNING_KEYS must look like 'k1:secret,k0:older-secret' "
                "(key ids of letters, digits, '-' or '_'; secrets of 16 characters or more)."
            )
        keys[key_id] = secret
    return keys


def signing_keys() -> dict[str, str]:
    keys = signing_keys_parse(getattr(settings, "EDGE_SIGNING_KEYS_RAW", ""))
    if not keys:
        raise ImproperlyConfigured("EDGE_SIGNING_KEYS is not set: edges cannot check signed URLs without it.")
    return keys


def _b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _message(key_id: str, expires_at: int, max_height: int, session_id: str, path_prefix: str,
             viewer_zone: str | None) -> bytes:
    """Version 1 when ``viewer_zone`` is None, else version 2."""
    parts = [TOKEN_V1 if viewer_zone is None else TOKEN_V2, key_id, str(expires_at), str(max_height), session_id,
             path_prefix]
    if viewer_zone is not None:
        parts.append(viewer_zone)
    return "\n".join(parts).encode()


def _signature(secret: str, message: bytes) -> bytes:
    return hmac.new(secret.encode(), message, hashlib.sha256).digest()


def token_issue(
    *,
    session_id: str,
    path_prefix: str,
    expires_at: int | None = None,
    key_id: str | None = None,
    max_height: int = 0,
    viewer_zone: str = "",
    keys: dict[str, str] | None = None,
) -> str:
    """A token letting its holder fetch keys under ``path_prefix`` (e.g.
    ``hls/<video public id>/``) until ``expires_at`` (default: now +
    EDGE_TOKEN_TTL), through rendition folders up to ``max_height``,
    naming the zone of the viewer it is for (version 2; version 1 without)."""
    keys = keys if keys is not None else signing_keys()
    key_id = key_id or next(iter(keys))
    if key_id not in keys:
        raise ImproperlyConfigured(f"No edge signing key with id {key_id!r}.")
    if expires_at is None:
        expires_at = int(time.time()) + int(getattr(settings, "EDGE_TOKEN_TTL", 21600))
    if path_prefix.startswith("/") or ".." in path_prefix.split("/"):
        raise ValueError("path_prefix is a storage key prefix such as 'hls/<id>/', without a leading '/'.")
    max_height = int(max_height or 0)
    zone = viewer_zone or None
    signature = _signature(keys[key_id], _message(key_id, int(expires_at), max_height, session_id, path_prefix,
                                                  zone))
    parts = [key_id, str(int(expires_at)), str(max_height), _b64e(session_id.encode()), _b64e(path_prefix.encode())]
    if zone is not None:
        parts.append(_b64e(zone.encode()))
    return ".".join([*parts, _b64e(signature)])


def _prefix_allows(prefix: str, path: str) -> bool:
    if prefix == "" or path == prefix:
        return True
    return path.startswith(prefix if prefix.endswith("/") else prefix + "/")


def rung_height(path: str) -> int | None:
    """The height of the rendition folder a key goes through (``.../v1080/...``)."""
    for part in path.split("/")[:-1]:
        match = _RUNG_RE.match(part)
        if match:
            return int(match.group(1))
    return None


def token_verify(
    *, token: str, path: str, now: int | None = None, keys: dict[str, str] | None = None
) -> TokenClaims:
    """Check ``token`` for the storage key ``path`` (``hls/<id>/v720/seg_00001.m4s``).

    Raises a TokenError subclass naming the reason; the order of checks makes
    a forged token look forged whatever else is wrong with it."""
    keys = keys if keys is not None else signing_keys()
    parts = token.split(".")
    if len(parts) not in (6, 7):
        raise TokenMalformed("The token does not have six (v1) or seven (v2) dot-separated parts.")
    key_id, expires_raw, height_raw, session_b64, prefix_b64 = parts[:5]
    try:
        expires_at, max_height = int(expires_raw), int(height_raw)
        session_id, path_prefix = _b64d(session_b64).decode(), _b64d(prefix_b64).decode()
        viewer_zone = _b64d(parts[5]).decode() if len(parts) == 7 else None
        signature = _b64d(parts[-1])
    except (ValueError, UnicodeDecodeError) as exc:
        raise TokenMalformed(f"The token cannot be decoded ({exc}).") from exc
    secret = keys.get(key_id)
    if secret is None:
        raise TokenUnknownKey(f"No signing key with id {key_id!r} (rotated out, or never ours).")
    expected = _signature(secret, _message(key_id, expires_at, max_height, session_id, path_prefix, viewer_zone))
    if not hmac.compare_digest(expected, signature):
        raise TokenForged("The token's signature does not match.")
    now = int(time.time()) if now is None else int(now)
    if expires_at < now:
        raise TokenExpired(f"The token expired {now - expires_at} s ago.")
    if path.startswith("/") or ".." in path.split("/") or "//" in path:
        raise TokenOutOfPrefix("The path is not a plain storage key.")
    if not _prefix_allows(path_prefix, path):
        raise TokenOutOfPrefix(f"The token is for {path_prefix!r}, not {path!r}.")
    height = rung_height(path)
    if max_height and height is not None and height > max_height:
        raise TokenRungAbovePlan(f"The plan allows up to {max_height}p, this is {height}p.")
    return TokenClaims(
        key_id=key_id, expires_at=expires_at, session_id=session_id,
        path_prefix=path_prefix, max_height=max_height, viewer_zone=viewer_zone or "",
    )


def token_check(*, token: str, now: int | None = None, keys: dict[str, str] | None = None) -> TokenClaims:
    """Signature and expiry only, for endpoints that are about the session
    rather than one key (the steering manifest)."""
    parts = token.split(".")
    if len(parts) not in (6, 7):
        raise TokenMalformed("The token does not have six (v1) or seven (v2) dot-separated parts.")
    try:
        prefix = _b64d(parts[4]).decode()
    except (ValueError, UnicodeDecodeError) as exc:
        raise TokenMalformed(f"The token cannot be decoded ({exc}).") from exc
    return token_verify(token=token, path=prefix, now=now, keys=keys)


def video_path_prefix(video_public_id: object) -> str:
    """The storage prefix a session's token covers: one video's ladder."""
    return ladder_prefix(video_public_id) + "/"
