from django.urls import path

from . import views

app_name = "catalog"
urlpatterns = [
    path("browse/", views.browse, name="browse"),
    path("search/", views.search, name="search"),
    path("title/<slug:slug>/", views.title_detail, name="title"),
]
