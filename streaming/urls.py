from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpResponse
from django.urls import include, path

from . import views

admin.site.site_header = "Streaming administration"
admin.site.site_title = "Streaming admin"
admin.site.index_title = "Catalog, transcoding, edges and subscribers"


def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("admin/", admin.site.urls),
    path("healthz", healthz, name="healthz"),
    path("", views.home, name="landing"),
    path("signup/", views.signup, name="signup"),
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password-reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("account/", views.account, name="account"),
    path("profiles/", views.profiles, name="profiles"),
    path("profiles/new/", views.profile_new, name="profile-new"),
    path("watch/<uuid:public_id>/", views.watch, name="watch"),
    path("play/t/<str:token>/master.m3u8", views.master, name="playback-master"),
    path("play/<uuid:session_id>/heartbeat", views.heartbeat, name="playback-heartbeat"),
    path("play/<uuid:session_id>/stop", views.stop, name="playback-stop"),
    path("edge/", include("edge.urls")),
    path("api/v1/", include("streaming.api.urls")),
    path("", include("catalog.urls")),
]
