"""The catalog's own pages (composed by streaming/urls.py)."""
from django.urls import path

from . import views

urlpatterns = [
    path("artwork/<path:key>", views.artwork_file, name="artwork"),
]
