"""/api/v1/: every endpoint of the API, its schema and its docs."""
from django.http import JsonResponse
from django.urls import path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from catalog.api import titles, uploads
from edge import api as edge_api
from transcoding import api as transcoding_api

from . import accounts, library, playback, profiles
from .errors import error_body


@csrf_exempt  # token API: no cookies, so no CSRF; and a 404 must not turn into a CSRF 403
def not_found(request, rest=""):
    """Any other path under /api/v1/ (an id of the wrong shape too): a 404 in the API's format."""
    return JsonResponse(error_body(code="not_found", message="No such API endpoint or object."), status=404)


urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
    # accounts
    path("plans/", accounts.PlanListApi.as_view(), name="api-plans"),
    path("auth/sign-up/", accounts.SignUpApi.as_view(), name="api-sign-up"),
    path("auth/sign-in/", accounts.SignInApi.as_view(), name="api-sign-in"),
    path("auth/refresh/", accounts.RefreshApi.as_view(), name="api-refresh"),
    path("auth/sign-out/", accounts.SignOutApi.as_view(), name="api-sign-out"),
    path("me/", accounts.MeApi.as_view(), name="api-me"),
    path("me/subscription/", accounts.SubscriptionApi.as_view(), name="api-subscription"),
    # profiles, and what a profile sees
    path("profiles/", profiles.ProfileListApi.as_view(), name="api-profiles"),
    path("profiles/<int:profile_id>/", profiles.ProfileDetailApi.as_view(), name="api-profile"),
    path("profiles/<int:profile_id>/home/", titles.HomeApi.as_view(), name="api-home"),
    path("profiles/<int:profile_id>/titles/", titles.TitleListApi.as_view(), name="api-titles"),
    path("profiles/<int:profile_id>/titles/<slug:slug>/", titles.TitleDetailApi.as_view(), name="api-title"),
    path("profiles/<int:profile_id>/my-list/", library.MyListApi.as_view(), name="api-my-list"),
    path("profiles/<int:profile_id>/my-list/<slug:slug>/", library.MyListItemApi.as_view(),
         name="api-my-list-item"),
    path("profiles/<int:profile_id>/history/", library.HistoryApi.as_view(), name="api-history"),
    path("genres/", titles.GenreListApi.as_view(), name="api-genres"),
    # playback
    path("playback/", playback.PlaybackStartApi.as_view(), name="api-playback"),
    path("playback/<uuid:session_id>/heartbeat/", playback.PlaybackHeartbeatApi.as_view(),
         name="api-playback-heartbeat"),
    path("playback/<uuid:session_id>/stop/", playback.PlaybackStopApi.as_view(), name="api-playback-stop"),
    # staff
    path("staff/titles/", titles.StaffTitleCreateApi.as_view(), name="api-staff-titles"),
    path("staff/uploads/", uploads.UploadCreateApi.as_view(), name="api-staff-uploads"),
    path("staff/uploads/<uuid:upload_id>/", uploads.UploadDetailApi.as_view(), name="api-staff-upload"),
    path("staff/uploads/<uuid:upload_id>/complete/", uploads.UploadCompleteApi.as_view(),
         name="api-staff-upload-complete"),
    path("staff/videos/<uuid:public_id>/", transcoding_api.VideoStateApi.as_view(), name="api-staff-video"),
    path("staff/jobs/<int:job_id>/", transcoding_api.JobDetailApi.as_view(), name="api-staff-job"),
    path("staff/jobs/<int:job_id>/retry/", transcoding_api.JobRetryApi.as_view(), name="api-staff-job-retry"),
    # edge nodes (node HMAC, not user tokens)
    path("edge/heartbeat/", edge_api.EdgeHeartbeatApi.as_view(), name="api-edge-heartbeat"),
    # last: a JSON 404 for everything else under /api/v1/
    re_path(r"^(?P<rest>.*)$", not_found),
]
