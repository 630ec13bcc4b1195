"""The subscriber pages' small promises: a way home from every page, labels
said once, episodes numbered once, an icon, an API that says where to start."""
from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from django.urls import reverse

from catalog.services import episode_save, season_save, title_create
from tests.factories import subscriber_make
from tests.fixtures.accounts import sign_in
from tests.fixtures.catalog import video_ready_make

pytestmark = pytest.mark.django_db
from tests.conftest import ROOT  # noqa: E402


def test_the_account_page_has_a_way_home(viewer_client):
    page = viewer_client.get(reverse("account")).content.decode()
    assert re.search(r'<nav class="nav"[^>]*>\s*<a href="/browse/"', page), "a Home link in the header"


def test_a_kids_profile_is_called_kids_once(client):
    user, _ = subscriber_make()
    from streaming.subscribers.services import profile_create

    kids = profile_create(user=user, name="Kids", kids=True)
    sign_in(client, user, kids)
    page = client.get("/browse/").content.decode()
    chip = re.search(r'<a href="/profiles/" class="profile-chip"[^>]*>(.*?)</a>', page, re.S).group(1)
    assert re.sub(r"<[^>]+>", " ", chip).split() == ["K", "Kids"], "an initial, then the name once"
    other = profile_create(user=user, name="Sam", kids=True)
    sign_in(client, user, other)
    chip = re.search(r'class="profile-chip"[^>]*>(.*?)</a>', client.get("/browse/").content.decode(), re.S).group(1)
    assert re.sub(r"<[^>]+>", " ", chip).split() == ["S", "Sam", "kids"], "a kids profile not named so says it"
    profiles = client.get("/profiles/").content.decode()
    assert "Kids <span" not in profiles and "Sam <span" in profiles


def test_episodes_are_numbered_once(viewer_client):
    series = title_create(name="Orbit School", kind="series", maturity_rating="7")
    season = season_save(title=series, number=1)
    for n, name in enumerate(["Launch Day", "Zero-G Lunch"], start=1):
        episode = episode_save(season=season, number=n, name=name, synopsis="An episode.")
        video_ready_make(title=series, episode=episode)
    page = viewer_client.get(reverse("catalog:title", args=[series.slug])).content.decode()
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert "1. 1." not in text and "1 Episode 1: Launch Day" in text
    assert page.count('class="episode"') == 2


def test_every_page_names_its_icon_and_favicon_ico_leads_to_it(client):
    page = client.get("/").content.decode()
    icon = re.search(r'<link rel="icon" href="([^"]+)"', page).group(1)
    from django.contrib.staticfiles import finders

    assert finders.find(icon.removeprefix("/static/")), icon
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"] == icon


def test_the_api_root_says_where_to_start(client):
    response = client.get("/api/v1/")
    assert response.status_code == 200
    body = response.json()
    assert body["endpoints"]["sign_in"] == "http://testserver/api/v1/auth/sign-in/"
    assert client.get(body["docs"].removeprefix("http://testserver")).status_code == 200


@pytest.mark.slow
def test_the_example_client_explains_a_wrong_password_without_a_traceback(live_server):
    subscriber_make(username="phone")
    result = subprocess.run(
        [sys.executable, "examples/mobile_client.py", "--base-url", live_server.url, "--username", "phone",
         "--password", "not-the-password"],
        cwd=ROOT, capture_output=True, text=True, timeout=60, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert result.returncode == 2, result
    assert "Traceback" not in result.stderr and "sign-in refused" in result.stderr.lower(), result.stderr
    down = subprocess.run(
        [sys.executable, "examples/mobile_client.py", "--base-url", "http://127.0.0.1:9", "--username", "x",
         "--password", "y"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert down.returncode == 2 and "Traceback" not in down.stderr and "cannot reach" in down.stderr.lower()


@pytest.mark.slow
def test_the_example_client_keeps_its_trusted_device_proof_and_is_not_slowed_by_a_guesser(
        live_server, tmp_path, fresh_counters, settings):
    from streaming.subscribers.services.accounts import login_failure_record, trusted_device_check
    from tests.factories import PASSWORD

    subscriber_make(username="tablet")
    device_file = tmp_path / "app" / "device.json"

    def client_run(*extra):
        return subprocess.run(
            [sys.executable, "examples/mobile_client.py", "--base-url", live_server.url, "--username", "tablet",
             "--password", PASSWORD, *extra], cwd=ROOT, capture_output=True, text=True, timeout=60)

    first = client_run("--device-file", str(device_file))
    assert "signed in as tablet" in first.stdout, first.stderr
    assert device_file.stat().st_mode & 0o077 == 0, "kept like a password"
    import json

    assert trusted_device_check(proof=json.loads(device_file.read_text())["tablet"], username="tablet")
    settings.LOGIN_ACCOUNT_FREE_FAILURES = 0  # someone elsewhere guesses this account's password
    login_failure_record(username="tablet", ip="203.0.113.9")
    stranger = client_run("--device-file", str(tmp_path / "other.json"))
    assert "sign-in refused" in stranger.stderr.lower() and "signed in" not in stranger.stdout, stranger.stdout
    again = client_run("--device-file", str(device_file))
    assert "signed in as tablet" in again.stdout, again.stderr


def test_the_readme_gives_the_example_clients_command():
    readme = (ROOT / "README.md").read_text()
    assert "python examples/mobile_client.py --base-url" in readme


def test_the_vendored_hls_js_has_its_compressed_copy_beside_it():
    """WhiteNoise serves hls.min.js.gz to browsers that take gzip, in DEBUG
    too (production's collectstatic makes its own): 190 KB instead of 624."""
    import gzip

    from tests.hlsjs import HLS_LOCAL

    assert gzip.decompress(HLS_LOCAL.with_suffix(".js.gz").read_bytes()) == HLS_LOCAL.read_bytes()


def test_the_vendored_hls_js_is_upstreams_with_its_one_documented_patch():
    """static/vendor/hls.js-1.7.4/PATCHES.md: undoing the patch gives npm's
    hls.js@1.7.4 byte for byte (the SRI the CDN option pins)."""
    import base64
    import hashlib

    from django.conf import settings

    from tests.hlsjs import SEI_PATCHED, SEI_UPSTREAM, upstream_body

    body = upstream_body()
    assert SEI_UPSTREAM.encode() in body and SEI_PATCHED.encode() not in body
    assert "sha384-" + base64.b64encode(hashlib.sha384(body).digest()).decode() == settings.HLS_JS_SRI
