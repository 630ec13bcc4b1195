"""The subscriber side's pages and the player's endpoints."""
from django.contrib.auth import views as auth_views
from django.urls import include, path

from .views import accounts, browse, playback

# Catalog pages keep the "catalog" namespace their templates use.
catalog_patterns = ([
    path("browse/", browse.browse, name="browse"),
    path("search/", browse.search, name="search"),
    path("title/<slug:slug>/", browse.title_detail, name="title"),
    path("title/<slug:slug>/my-list/", browse.my_list_toggle, name="my-list"),
], "catalog")

urlpatterns = [
    path("", accounts.home, name="landing"),
    path("signup/", accounts.signup, name="signup"),
    path("login/", accounts.SignInView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password-reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("account/", accounts.account, name="account"),
    path("profiles/", accounts.profiles, name="profiles"),
    path("profiles/new/", accounts.profile_new, name="profile-new"),
    path("profiles/<int:profile_id>/languages/", accounts.profile_languages, name="profile-languages"),
    path("watch/<uuid:public_id>/", playback.watch, name="watch"),
    path("play/start/<uuid:public_id>", playback.start, name="playback-start"),
    path("play/t/<str:token>/master.m3u8", playback.master, name="playback-master"),
    path("play/t/<str:token>/manifest.mpd", playback.mpd, name="playback-mpd"),
    path("play/<uuid:session_id>/heartbeat", playback.heartbeat, name="playback-heartbeat"),
    path("play/<uuid:session_id>/stop", playback.stop, name="playback-stop"),
    path("play/<uuid:session_id>/languages", playback.languages, name="playback-languages"),
    path("", include(catalog_patterns)),
]
