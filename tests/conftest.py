"""Shared fixtures. Tests run against whatever services the environment
names (DATABASE_URL, DRAMATIQ_BROKER_URL, S3_BUCKET + S3_ENDPOINT_URL) and
against the embedded defaults otherwise."""
from __future__ import annotations

import socket
import uuid
from pathlib import Path

import dramatiq
import pytest
from django.conf import settings

pytest_plugins = [
    "tests.fixtures.s3", "tests.fixtures.broker", "tests.fixtures.media", "tests.fixtures.transcode",
    "tests.fixtures.accounts", "tests.fixtures.api", "tests.fixtures.sources", "tests.fixtures.multicodec",
    "tests.fixtures.tracks",
]


def pytest_collection_modifyitems(config, items):
    broker_url = settings.DRAMATIQ_BROKER_URL
    db_engine = settings.DATABASES["default"]["ENGINE"]
    for item in items:
        if "real_broker" in item.keywords and not broker_url:
            item.add_marker(pytest.mark.skip(reason="set DRAMATIQ_BROKER_URL=redis://... or amqp://... to run"))
        if "real_cache" in item.keywords and not settings.CACHE_URL.startswith(("redis://", "rediss://")):
            item.add_marker(pytest.mark.skip(reason="set CACHE_URL=redis://... to run"))
        if "postgres" in item.keywords and "postgresql" not in db_engine:
            item.add_marker(pytest.mark.skip(reason="set DATABASE_URL=postgres://... to run"))


# The repository: where manage.py is, for the tests that start it as a process.
ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Django's PBKDF2 runs 1,000,000 iterations per password set or checked
    (0.3-1 s of CPU each on the shared 2-core machine); the suite creates and
    signs in well over a hundred accounts and tests no hasher. Production
    keeps PBKDF2."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def isolated_storage(settings, tmp_path):
    """Each test gets its own media folder, or its own prefix in the bucket."""
    default = dict(settings.STORAGES["default"])
    options = dict(default.get("OPTIONS", {}))
    if settings.S3_BUCKET:
        options["location"] = f"test-{uuid.uuid4().hex[:12]}"
    else:
        options["location"] = str(tmp_path / "media")
        settings.MEDIA_ROOT = tmp_path / "media"
    default["OPTIONS"] = options
    settings.STORAGES = {**settings.STORAGES, "default": default}
    yield default


@pytest.fixture
def broker() -> dramatiq.Broker:
    return dramatiq.get_broker()


@pytest.fixture
def local_storage(settings, tmp_path):
    """Local disk storage, whatever the environment configures."""
    settings.MEDIA_ROOT = tmp_path / "local-media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(settings.MEDIA_ROOT)},
        },
    }
    return settings.MEDIA_ROOT
