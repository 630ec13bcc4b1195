"""Edge nodes' endpoint in the API: the heartbeat, authenticated by the
node's own HMAC (never a user token). Same service as /edge/api/heartbeat."""
from __future__ import annotations

from typing import Any, cast

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from edge import heartbeat
from edge.selectors import heartbeat_answer
from edge.services import EdgeError, edge_error_code, edge_heartbeat_record
from streaming.core.api.base import ApiView
from streaming.core.api.errors import error_body, error_responses


class HeartbeatReportSerializer(serializers.Serializer):
    """The signed body (field names of edge.heartbeat.HeartbeatReport)."""

    active_connections = serializers.IntegerField(min_value=0, required=False)
    requests_per_second = serializers.FloatField(min_value=0, required=False)
    cache_bytes = serializers.IntegerField(min_value=0, required=False)
    cache_max_bytes = serializers.IntegerField(min_value=0, required=False)
    hit_ratio = serializers.FloatField(min_value=0, max_value=1, required=False, allow_null=True)
    bytes_served = serializers.IntegerField(min_value=0, required=False)
    software = serializers.CharField(max_length=60, required=False, allow_blank=True)
    boot = serializers.CharField(max_length=40, required=False, allow_blank=True,
                                 help_text="Names the process start the cumulative counters count from.")
    origin_bytes = serializers.IntegerField(min_value=0, required=False)
    peer_bytes_in = serializers.IntegerField(min_value=0, required=False)
    peer_bytes_out = serializers.IntegerField(min_value=0, required=False)
    traffic = serializers.DictField(
        child=serializers.DictField(), required=False,
        help_text="Per viewer zone: bytes, requests and CMCD counters (edge.traffic.ZoneCounters).")
    fill = serializers.DictField(required=False, allow_null=True,
                                 help_text="Fill plan progress: plan, state, objects_done, bytes_done.")


class PeerSerializer(serializers.Serializer):
    name = serializers.CharField()
    url = serializers.URLField()


class FillSummarySerializer(serializers.Serializer):
    plan = serializers.IntegerField(allow_null=True, help_text="Version of the node's fill plan; null: none.")
    url = serializers.CharField(help_text="Where to GET it (signed like a heartbeat, over 'GET <path>').")


class HeartbeatAnswerSerializer(serializers.Serializer):
    node = serializers.CharField()
    health = serializers.CharField()
    ttl = serializers.IntegerField(help_text="Seconds a heartbeat keeps the node in rotation.")
    zone = serializers.CharField()
    peers = PeerSerializer(many=True, help_text="The zone's healthy nodes, over which misses are hashed.")
    fill = FillSummarySerializer()


class EdgeHeartbeatApi(ApiView):
    authentication_classes = []  # the HMAC over the raw body is checked by the service
    permission_classes = [AllowAny]

    @extend_schema(
        tags=["Edge nodes"], operation_id="edge_heartbeat", auth=cast(Any, [{"edgeNodeHmac": []}]),
        summary="An edge node reports its health (node HMAC auth)",
        description=(
            "For edge servers, not apps. Headers: X-Edge-Node (the node id), X-Edge-Timestamp (Unix seconds, "
            f"within EDGE_HEARTBEAT_SKEW of the server's clock, newer than the last accepted) and "
            "X-Edge-Signature = hex HMAC-SHA256(node secret, timestamp + '.' + raw body). Also served at "
            f"{heartbeat.HEARTBEAT_PATH}, which the bundled agents use."),
        parameters=[
            OpenApiParameter(heartbeat.HEADER_NODE, int, OpenApiParameter.HEADER, required=True),
            OpenApiParameter(heartbeat.HEADER_TIMESTAMP, int, OpenApiParameter.HEADER, required=True),
        ],
        request={"application/json": HeartbeatReportSerializer},
        responses={200: HeartbeatAnswerSerializer, **error_responses(400, 403, 409)},
    )
    def post(self, request):
        body = request.body  # the exact bytes the node signed
        try:
            node = edge_heartbeat_record(
                node_id=request.headers.get(heartbeat.HEADER_NODE, ""),
                timestamp=request.headers.get(heartbeat.HEADER_TIMESTAMP, ""),
                signature=request.headers.get(heartbeat.HEADER_SIGNATURE, ""),
                body=body,
            )
        except EdgeError as exc:
            return Response(error_body(code=edge_error_code(exc), message=str(exc)), status=exc.status)
        return Response(HeartbeatAnswerSerializer(heartbeat_answer(node=node)).data)


