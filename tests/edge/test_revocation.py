"""The revocation list as the edges keep it (runedge in memory with a
journal, the nginx agent as files for njs) and as the heartbeat carries it
(a cursor out, a delta back, the cursor stored as how far the node has
applied the list)."""
from __future__ import annotations

import os
import stat
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from edge.agent_revoke import RevokedFiles
from edge.heartbeat import HeartbeatReport, heartbeat_request_build
from edge.models import EdgeNode
from edge.revocation import RevocationProvider, RevokedSession, _providers
from edge.selectors import revocations_applied_everywhere_at
from edge.server.revoked import RevokedSessions
from tests.factories import node_beat, node_make

A, B, C = "0b5c7a0e-1111-4a4a-9a9a-000000000001", "0b5c7a0e-1111-4a4a-9a9a-000000000002", "c"


def section(*pairs, cursor=100.0, full=False):
    return {"cursor": cursor, "full": full, "sessions": [list(p) for p in pairs]}


@pytest.mark.parametrize("keeper", ["runedge", "agent"])
def test_a_list_is_added_to_replaced_pruned_and_kept_across_restarts(keeper, tmp_path):
    def make():
        return RevokedSessions(tmp_path) if keeper == "runedge" else RevokedFiles(tmp_path / "revoked")
    now = time.time()
    revoked = make()
    assert revoked.cursor is None and A not in revoked
    assert revoked.apply(section((A, int(now) + 60), (B, int(now) + 5), cursor=10.0, full=True), now=now)
    assert A in revoked and B in revoked and revoked.cursor == 10.0
    # A delta adds; odd entries (not an id, a bool, a string time) are skipped, not fatal.
    assert revoked.apply(section((C, int(now) + 60), ["../x", int(now) + 60], [B, True], ["d", "9"],
                                 cursor=11.0), now=now)
    assert C in revoked and "../x" not in revoked and len(revoked) == 3
    # An entry goes once its tokens have expired anyway.
    revoked.apply(section(cursor=12.0), now=now + 10)
    assert B not in revoked and A in revoked
    # Across a restart: the same list and cursor, so the next answer is a delta.
    again = make()
    assert A in again and C in again and again.cursor == 12.0
    # A full list replaces.
    again.apply(section((C, int(now) + 60), cursor=13.0, full=True), now=now + 10)
    assert A not in again and C in again
    assert A not in make() and make().cursor == 13.0
    # An answer without a readable section changes nothing.
    for bad in (None, {}, {"cursor": "x", "full": False, "sessions": []}, {"cursor": float("nan"), "full": True,
                                                                             "sessions": []}):
        assert not again.apply(bad)
    assert C in again and again.cursor == 13.0


def test_the_agent_writes_one_empty_file_per_session_that_njs_can_test_but_not_list(tmp_path):
    revoked = RevokedFiles(tmp_path / "revoked")
    until = int(time.time()) + 600
    revoked.apply(section((A, until), cursor=5.0))
    path = tmp_path / "revoked" / A
    assert path.exists() and path.stat().st_size == 0 and int(path.stat().st_mtime) == until
    assert stat.S_IMODE(os.stat(tmp_path / "revoked").st_mode) == 0o711
    assert (tmp_path / "revoked.cursor").read_text() == "5.0"


@pytest.fixture
def provider():
    rows: list[RevokedSession] = []
    calls: list = []

    def revoked_since(*, since, now):
        calls.append(since)
        return [r for r in rows if (since is None or r.revoked_at > since) and r.revoked_at <= now]

    fake = RevocationProvider(revoked_since=revoked_since, is_revoked=lambda *, session_id, now: False)
    saved = list(_providers)
    _providers[:] = [fake]
    yield rows, calls
    _providers[:] = saved


def _beat(client, node, cursor):
    body, headers = heartbeat_request_build(node_id=node.pk, secret=node.secret,
                                            report=HeartbeatReport(revoked_cursor=cursor))
    response = client.post("/edge/api/heartbeat", data=body, content_type="application/json",
                           headers={k: v for k, v in headers.items() if k != "Content-Type"})
    return response


@pytest.mark.django_db
def test_the_heartbeat_hands_the_whole_list_then_what_is_new_since_the_cursor(client, provider, settings):
    rows, calls = provider
    node = node_make("mumbai")
    now = timezone.now()
    rows.append(RevokedSession(session_id=A, revoked_at=now - timedelta(minutes=5), until=now + timedelta(hours=1)))
    answer = _beat(client, node, None).json()["revoked"]
    assert answer["full"] is True and [s[0] for s in answer["sessions"]] == [A] and calls[-1] is None
    assert answer["sessions"][0][1] > (now + timedelta(hours=1)).timestamp()
    node.refresh_from_db()
    assert node.revocations_applied_at is None  # it has not said what it applied
    time.sleep(1.01)  # one heartbeat per second (the signed timestamp must grow)
    answer = _beat(client, node, answer["cursor"]).json()["revoked"]
    node.refresh_from_db()
    assert node.revocations_applied_at is not None
    # Asked from the cursor less the overlap, so a late commit is never skipped.
    assert calls[-1] == node.revocations_applied_at - timedelta(seconds=settings.EDGE_REVOCATION_OVERLAP)
    assert answer["full"] is False and answer["sessions"] == []
    time.sleep(1.01)
    assert _beat(client, node, float("nan")).status_code == 400
    assert _beat(client, node, -1).status_code == 400


@pytest.mark.django_db
def test_every_healthy_edge_has_applied_revocations_up_to_the_least_advanced_cursor(settings):
    settings.EDGE_REVOCATION_OVERLAP = 2
    assert revocations_applied_everywhere_at() is None
    now = timezone.now()
    fast, slow, gone, legacy = (node_beat(node_make("mumbai", i)) for i in (1, 2, 3, 4))
    EdgeNode.objects.filter(pk=fast.pk).update(revocations_applied_at=now - timedelta(seconds=1))
    EdgeNode.objects.filter(pk=slow.pk).update(revocations_applied_at=now - timedelta(seconds=6))
    # A node that stopped heartbeating no longer counts (nor takes new viewers); one that keeps no list neither.
    EdgeNode.objects.filter(pk=gone.pk).update(revocations_applied_at=now - timedelta(hours=1),
                                               last_heartbeat_at=now - timedelta(hours=1))
    assert legacy.revocations_applied_at is None
    assert revocations_applied_everywhere_at(now=now) == now - timedelta(seconds=8)
