"""Walk EVERY URL pattern of the project and request it as anonymous, as a
subscriber (with a profile; bearer token under /api/) and as staff.

- Nothing answers 5xx, whoever asks, GET or POST.
- Only the PUBLIC allow-list answers anonymous callers; everything else
  refuses them (302 to a login page, 401 or 403; 405 only for a method the
  view never accepts, provided another method is refused for lack of auth).
- Staff endpoints (admin, /api/v1/staff/, edge pathways) refuse subscribers.

New URLs are picked up automatically: a pattern this walker cannot build a
sample URL for fails the test, so it is never skipped silently."""
from __future__ import annotations

import re
import uuid

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import RegexPattern, RoutePattern

from catalog.services import title_create, video_create
from streaming.subscribers.services import api_sign_in
from tests.factories import subscriber_make
from tests.fixtures.accounts import sign_in

# Reachable without signing in, on purpose. Token- or HMAC-protected endpoints
# are here because their credential is in the URL or a header, not a session;
# their own tests prove they refuse a bad token (tests/edge, tests/subscribers).
PUBLIC = {
    "landing", "login", "logout", "signup", "healthz",
    "password_reset", "password_reset_done", "password_reset_confirm", "password_reset_complete",
    "admin:login", "admin:logout",          # signing out is always allowed
    "playback-master",                      # token in the path
    "edge:steering", "edge:origin",         # token in the path
    "edge:heartbeat", "api-edge-heartbeat",  # the node's HMAC
    "api-schema", "api-docs", "api-redoc",  # the API's own description
    "api-plans", "api-sign-up", "api-sign-in", "api-refresh",
    "api-v1:catch-all",                     # a JSON 404 for unknown API paths
    "api-root",                             # /api/v1/ says where to start
    "favicon", "artwork",                   # pictures: the same for everyone
}
STAFF_PREFIXES = ("admin:", "api-staff-")
STAFF = {"edge:pathways"}
PASSWORD = "a-Strong-pass-123"


def walk(patterns, prefix=(), namespace=()):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from walk(p.url_patterns, prefix + (p.pattern,), namespace + ((p.namespace,) if p.namespace else ()))
        elif isinstance(p, URLPattern):
            yield prefix + (p.pattern,), ":".join(namespace + (p.name or "",)), p


def sample(converter: str, name: str, values: dict) -> str:
    if name in values:
        return str(values[name])
    return {"uuid": str(uuid.uuid4()), "int": "1", "slug": "no-such-slug", "path": "no/such/thing"}.get(
        converter, "sample")


def build(parts, values: dict) -> str:
    url = ""
    for pattern in parts:
        text = str(pattern)
        if isinstance(pattern, RoutePattern):
            text = re.sub(r"<(?:(\w+):)?(\w+)>", lambda m: sample(m.group(1) or "str", m.group(2), values), text)
        elif isinstance(pattern, RegexPattern):
            text = text.lstrip("^").rstrip("$").replace("\\Z", "")
            text = re.sub(r"\(\?P<(\w+)>([^()]*)\)",
                          lambda m: values.get(m.group(1)) or m.group(2).split("|")[0].replace(".*", "x"), text)
            if re.search(r"[\\()\[\]*+?]", text):
                raise AssertionError(f"cannot build a sample URL for {pattern}")
        url += text
    return "/" + url


def label(name: str, url: str) -> str:
    if name.endswith(":") or not name:  # unnamed patterns
        if url.startswith("/api/v1/"):
            return "api-v1:catch-all"
        return f"{name or 'root:'}unnamed{url}"
    return name


def refused_anonymous(response, *, api: bool) -> bool:
    if response.status_code in (401, 403):
        return True
    if response.status_code == 302 and not api:
        return "login" in response["Location"]
    return False


@pytest.fixture
def world(db):
    user, profile = subscriber_make(plan="premium")
    staff = get_user_model().objects.create_superuser("staffer", "staff@example.com", PASSWORD)
    title = title_create(name="Walked Title")
    video = video_create(title=title, source=ContentFile(b"not really a film", name="walk.mp4"))
    values = {
        "profile_id": profile.pk, "slug": title.slug, "public_id": video.public_id,
        "object_id": video.pk, "content_type_id": 1, "id": user.pk, "job_id": 1,
        "token": "not-a-real-token", "uidb64": "MQ", "rest": f"{video.public_id}/master.m3u8",
        "app_label": "catalog", "url": "no-such-admin-page/",
    }
    subscriber_web = sign_in(Client(), user, profile)
    bearer = api_sign_in(username=user.username, password=PASSWORD, ip="127.0.0.1", device_name="walker").access_token
    staff_web = Client()
    staff_web.force_login(staff)
    staff_bearer = api_sign_in(username="staffer", password=PASSWORD, ip="127.0.0.1",
                               device_name="walker").access_token
    return values, subscriber_web, bearer, staff_web, staff_bearer


def routes(values):
    seen = []
    for parts, name, pattern in walk(get_resolver().url_patterns):
        url = build(parts, values)
        match = resolve(url)
        assert match.func == pattern.callback or match.url_name == pattern.name, (
            f"sample URL {url} for {name or parts} resolves to {match.view_name}")
        seen.append((label(name, url), url))
    return seen


def test_every_url_refuses_the_wrong_role_and_never_fails(world, settings):
    settings.DEBUG = False
    values, subscriber_web, bearer, staff_web, staff_bearer = world
    anonymous = Client()
    report = []
    all_routes = routes(values)
    assert len(all_routes) > 150, "the walker found the admin, the pages and the API"
    names = {n for n, _ in all_routes}
    assert PUBLIC - names == set(), f"allow-listed names that no longer exist: {PUBLIC - names}"

    for name, url in all_routes:
        api = url.startswith("/api/")
        is_staff_only = name.startswith(STAFF_PREFIXES) and name not in PUBLIC or name in STAFF

        # anonymous, GET and POST
        answers = {m: getattr(anonymous, m)(url, content_type="application/json") if m == "post"
                   else anonymous.get(url) for m in ("get", "post")}
        for method, r in answers.items():
            assert r.status_code < 500, f"anonymous {method.upper()} {url} ({name}): {r.status_code}"
        if name not in PUBLIC:
            assert any(refused_anonymous(r, api=api) for r in answers.values()), (
                f"{name} {url} is not in PUBLIC but answers anonymous callers: "
                f"{ {m: r.status_code for m, r in answers.items()} }")
            for method, r in answers.items():
                assert refused_anonymous(r, api=api) or r.status_code == 405, (
                    f"anonymous {method.upper()} {url} ({name}) got {r.status_code}")
            if api:
                assert answers["get"].status_code == 401, f"{url}: anonymous API calls get 401"

        # a subscriber with a profile: session cookie on pages, bearer token on the API
        headers = {"HTTP_AUTHORIZATION": f"Bearer {bearer}"} if api else {}
        client = Client() if api else subscriber_web
        r = client.get(url, **headers)
        assert r.status_code < 500, f"subscriber GET {url} ({name}): {r.status_code}"
        if is_staff_only:
            if api:
                assert r.status_code == 403, f"subscriber reached staff API {url}: {r.status_code}"
            else:
                assert r.status_code in (302, 403) and (r.status_code == 403 or "login" in r["Location"]), (
                    f"subscriber reached staff page {url} ({name}): {r.status_code}")

        # staff
        headers = {"HTTP_AUTHORIZATION": f"Bearer {staff_bearer}"} if api else {}
        client = Client() if api else staff_web
        r = client.get(url, **headers)
        assert r.status_code < 500, f"staff GET {url} ({name}): {r.status_code}"
        if is_staff_only and api:
            assert r.status_code not in (401, 403), f"staff refused at {url}: {r.status_code}"
        report.append((name, url, answers["get"].status_code))

    print(f"\nwalked {len(report)} URL patterns as anonymous, subscriber and staff; "
          f"{sum(1 for n, *_ in report if n in PUBLIC)} public, the rest refuse anonymous callers")
