from django.urls import path

from catalog.keys import LADDER_ROOT
from edge import views

app_name = "edge"

urlpatterns = [
    path("api/heartbeat", views.heartbeat_receive, name="heartbeat"),
    path("api/fill-plan", views.fill_plan, name="fill-plan"),
    path("api/pathways", views.pathways, name="pathways"),
    path("steering/<str:token>/", views.steering, name="steering"),
    path(f"origin/t/<str:token>/{LADDER_ROOT}/<path:rest>", views.origin, name="origin"),
]
