"""HTTP endpoints of the control plane. Thin: parse, call one service or
selector, answer."""
from __future__ import annotations

import logging

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from catalog.keys import LADDER_ROOT
from edge import heartbeat
from edge.keys import ladder_key_problem
from edge.locate import client_country, client_ip
from edge.origin_serve import cors_headers_add, origin_response
from edge.revocation import session_is_revoked
from edge.selectors import heartbeat_answer, pathway_priority, pathways_for
from edge.selectors.fill import fill_plan_payload
from edge.services import EdgeError, edge_error_code, edge_heartbeat_record, node_signature_check
from edge.signing import TokenError, TokenRevoked, token_check, token_verify
from edge.steering import STEERING_CONTENT_TYPE, steering_manifest, steering_manifest_json
from streaming.core.api.errors import error_body

logger = logging.getLogger(__name__)


@csrf_exempt  # authenticated by the node's HMAC, not by a browser session
@require_POST
def heartbeat_receive(request: HttpRequest) -> JsonResponse:
    try:
        node = edge_heartbeat_record(
            node_id=request.headers.get(heartbeat.HEADER_NODE, ""),
            timestamp=request.headers.get(heartbeat.HEADER_TIMESTAMP, ""),
            signature=request.headers.get(heartbeat.HEADER_SIGNATURE, ""),
            body=request.body,
        )
    except EdgeError as exc:
        return _refusal(exc)
    return JsonResponse(heartbeat_answer(node=node))


def _refusal(exc: EdgeError) -> JsonResponse:
    """The platform's error format (code, message, fields, extra)."""
    return JsonResponse(error_body(code=edge_error_code(exc), message=str(exc)), status=exc.status)


@require_GET
def fill_plan(request: HttpRequest) -> JsonResponse:
    """A node's push-fill plan, for the node alone: signed like a heartbeat,
    over ``GET <path>`` instead of a body."""
    try:
        node = node_signature_check(
            node_id=request.headers.get(heartbeat.HEADER_NODE, ""),
            timestamp=request.headers.get(heartbeat.HEADER_TIMESTAMP, ""),
            signature=request.headers.get(heartbeat.HEADER_SIGNATURE, ""),
            body=f"GET {request.path}".encode(),
        )
    except EdgeError as exc:
        return _refusal(exc)
    payload = fill_plan_payload(node=node)
    if payload is None:
        return JsonResponse(error_body(code="not_found", message="This node has no fill plan."), status=404)
    return JsonResponse(payload)


@require_GET
def steering(request: HttpRequest, token: str) -> HttpResponseBase:
    """The steering manifest of one session, recomputed from current health.

    Always 200 for a valid session, even when health cannot be read (then the
    session's own order comes back): hls.js stops reloading for good after a
    429 and treats other errors as failures. A token that is not ours gets
    410, which turns steering off for that player and nothing else."""
    try:
        claims = token_check(token=token)
        if session_is_revoked(session_id=claims.session_id):
            raise TokenRevoked("The token's session was revoked.")
    except TokenError as exc:
        return HttpResponse(f"Steering is off for this session ({exc.reason}).\n", status=410,
                            content_type="text/plain")
    pathway_ids = [p for p in request.GET.get("pathways", "").split(",") if p][:16]
    try:
        country = (request.GET.get("country") or "").upper() or client_country(request)
        priority = pathway_priority(pathway_ids=pathway_ids, country=country, client_ip=client_ip(request))
    except Exception:  # a steering answer must never fail; keep the session's order
        logger.exception("steering: health unavailable, answering the session's own order")
        priority = pathway_ids
    # Players add their own parameters (CMCD, _HLS_*) to each reload: keep ours only.
    query = request.GET.copy()
    for name in [n for n in query if n == "CMCD" or n.startswith("_HLS_")]:
        del query[name]
    reload_uri = request.build_absolute_uri(request.path) + "?" + query.urlencode()
    manifest = steering_manifest(pathway_priority=priority, reload_uri=reload_uri)
    response = HttpResponse(steering_manifest_json(manifest), content_type=STEERING_CONTENT_TYPE)
    response["Cache-Control"] = "no-store"
    return cors_headers_add(response, request_origin=request.headers.get("Origin"))


def _origin_refusal(*, token: str, key: str) -> HttpResponse | None:
    """Why the origin pathway will not serve ``key`` with ``token``, as the
    answer to give (None: serve it). Checked in the order an edge checks:
    the key's shape (before storage sees it), then the token."""
    problem = ladder_key_problem(key)
    if problem is not None:
        return HttpResponse(f"Bad key: {problem}.\n", status=400, content_type="text/plain")
    try:
        claims = token_verify(token=token, path=key)
        # The origin has the database: a revoked session is refused at once.
        if session_is_revoked(session_id=claims.session_id):
            raise TokenRevoked("The token's session was revoked.")
    except TokenError as exc:
        return HttpResponse(f"Forbidden: {exc.reason}.\n", status=403, content_type="text/plain")
    return None


@require_http_methods(["GET", "HEAD", "OPTIONS"])
def origin(request: HttpRequest, token: str, rest: str) -> HttpResponseBase:
    """The origin pathway: same URL layout and token check as an edge; only
    keys under ``hls/`` are reachable (never sources)."""
    key = f"{LADDER_ROOT}/{rest}"
    response: HttpResponseBase
    if request.method == "OPTIONS":
        response = HttpResponse(status=204)
        response["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
        response["Access-Control-Allow-Headers"] = "Range"
        response["Access-Control-Max-Age"] = "86400"
        return cors_headers_add(response, request_origin=request.headers.get("Origin"))
    refusal = _origin_refusal(token=token, key=key)
    if refusal is not None:
        response = refusal
    else:
        response = origin_response(key=key, range_header=request.headers.get("Range"),
                                   head=request.method == "HEAD")
    response["X-Edge-Node"] = "origin"
    return cors_headers_add(response, request_origin=request.headers.get("Origin"))


@require_GET
def pathways(request: HttpRequest) -> JsonResponse:
    """Which edges a viewer here would get (DEBUG or staff: it advances round robin)."""
    if not (settings.DEBUG or (request.user.is_authenticated and request.user.is_staff)):
        return JsonResponse(error_body(code="permission_denied", message="Staff only."), status=403)
    country = client_country(request)
    result = pathways_for(country=country, client_ip=client_ip(request))
    return JsonResponse({
        "country": country,
        "pathways": [
            {"id": p.id, "base_url": p.base_url, "zone": p.zone_code, "zone_name": p.zone_name, "node_id": p.node_id}
            for p in result
        ],
    })
