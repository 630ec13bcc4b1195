"""System checks of the edge: with DEBUG off, EDGE_SIGNING_KEYS must be
set, well formed, and hold no development key (it is public); otherwise the
first playback would take a screen and then fail to sign its URLs. Run by
`check` (and so at runserver's start) and by `check --deploy`."""
from __future__ import annotations

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from .signing import signing_keys_parse


@checks.register(checks.Tags.security)
def edge_signing_keys_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    if settings.DEBUG:
        return []
    raw = getattr(settings, "EDGE_SIGNING_KEYS_RAW", "")
    hint = "Set EDGE_SIGNING_KEYS to 'k1:<a long random secret>' (the first key signs, all verify)."
    try:
        keys = signing_keys_parse(raw)
    except ImproperlyConfigured as exc:
        return [checks.Error(f"EDGE_SIGNING_KEYS is malformed: {exc}", hint=hint, id="edge.E001")]
    if not keys:
        return [checks.Error("EDGE_SIGNING_KEYS is not set, with DEBUG off.", hint=hint, id="edge.E001")]
    dev_secret = getattr(settings, "DEV_EDGE_SIGNING_KEYS", "").partition(":")[2]
    if dev_secret and dev_secret in keys.values():
        return [checks.Error("EDGE_SIGNING_KEYS holds the public development key, with DEBUG off.", hint=hint,
                             id="edge.E001")]
    return []
