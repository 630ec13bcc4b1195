from django.urls import path

from . import titles, tracks

urlpatterns = [
    path("genres/", titles.GenreListApi.as_view(), name="api-genres"),
    path("staff/titles/", titles.StaffTitleCreateApi.as_view(), name="api-staff-titles"),
    path("staff/videos/<uuid:public_id>/tracks/", tracks.StaffVideoTracksApi.as_view(),
         name="api-staff-video-tracks"),
    path("staff/videos/<uuid:public_id>/tracks/text/<int:track_id>/", tracks.StaffVideoTextTrackApi.as_view(),
         name="api-staff-video-text-track"),
    path("staff/videos/<uuid:public_id>/tracks/audio/", tracks.StaffVideoAudioTrackApi.as_view(),
         name="api-staff-video-audio-tracks"),
]
