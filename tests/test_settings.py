"""The project's settings and checks: system checks, migrations, production
settings, CORS."""
from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import ROOT


def manage(*args: str, env: dict | None = None, unset: tuple[str, ...] = ()) -> subprocess.CompletedProcess:
    # The browser tests set DJANGO_ALLOW_ASYNC_UNSAFE for their own process
    # (Playwright's loop); a production check must not inherit it.
    drop = {"DJANGO_ALLOW_ASYNC_UNSAFE", *unset}
    base = {k: v for k, v in os.environ.items() if k not in drop}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT, env={**base, **(env or {})}, capture_output=True, text=True, timeout=120,
    )


def test_system_check_is_clean():
    result = manage("check", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr + result.stdout


def test_no_missing_migrations():
    result = manage("makemigrations", "--check", "--dry-run")
    assert result.returncode == 0, result.stdout + result.stderr


PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "a-long-random-production-secret-" + "k3y" * 12,
    "DJANGO_ALLOWED_HOSTS": "video.example.org",
    "EDGE_SIGNING_KEYS": "k1:" + "production-edge-signing-secret-" * 2,
}


def test_deploy_check_is_clean_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stderr + result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {**PRODUCTION, "DJANGO_SECRET_KEY": ""}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off" in result.stderr


def test_production_refuses_to_start_without_edge_signing_keys():
    env = {**PRODUCTION, "EDGE_SIGNING_KEYS": ""}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "EDGE_SIGNING_KEYS must be set when DJANGO_DEBUG is off" in result.stderr


def test_a_deployment_that_forgets_debug_runs_without_it_and_asks_for_its_keys():
    """DEBUG is off unless asked for: forgetting DJANGO_DEBUG never serves
    the public development keys or the ?country= override."""
    result = manage("check", unset=("DJANGO_DEBUG", "DJANGO_SECRET_KEY", "EDGE_SIGNING_KEYS"))
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY and EDGE_SIGNING_KEYS must be set when DJANGO_DEBUG is off" in result.stderr
    keys = {k: v for k, v in PRODUCTION.items() if k != "DJANGO_DEBUG"}
    shown = manage("shell", "-c", "from django.conf import settings; print(settings.DEBUG)",
                   env=keys, unset=("DJANGO_DEBUG",))
    assert shown.stdout.strip().splitlines()[-1] == "False", shown.stderr


def test_cors_only_for_configured_origins(anon, db, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://app.example.org"]
    ok = anon.options("/api/v1/plans/", HTTP_ORIGIN="https://app.example.org",
                      HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET")
    assert ok["Access-Control-Allow-Origin"] == "https://app.example.org"
    other = anon.get("/api/v1/plans/", HTTP_ORIGIN="https://evil.example.com")
    assert "Access-Control-Allow-Origin" not in other
