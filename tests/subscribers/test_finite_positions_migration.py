"""Rows stored before positions were checked ({"position": Infinity} from a
heartbeat) are repaired by the migration that adds the check, after which
the player's config, the history API and playback start work again."""
from __future__ import annotations

import json
import math

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("streaming", "0007_session_codecs")]
AFTER = [("streaming", "0008_finite_positions")]


@pytest.mark.django_db(transaction=True)
def test_stored_infinite_positions_are_repaired_and_the_player_works_again(client):
    from tests.factories import subscriber_make as make_subscriber
    from tests.fixtures.accounts import sign_in
    from tests.fixtures.playback import make_ready_video

    user, profile = make_subscriber()
    video = make_ready_video()
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    WatchProgress = old.get_model("streaming", "WatchProgress")
    WatchProgress.objects.create(profile_id=profile.pk, video_id=video.pk, title_id=video.title_id,
                                 position=math.inf, duration=-math.inf)
    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    # Then the later migrations too: the current models are used from here on,
    # and later tests share this database.
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    from streaming.subscribers.models import WatchProgress as Current

    row = Current.objects.get(profile=profile, video=video)
    assert (row.position, row.duration) == (0.0, 0.0)
    sign_in(client, user, profile)
    page = client.get(f"/watch/{video.public_id}/")
    assert page.status_code == 200
    config = client.post(page.context["start"]["start"])
    assert config.status_code == 201
    assert json.loads(config.content)["resume"] == 0.0, "strict JSON, a finite resume point"
    from tests.fixtures.api import bearer

    history = bearer(user).get(f"/api/v1/profiles/{profile.pk}/history/")
    assert history.status_code == 200 and history.json()["results"][0]["position"] == 0.0
