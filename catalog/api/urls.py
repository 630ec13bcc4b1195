from django.urls import path

from . import titles

urlpatterns = [
    path("genres/", titles.GenreListApi.as_view(), name="api-genres"),
    path("staff/titles/", titles.StaffTitleCreateApi.as_view(), name="api-staff-titles"),
]
