"""What a session is given to play: the plan caps the ladder in its master
playlist, and its token refuses the rungs above the plan wherever it is shown."""
from __future__ import annotations

import m3u8
import pytest

from edge.signing import token_verify
from streaming.subscribers.services import master_playlist, playback_start, session_token
from tests.factories import subscriber_make, video_ready_make
from transcoding.selectors import renditions_playable


def start(user, profile, video, device="web-a", country="US"):
    return playback_start(user=user, profile=profile, video=video, device=device, country=country,
                          client_ip="127.0.0.1")


def test_plan_caps_the_ladder_in_the_master_and_at_the_edge(db):
    video = video_ready_make(width=1920, height=1080)
    assert {r.name for r in renditions_playable(video=video) if r.kind == "video"} == {
        "v234", "v360", "v432", "v540", "v720", "v1080"}
    basic_user, basic_profile = subscriber_make(plan="basic")
    std_user, std_profile = subscriber_make(plan="standard")

    basic = start(basic_user, basic_profile, video)
    token = session_token(session=basic)
    heights = [p.stream_info.resolution[1] for p in m3u8.loads(master_playlist(session=basic, token=token).text).playlists]
    assert heights and max(heights) == 720, "Basic plan: nothing above 720p"
    # The token itself refuses the 1080p folder, wherever it is presented.
    with pytest.raises(Exception, match="(?i)plan|height|rung"):
        token_verify(token=token, path=f"hls/{video.public_id}/v1080/seg_00000.m4s")
    token_verify(token=token, path=f"hls/{video.public_id}/v720/seg_00000.m4s")

    standard = start(std_user, std_profile, video)
    std_token = session_token(session=standard)
    heights = [p.stream_info.resolution[1]
               for p in m3u8.loads(master_playlist(session=standard, token=std_token).text).playlists]
    assert max(heights) == 1080
