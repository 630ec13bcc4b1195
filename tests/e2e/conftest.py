"""Headless Chromium (Debian's, never a downloaded one) driven by Playwright,
a live Django server, and a real edge (runedge) in front of the storage."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from edge.models import EdgeNode
from tests.conftest import ROOT, free_port
from tests.factories import node_make
from tests.fixtures.broker import wait_for

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--autoplay-policy=no-user-gesture-required",
]
ARTIFACTS = ROOT / "artifacts"

# Playwright's sync API runs an event loop in this thread; the ORM calls the
# tests make between browser steps are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="package")
def browser():
    # Package scope: Playwright's sync API keeps an event loop running in this
    # thread while it lives, which would break asyncio.run() in later tests.
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium chromium-driver")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.set_default_timeout(30_000)
    console: list[str] = []
    page.on("console", lambda msg: console.append(f"{msg.type}: {msg.text}"))
    page.console_messages = console
    yield page
    context.close()


@pytest.fixture
def live(live_server, settings):
    """The live server is the origin: its URL goes into pathways and steering."""
    settings.EDGE_ORIGIN_URL = live_server.url
    settings.ALLOWED_HOSTS = ["*"]
    return live_server


def edge_start(live, isolated_storage, tmp_path, zone: str) -> EdgeNode:
    """A real runedge process in ``zone``, filling from this test's storage
    and heartbeating to the live server; returns its node once healthy."""
    port = free_port()
    node = node_make(zone, port=port, capacity=100)
    options = isolated_storage["OPTIONS"]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    if django_settings.S3_BUCKET:
        origin = "s3"
        env["S3_PREFIX"] = options.get("location", "")
    else:
        origin = options["location"]
        Path(origin).mkdir(parents=True, exist_ok=True)
    log = (tmp_path / f"edge-{zone}.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "manage.py", "runedge", "--port", str(port), "--node", str(node.pk),
         f"--secret={node.secret}", "--name", node.name, "--origin", origin,
         "--cache-dir", str(tmp_path / f"edge-cache-{zone}"), "--cache-max-bytes", "256M",
         "--control-url", live.url, "--heartbeat-interval", "1"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, text=True,
    )
    node.process = process
    node.url = f"http://127.0.0.1:{port}"

    def healthy():
        node.refresh_from_db()
        return node.health() == EdgeNode.Health.HEALTHY

    try:
        wait_for(healthy, timeout=30, what=f"the {zone} edge's first heartbeat")
    except AssertionError:
        edge_stop(node)
        raise
    return node


def edge_stop(node: EdgeNode) -> None:
    if node.process.poll() is None:
        node.process.terminate()
        try:
            node.process.wait(10)
        except subprocess.TimeoutExpired:
            node.process.kill()


@pytest.fixture
def edge(live, isolated_storage, tmp_path):
    """The Virginia edge: nearest to the default country (US)."""
    node = edge_start(live, isolated_storage, tmp_path, "virginia")
    yield node
    edge_stop(node)


@pytest.fixture
def second_edge(live, isolated_storage, tmp_path, edge):
    node = edge_start(live, isolated_storage, tmp_path, "frankfurt")
    yield node
    edge_stop(node)


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path))
    return path



