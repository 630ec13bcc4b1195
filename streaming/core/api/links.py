"""OpenAPI links: which answer's field feeds which operation (a started
session's id into its heartbeat, an upload's id into its chunks...).
drf-spectacular does not write links; this postprocessing hook adds them, so
clients and schemathesis's stateful phase can follow the API's real flows.

The table names operations by their operation ids only, so the foundation
knows no view of the apps above it."""
from __future__ import annotations

# (operation, status) -> [(link name, target operation, path parameters, request body)]
LINKS: dict[tuple[str, str], list[tuple[str, str, dict, dict | None]]] = {
    ("playback_start", "201"): [
        ("Heartbeat", "playback_heartbeat", {"session_id": "$response.body#/id"}, None),
        ("Stop", "playback_stop", {"session_id": "$response.body#/id"}, None),
    ],
    ("auth_sign_in", "200"): [
        ("Refresh", "auth_refresh", {}, {"refresh_token": "$response.body#/refresh_token"}),
    ],
    ("auth_sign_up", "201"): [
        ("Refresh", "auth_refresh", {}, {"refresh_token": "$response.body#/refresh_token"}),
    ],
    ("auth_refresh", "200"): [
        ("RefreshAgain", "auth_refresh", {}, {"refresh_token": "$response.body#/refresh_token"}),
    ],
    ("staff_uploads_create", "201"): [
        ("State", "staff_uploads_retrieve", {"upload_id": "$response.body#/id"}, None),
        ("Chunk", "staff_uploads_chunk", {"upload_id": "$response.body#/id"}, None),
        ("Complete", "staff_uploads_complete", {"upload_id": "$response.body#/id"}, None),
        ("Abort", "staff_uploads_abort", {"upload_id": "$response.body#/id"}, None),
    ],
    ("staff_uploads_complete", "200"): [
        ("Job", "staff_jobs_retrieve", {"job_id": "$response.body#/job"}, None),
        ("Video", "staff_videos_retrieve", {"public_id": "$response.body#/video"}, None),
    ],
    ("staff_jobs_retrieve", "200"): [
        ("Retry", "staff_jobs_retry", {"job_id": "$response.body#/job_id"}, None),
    ],
}


def links_add(result: dict, generator=None, request=None, public=None) -> dict:
    """drf-spectacular POSTPROCESSING_HOOKS entry: add LINKS to the schema,
    skipping any whose operations are not in it."""
    operations = {op.get("operationId"): op for item in result.get("paths", {}).values()
                  for op in item.values() if isinstance(op, dict)}
    for (source, status), links in LINKS.items():
        response = operations.get(source, {}).get("responses", {}).get(status)
        if response is None:
            continue
        for name, target, parameters, body in links:
            if target not in operations:
                continue
            link: dict = {"operationId": target}
            if parameters:
                link["parameters"] = parameters
            if body:
                link["requestBody"] = body
            response.setdefault("links", {})[name] = link
    return result
