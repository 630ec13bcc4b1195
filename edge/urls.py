from django.urls import path

from edge import views

app_name = "edge"

urlpatterns = [
    path("api/heartbeat", views.heartbeat_receive, name="heartbeat"),
    path("api/pathways", views.pathways, name="pathways"),
    path("steering/<str:token>/", views.steering, name="steering"),
    path("origin/t/<str:token>/hls/<path:rest>", views.origin, name="origin"),
]
