"""The API's own pages: its schema describes every operation, and the docs
work offline (the sidecar's static files, no CDN)."""
from __future__ import annotations

import json

import yaml


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
