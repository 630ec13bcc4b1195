"""With DEBUG off, missing, malformed or development signing keys stop the
server at start and fail `check --deploy` with the project's own check ids
(streaming.E001 for the secret key, edge.E001 for EDGE_SIGNING_KEYS)."""
from __future__ import annotations

import pytest

from edge.checks import edge_signing_keys_check
from streaming.core.checks import secret_key_check
from streaming.settings import DEV_EDGE_SIGNING_KEYS, DEV_SECRET_KEY
from tests.test_settings import PRODUCTION, manage


@pytest.mark.parametrize("keys", ["", DEV_EDGE_SIGNING_KEYS, "k1:short", "no-colon-here-at-all-long",
                                  f"k2:{'n' * 40},{DEV_EDGE_SIGNING_KEYS}"])
def test_the_edge_check_refuses_missing_malformed_or_development_keys(settings, keys):
    settings.DEBUG = False
    settings.EDGE_SIGNING_KEYS_RAW = keys
    assert [e.id for e in edge_signing_keys_check()] == ["edge.E001"]
    settings.DEBUG = True
    assert edge_signing_keys_check() == []


def test_the_secret_key_check_refuses_the_development_key(settings):
    settings.DEBUG = False
    settings.SECRET_KEY = DEV_SECRET_KEY
    assert [e.id for e in secret_key_check()] == ["streaming.E001"]
    settings.SECRET_KEY = "s" * 20 + "ecret-of-production-" * 3
    assert secret_key_check() == []


@pytest.mark.parametrize("name, value", [("EDGE_SIGNING_KEYS", DEV_EDGE_SIGNING_KEYS),
                                         ("DJANGO_SECRET_KEY", DEV_SECRET_KEY)])
def test_development_keys_stop_the_server_at_start(name, value):
    result = manage("check", "--deploy", env={**PRODUCTION, name: value})
    assert result.returncode != 0
    assert f"{name} must not be the development keys when DJANGO_DEBUG is off" in result.stderr


def test_malformed_edge_keys_fail_the_deploy_check_and_runserver(tmp_path):
    env = {**PRODUCTION, "EDGE_SIGNING_KEYS": "k1:short"}
    result = manage("check", "--deploy", env=env)
    assert result.returncode != 0 and "edge.E001" in result.stderr
    served = manage("runserver", "127.0.0.1:0", "--noreload", env=env)
    assert served.returncode != 0 and "edge.E001" in served.stderr + served.stdout


def test_a_wsgi_server_refuses_to_start_on_malformed_keys():
    env = {**PRODUCTION, "EDGE_SIGNING_KEYS": "k1:short"}
    result = manage("shell", "-c", "import streaming.wsgi", env=env)
    assert result.returncode != 0 and "edge.E001" in result.stderr
    fine = manage("shell", "-c", "import streaming.wsgi; print('served')", env=PRODUCTION)
    assert fine.returncode == 0 and "served" in fine.stdout, fine.stderr
