"""How API requests authenticate: ``Authorization: Bearer <access token>``;
and who may call what."""
from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions

from streaming.core.errors import ApplicationError
from streaming.core.tokens import ACCESS_PREFIX, api_session_for_access_token


class BearerAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Send 'Authorization: Bearer <access token>'.")
        try:
            token = header[1].decode()
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed("The token has invalid characters.") from exc
        if not token.startswith(ACCESS_PREFIX):
            raise exceptions.AuthenticationFailed("That is not an access token (they start with sa_).",
                                                  code="token_invalid")
        try:
            session = api_session_for_access_token(token=token)
        except ApplicationError as exc:
            raise exceptions.AuthenticationFailed(exc.message, code=exc.code) from exc
        return session.user, session

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'


class BearerScheme(OpenApiAuthenticationExtension):
    target_class = "streaming.core.api.auth.BearerAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "opaque (sa_...)",
            "description": (
                "An access token from `POST /api/v1/auth/sign-in/` in `Authorization: Bearer <token>`. "
                "It lives `access_expires_in` seconds (15 minutes by default); on a 401 with code "
                "`token_expired`, call `POST /api/v1/auth/refresh/` with the refresh token (30 days) to get "
                "a new pair; both tokens rotate, and a refresh token works once."
            ),
        }


class IsStaff(permissions.BasePermission):
    message = "Staff only."

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.is_staff)
