"""The project's URLs: each app's pages and API, composed here (the only
place that knows every app)."""
from django.contrib import admin
from django.http import HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.templatetags.static import static
from django.urls import include, path, reverse
from django.views import defaults
from django.views.decorators.http import require_GET

import catalog.api.urls
import edge.api_urls
import streaming.subscribers.api.urls
import transcoding.api.urls
from streaming.core.api.errors import json_or_page
from streaming.core.api.urls import fallback_patterns, schema_patterns

admin.site.site_header = "Streaming administration"
admin.site.site_title = "Streaming admin"
admin.site.index_title = "Catalog, transcoding, edges and subscribers"


def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


def favicon(request):
    return HttpResponsePermanentRedirect(static("favicon.svg"))


@require_GET
def api_root(request):
    """/api/v1/ itself: what is here and where to start (a client's first call)."""
    def link(name: str, **kwargs) -> str:
        return request.build_absolute_uri(reverse(name, kwargs=kwargs or None))

    return JsonResponse({
        "name": "Streaming API", "version": "v1",
        "docs": link("api-docs"), "schema": link("api-schema"),
        "auth": "POST sign-in for a bearer token; send it as 'Authorization: Bearer <token>'.",
        "endpoints": {
            "plans": link("api-plans"), "sign_up": link("api-sign-up"), "sign_in": link("api-sign-in"),
            "refresh": link("api-refresh"), "me": link("api-me"), "profiles": link("api-profiles"),
            "genres": link("api-genres"), "playback": link("api-playback"),
        },
    })


api_v1 = [
    path("", api_root, name="api-root"),
    *schema_patterns,
    *streaming.subscribers.api.urls.urlpatterns,
    *catalog.api.urls.urlpatterns,
    *transcoding.api.urls.urlpatterns,
    *edge.api_urls.urlpatterns,
    *fallback_patterns,
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    # Browsers ask for /favicon.ico on pages without an icon link (the admin's).
    path("favicon.ico", favicon, name="favicon"),
    path("edge/", include("edge.urls")),
    path("", include("catalog.urls")),
    path("api/v1/", include(api_v1)),
    path("", include("streaming.subscribers.urls")),
]

# The API and the player's endpoints (/play/...) answer errors Django raises
# itself in the one error format; pages keep Django's error pages.
JSON_PREFIXES = ("/api/", "/play/")
handler400 = json_or_page(defaults.bad_request, status_code=400, json_prefixes=JSON_PREFIXES)
handler403 = json_or_page(defaults.permission_denied, status_code=403, json_prefixes=JSON_PREFIXES)
handler404 = json_or_page(defaults.page_not_found, status_code=404, json_prefixes=JSON_PREFIXES)
handler500 = json_or_page(defaults.server_error, status_code=500, json_prefixes=JSON_PREFIXES)
