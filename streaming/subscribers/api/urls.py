"""The subscriber side's API: accounts, profiles, what a profile sees, my
list and history, playback."""
from django.urls import path

from . import accounts, library, playback, profiles, titles

urlpatterns = [
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
    # playback
    path("playback/", playback.PlaybackStartApi.as_view(), name="api-playback"),
    path("playback/<uuid:session_id>/heartbeat/", playback.PlaybackHeartbeatApi.as_view(),
         name="api-playback-heartbeat"),
    path("playback/<uuid:session_id>/stop/", playback.PlaybackStopApi.as_view(), name="api-playback-stop"),
]
