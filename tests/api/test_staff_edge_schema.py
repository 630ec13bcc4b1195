"""Staff endpoints' permissions, job status and retry; the edge node
heartbeat (node HMAC, not user tokens); the schema and the offline docs."""
from __future__ import annotations

import json

import pytest
import yaml
from django.core.files.base import ContentFile

from catalog.services import title_create, video_create
from edge.heartbeat import HeartbeatReport, heartbeat_request_build
from edge.services import edge_node_create, zone_create
from transcoding.models import TranscodeJob
from transcoding.services import job_fail, job_start

from .conftest import assert_error


def test_staff_only_endpoints(anon, member, staff):
    client, _, _ = member
    staff_client, _, _ = staff
    body = {"name": "New Film", "genres": ["Drama"], "countries": ["in", "DE"], "maturity_rating": "7"}
    assert_error(anon.post("/api/v1/staff/titles/", body, format="json"), 401, "not_authenticated")
    assert_error(client.post("/api/v1/staff/titles/", body, format="json"), 403, "permission_denied")
    created = staff_client.post("/api/v1/staff/titles/", body, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["countries"] == ["DE", "IN"] and created.json()["genres"] == ["Drama"]
    assert_error(staff_client.post("/api/v1/staff/titles/", {**body, "countries": ["XYZ"]}, format="json"), 400)
    assert_error(staff_client.post("/api/v1/staff/titles/", {**body, "countries": ["1x"]}, format="json"), 400,
                 "bad_country")
    for path in ("/api/v1/staff/jobs/1/", "/api/v1/staff/videos/00000000-0000-0000-0000-000000000000/"):
        assert_error(client.get(path), 403, "permission_denied")
        assert_error(staff_client.get(path), 404, "not_found")
    upload = {"title": created.json()["slug"], "filename": "a.mp4", "size": 10}
    assert_error(client.post("/api/v1/staff/uploads/", upload, format="json"), 403)


def test_job_status_and_retry(staff, django_capture_on_commit_callbacks):
    staff_client, _, _ = staff
    title = title_create(name="Broken")
    video = video_create(title=title, source=ContentFile(b"not a video", name="broken.mp4"))
    job = job_start(video=video)
    job_fail(job_id=job.pk, reason="No video stream in the source.")
    state = staff_client.get(f"/api/v1/staff/videos/{video.public_id}/").json()
    assert state["status"] == "failed" and state["job"]["error"] == "No video stream in the source."
    assert staff_client.get(f"/api/v1/staff/jobs/{job.pk}/").json()["status"] == "failed"
    with django_capture_on_commit_callbacks(execute=False):
        retried = staff_client.post(f"/api/v1/staff/jobs/{job.pk}/retry/")
    assert retried.status_code == 202 and retried.json()["status"] == "pending"
    assert_error(staff_client.post(f"/api/v1/staff/jobs/{job.pk}/retry/"), 400, "invalid")
    assert TranscodeJob.objects.get(pk=job.pk).status == "pending"


def test_edge_heartbeat_takes_node_hmac_not_user_tokens(anon, member, settings):
    client, _, _ = member
    zone = zone_create(code="fra", name="Frankfurt", country="DE", latitude=50.1, longitude=8.7)
    node = edge_node_create(zone=zone, name="fra-1", base_url="http://127.0.0.1:9", capacity=100)
    body, headers = heartbeat_request_build(node_id=node.pk, secret=node.secret,
                                            report=HeartbeatReport(active_connections=3))
    extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items() if k != "Content-Type"}
    ok = anon.post("/api/v1/edge/heartbeat/", body, content_type="application/json", **extra)
    assert ok.status_code == 200, ok.content
    assert ok.json()["node"] == "fra-1"
    replay = anon.post("/api/v1/edge/heartbeat/", body, content_type="application/json", **extra)
    assert_error(replay, 409, "replay")
    # A subscriber's token is no node credential.
    forged = {**extra, "HTTP_X_EDGE_SIGNATURE": "0" * 64}
    assert_error(client.post("/api/v1/edge/heartbeat/", body, content_type="application/json", **forged),
                 403, "heartbeat_rejected")


def test_schema_describes_every_operation_and_docs_work_offline(anon, db):
    response = anon.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = json.loads(response.content) if response.content.startswith(b"{") else yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    schemes = schema["components"]["securitySchemes"]
    assert schemes["bearerAuth"]["scheme"] == "bearer" and "edgeNodeHmac" in schemes
    assert "Error" in schema["components"]["schemas"]
    operations = [op for path in schema["paths"].values() for op in path.values() if isinstance(op, dict)]
    assert len(operations) >= 30
    for op in operations:
        assert op.get("summary"), op["operationId"]
        # Every operation documents its error answers in the one format (except the public plan list).
        errors = [code for code in op["responses"] if code.startswith(("4", "5"))]
        if op["operationId"] != "plans_list":
            assert errors, op["operationId"]
    for page in ("/api/v1/docs/", "/api/v1/redoc/"):
        html = anon.get(page).content.decode()
        assert "/static/drf_spectacular_sidecar/" in html and "cdn.jsdelivr" not in html


@pytest.mark.parametrize("path", ["/api/v1/me/", "/api/v1/staff/titles/"])
def test_method_not_allowed_in_the_error_format(member, path):
    client, _, _ = member
    assert_error(client.delete(path), 405 if path == "/api/v1/me/" else 403)
