from django.contrib import admin
from django.http import HttpResponse
from django.urls import include, path

admin.site.site_header = "Streaming administration"
admin.site.site_title = "Streaming admin"
admin.site.index_title = "Catalog, transcoding and edges"


def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("edge/", include("edge.urls")),
    path("", include("catalog.urls")),
]
