"""The one error format of the API, and the one place that maps errors to it.

Every error answer is ``{"code": str, "message": str, "fields": {name: [str]},
"extra": {...}}``. Services raise ``ApplicationError``; its code decides the
HTTP status here, once (``STATUS_BY_CODE``); DRF's own exceptions (validation,
authentication, throttling, 404) are reshaped into the same body."""
from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from streaming.core.errors import ApplicationError

logger = logging.getLogger(__name__)

# ApplicationError.code -> HTTP status. Unlisted codes are 400: the request
# cannot be carried out as sent.
STATUS_BY_CODE: dict[str, int] = {
    "too_many_screens": status.HTTP_409_CONFLICT,
    "job_active": status.HTTP_409_CONFLICT,
    "session_ended": status.HTTP_409_CONFLICT,
    "session_expired": status.HTTP_409_CONFLICT,
    "taken": status.HTTP_409_CONFLICT,
    "limit": status.HTTP_409_CONFLICT,
    "last_profile": status.HTTP_409_CONFLICT,
    "upload_closed": status.HTTP_409_CONFLICT,
    "offset_mismatch": status.HTTP_409_CONFLICT,
    "not_ready": status.HTTP_409_CONFLICT,
    "no_rendition": status.HTTP_409_CONFLICT,
    "no_codec": status.HTTP_409_CONFLICT,
    "no_dash": status.HTTP_409_CONFLICT,
    "profile_in_use": status.HTTP_409_CONFLICT,
    "no_subscription": status.HTTP_403_FORBIDDEN,
    "not_available": status.HTTP_403_FORBIDDEN,
    "not_for_kids": status.HTTP_403_FORBIDDEN,
    "forbidden": status.HTTP_403_FORBIDDEN,
    "not_found": status.HTTP_404_NOT_FOUND,
    "throttled": status.HTTP_429_TOO_MANY_REQUESTS,
    "bad_credentials": status.HTTP_401_UNAUTHORIZED,
    "token_invalid": status.HTTP_401_UNAUTHORIZED,
    "token_expired": status.HTTP_401_UNAUTHORIZED,
    "storage_error": status.HTTP_502_BAD_GATEWAY,
}

# DRF exception class -> our code.
_DRF_CODES = (
    (exceptions.ValidationError, "invalid"),
    (exceptions.ParseError, "malformed"),
    (exceptions.NotAuthenticated, "not_authenticated"),
    (exceptions.AuthenticationFailed, "authentication_failed"),
    (exceptions.PermissionDenied, "permission_denied"),
    (exceptions.NotFound, "not_found"),
    (exceptions.MethodNotAllowed, "method_not_allowed"),
    (exceptions.NotAcceptable, "not_acceptable"),
    (exceptions.UnsupportedMediaType, "unsupported_media_type"),
    (exceptions.Throttled, "throttled"),
)


def _flatten(detail) -> list[str]:
    if isinstance(detail, dict):
        return [m for value in detail.values() for m in _flatten(value)]
    if isinstance(detail, list):
        return [m for value in detail for m in _flatten(value)]
    return [str(detail)]


def _fields(detail) -> dict[str, list[str]]:
    """DRF's nested validation detail as {"field" or "field.sub": [messages]}."""
    out: dict[str, list[str]] = {}

    def walk(prefix: str, value) -> None:
        if isinstance(value, dict):
            for key, sub in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), sub)
        elif isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value):
            for i, sub in enumerate(value):
                walk(f"{prefix}.{i}" if prefix else str(i), sub)
        else:
            out.setdefault(prefix or "non_field_errors", []).extend(_flatten(value))

    walk("", detail)
    return out


def error_body(*, code: str, message: str, fields: dict | None = None, extra: dict | None = None) -> dict:
    return {"code": code, "message": message, "fields": fields or {}, "extra": extra or {}}


def application_error_response(exc: ApplicationError) -> Response:
    extra = dict(exc.extra)
    field = extra.pop("field", None)
    fields = {field: [exc.message]} if field else {}
    return Response(error_body(code=exc.code, message=exc.message, fields=fields, extra=extra),
                    status=STATUS_BY_CODE.get(exc.code, status.HTTP_400_BAD_REQUEST))


def api_exception_handler(exc, context):
    """DRF's EXCEPTION_HANDLER: everything an API view raises, one format."""
    if isinstance(exc, ApplicationError):
        return application_error_response(exc)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a bug: Django answers 500 and logs it
    detail = getattr(exc, "detail", None)
    # A specific code given where the exception was raised (token_expired) wins.
    code = getattr(detail, "code", None) if not isinstance(exc, exceptions.ValidationError) else None
    if code in (None, "error", "parse_error"):
        code = next((c for cls, c in _DRF_CODES if isinstance(exc, cls)), "error")
    if isinstance(exc, exceptions.ValidationError):
        fields = _fields(detail)
        first = next(iter(fields.items()), None)
        message = (f"{first[0]}: {first[1][0]}" if first and first[0] != "non_field_errors"
                   else (first[1][0] if first else "The request is not valid."))
        response.data = error_body(code=code, message=message, fields=fields)
    else:
        wait = getattr(exc, "wait", None)  # set by DRF on Throttled
        extra = {"retry_after": wait} if isinstance(exc, exceptions.Throttled) and wait else {}
        response.data = error_body(code=code, message=" ".join(_flatten(detail)) or code, extra=extra)
    return response


# --- schema ------------------------------------------------------------------------


class ErrorSerializer(serializers.Serializer):
    """Every error answer of the API has this shape."""

    code = serializers.CharField(help_text=(
        "Machine-readable reason, stable across versions: e.g. invalid, not_authenticated, "
        "authentication_failed, token_expired, permission_denied, not_found, throttled, "
        "no_subscription, not_available, not_for_kids, not_ready, too_many_screens, "
        "session_ended, taken, limit, last_profile, offset_mismatch, upload_closed."))
    message = serializers.CharField(help_text="A sentence for the person using the app, ready to show.")
    # "fields" is the error format's own key; DRF's metaclass moves declared fields
    # off the class, so it does not shadow Serializer.fields at run time.
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Per-field messages for forms (400 invalid, 409 taken); empty otherwise.")
    extra = serializers.DictField(
        help_text="Details for the app, e.g. {\"screens\": 2, \"in_use\": 2} with too_many_screens, "
                  "{\"retry_after\": 42} with throttled.")


_DESCRIPTIONS = {
    400: "Invalid input (code `invalid` with `fields`, or a rule of the service).",
    401: "No valid access token: sign in, or refresh the access token (code `not_authenticated`, "
         "`authentication_failed` or `token_expired`).",
    403: "Signed in, but not allowed (staff only, no subscription, not available in your country or profile).",
    404: "No such object, or not visible to this account, profile or country.",
    405: "Method not allowed.",
    409: "Conflict with the current state (screens in use, session ended, name taken, upload offset).",
    413: "Body too large.",
    415: "Unsupported media type.",
    429: "Throttled: wait `extra.retry_after` seconds (also in the Retry-After header).",
    502: "Object storage did not answer as expected.",
}


def error_responses(*statuses: int) -> dict:
    """Error answers for an operation's ``extend_schema(responses=...)``."""
    return {s: OpenApiResponse(ErrorSerializer, description=_DESCRIPTIONS[s]) for s in statuses}
