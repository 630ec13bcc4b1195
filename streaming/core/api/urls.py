"""The API's own pages: its schema, its docs, and a JSON 404 for the rest."""
from django.http import JsonResponse
from django.urls import path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from .errors import error_body


@csrf_exempt  # token API: no cookies, so no CSRF; and a 404 must not turn into a CSRF 403
def not_found(request, rest=""):
    """Any other path under /api/v1/ (an id of the wrong shape too): a 404 in the API's format."""
    return JsonResponse(error_body(code="not_found", message="No such API endpoint or object."), status=404)


schema_patterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
]
# Last in /api/v1/: a JSON 404 for everything else.
fallback_patterns = [re_path(r"^(?P<rest>.*)$", not_found)]
