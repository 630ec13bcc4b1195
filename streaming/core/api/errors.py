"""The one error format of the API, and the one place that maps errors to it.

Every error answer is ``{"code": str, "message": str, "fields": {name: [str]},
"extra": {...}}``. Services raise ``ApplicationError``; its code decides the
HTTP status here, once (``STATUS_BY_CODE``); DRF's own exceptions (validation,
authentication, throttling, 404) are reshaped into the same body, and so are
Django's refusals of a request (a body over DATA_UPLOAD_MAX_MEMORY_SIZE: 413;
a suspicious file name: 400). Anything else is a bug: logged with its
traceback, reported like Django does (so the test client re-raises it), and
answered as a 500 in the same format, never as an HTML page."""
from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation, TooManyFieldsSent, TooManyFilesSent
from django.core.signals import got_request_exception
from django.http import Http404, JsonResponse, UnreadablePostError
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
    "track_exists": status.HTTP_409_CONFLICT,
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
    "body_too_large": status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
    "length_required": status.HTTP_411_LENGTH_REQUIRED,
    "server_error": status.HTTP_500_INTERNAL_SERVER_ERROR,
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


def django_refusal(exc: Exception) -> ApplicationError | None:
    """Django's own refusals of a request, as application errors."""
    if isinstance(exc, RequestDataTooBig):
        return ApplicationError("The request body is larger than this server accepts "
                                f"({settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes).", code="body_too_large")
    if isinstance(exc, (TooManyFieldsSent, TooManyFilesSent)):
        return ApplicationError("The request has too many fields or files.", code="body_too_large")
    if isinstance(exc, SuspiciousOperation):
        return ApplicationError(f"The request was refused: {exc}", code="invalid")
    if isinstance(exc, UnreadablePostError):
        return ApplicationError("The request body could not be read to its end.", code="malformed")
    return None


def server_error_body() -> dict:
    return error_body(code="server_error", message="Something went wrong on our side; it has been logged. "
                                                   "Try again later.")


def api_exception_handler(exc, context):
    """DRF's EXCEPTION_HANDLER: everything an API view raises, one format."""
    if isinstance(exc, ApplicationError):
        return application_error_response(exc)
    refusal = django_refusal(exc)
    if refusal is not None:
        return application_error_response(refusal)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:  # a bug: logged and reported as Django would, answered in our format
        request = context.get("request")
        logger.error("Internal Server Error: %s", getattr(request, "path", "?"), exc_info=exc)
        got_request_exception.send(sender=None, request=getattr(request, "_request", request))
        return Response(server_error_body(), status=status.HTTP_500_INTERNAL_SERVER_ERROR)
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
    411: "A Content-Length header is required (code `length_required`).",
    413: "Body too large.",
    415: "Unsupported media type.",
    429: "Throttled: wait `extra.retry_after` seconds (also in the Retry-After header).",
    502: "Object storage did not answer as expected.",
}


def error_responses(*statuses: int) -> dict:
    """Error answers for an operation's ``extend_schema(responses=...)``."""
    return {s: OpenApiResponse(ErrorSerializer, description=_DESCRIPTIONS[s]) for s in statuses}


# --- errors Django answers itself (handler400/403/404/500) ---------------------------

_PAGE_ERRORS = {
    400: ("bad_request", "The request was refused."),
    403: ("permission_denied", "You may not do that."),
    404: ("not_found", "No such page or object."),
    500: ("server_error", "Something went wrong on our side; it has been logged. Try again later."),
}


def json_or_page(page_view, *, status_code: int, json_prefixes: tuple[str, ...]):
    """A handlerNNN that answers the error format under ``json_prefixes`` (the
    API, the player's JSON endpoints) and Django's page elsewhere: errors that
    happen before a view runs (a bad Host header, a body too large for a
    middleware) or, with DEBUG off, in a plain Django view."""

    def handler(request, exception=None):
        if request.path.startswith(json_prefixes):
            refusal = django_refusal(exception) if exception is not None else None
            if refusal is not None:
                body = error_body(code=refusal.code, message=refusal.message)
                return JsonResponse(body, status=STATUS_BY_CODE.get(refusal.code, status_code))
            code, message = _PAGE_ERRORS[status_code]
            return JsonResponse(error_body(code=code, message=message), status=status_code)
        return page_view(request) if exception is None else page_view(request, exception)

    return handler
