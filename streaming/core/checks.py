"""System checks of the foundation: with DEBUG off, the secret key that
signs sessions and API tokens must be set and must not be the development
key, which is public. Run by `check` (and so at runserver's start) and by
`check --deploy`. The settings refuse both cases at import already; the
check also catches a settings module that overrides SECRET_KEY after."""
from __future__ import annotations

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured


@checks.register(checks.Tags.security)
def secret_key_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    if settings.DEBUG:
        return []
    if not settings.SECRET_KEY or settings.SECRET_KEY == getattr(settings, "DEV_SECRET_KEY", None):
        return [checks.Error(
            "DJANGO_SECRET_KEY is missing or is the public development key, with DEBUG off.",
            hint="Set DJANGO_SECRET_KEY to a long random secret, e.g. "
                 "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`.",
            id="streaming.E001",
        )]
    return []


def security_checks_enforce() -> None:
    """For servers that run no checks (gunicorn, uvicorn): with DEBUG off,
    refuse to start when a security check reports an error."""
    if settings.DEBUG:
        return
    errors = [m for m in checks.run_checks(tags=[checks.Tags.security]) if m.is_serious()]
    if errors:
        raise ImproperlyConfigured("; ".join(f"{m.id}: {m.msg}" for m in errors))
