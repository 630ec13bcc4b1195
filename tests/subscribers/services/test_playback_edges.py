"""What playback hands the edges: the viewer's zone in the session and in
its signed token; and the plays push fill reads through the popularity
provider the subscriber side registers."""
from __future__ import annotations

import pytest

from edge.popularity import popularity_by_zone
from edge.signing import token_check
from streaming.subscribers.services import playback_start, session_token
from tests.factories import node_beat, node_make, subscriber_make


@pytest.fixture
def ready_video(run_transcode, clips):
    job = run_transcode(clips.silent)
    assert job.status == "done", job.error
    return job.video


def test_a_session_names_its_viewers_zone_to_the_edges_and_counts_as_a_play(ready_video, settings):
    for code in ("mumbai", "virginia"):
        node_beat(node_make(code))
    user, profile = subscriber_make()
    session = playback_start(user=user, profile=profile, video=ready_video, device="web-a", country="IN",
                             client_ip="198.51.100.7")
    assert (session.viewer_zone, session.zone_code) == ("mumbai", "mumbai")
    claims = token_check(token=session_token(session=session))
    assert claims.viewer_zone == "mumbai" and claims.session_id == str(session.pk)
    plays = popularity_by_zone()
    assert [(t.video_public_id, t.plays) for t in plays["mumbai"]] == [(ready_video.public_id, 1)]
