from django.urls import path

from . import api

urlpatterns = [
    # edge nodes (node HMAC, not user tokens)
    path("edge/heartbeat/", api.EdgeHeartbeatApi.as_view(), name="api-edge-heartbeat"),
]
