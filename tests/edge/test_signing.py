"""Signed edge URLs: what a token lets through, and every way it refuses."""
from __future__ import annotations

import time
import uuid

import pytest

from edge.signing import (
    TokenExpired,
    TokenForged,
    TokenOutOfPrefix,
    TokenRungAbovePlan,
    TokenUnknownKey,
    signing_keys_parse,
    token_check,
    token_issue,
    token_verify,
    video_path_prefix,
)

KEYS = {"k2": "second-secret-0123456789", "k1": "first-secret-0123456789"}
VIDEO = uuid.uuid4()
OTHER = uuid.uuid4()


def issue(**kwargs):
    params = {"session_id": "sess-1", "path_prefix": video_path_prefix(VIDEO), "keys": KEYS}
    return token_issue(**{**params, **kwargs})


def test_good_token_lets_its_title_through_and_names_the_session():
    token = issue(max_height=720)
    claims = token_verify(token=token, path=f"hls/{VIDEO}/v720/seg_00001.m4s", keys=KEYS)
    assert claims.session_id == "sess-1" and claims.key_id == "k2" and claims.max_height == 720
    assert token_verify(token=token, path=f"hls/{VIDEO}/master.m3u8", keys=KEYS)
    assert token_verify(token=token, path=f"hls/{VIDEO}/audio/seg_00001.m4s", keys=KEYS)
    assert "/" not in token  # it is one path segment


def test_expired_token_is_refused():
    token = issue(expires_at=int(time.time()) - 1)
    with pytest.raises(TokenExpired):
        token_verify(token=token, path=f"hls/{VIDEO}/master.m3u8", keys=KEYS)


@pytest.mark.parametrize("tamper", ["expiry", "prefix", "height", "signature"])
def test_forged_token_is_refused(tamper):
    key_id, expires, height, session, prefix, signature = issue(max_height=720).split(".")
    if tamper == "expiry":
        expires = str(int(expires) + 86400)
    elif tamper == "height":
        height = "2160"
    elif tamper == "prefix":
        prefix = issue(path_prefix=video_path_prefix(OTHER)).split(".")[4]
    else:
        signature = issue(session_id="someone-else").split(".")[5]
    token = ".".join([key_id, expires, height, session, prefix, signature])
    with pytest.raises(TokenForged):
        token_verify(token=token, path=f"hls/{OTHER}/v720/x.m4s", keys=KEYS)


def test_wrong_key_id_is_refused_and_rotation_keeps_older_keys():
    old = issue(key_id="k1")
    assert token_verify(token=old, path=f"hls/{VIDEO}/master.m3u8", keys=KEYS).key_id == "k1"
    with pytest.raises(TokenUnknownKey):
        token_verify(token=old, path=f"hls/{VIDEO}/master.m3u8", keys={"k2": KEYS["k2"]})
    renamed = "k9" + issue()[2:]
    with pytest.raises(TokenUnknownKey):
        token_verify(token=renamed, path=f"hls/{VIDEO}/master.m3u8", keys=KEYS)


@pytest.mark.parametrize("path", [f"hls/{OTHER}/master.m3u8", f"hls/{VIDEO}x/master.m3u8",
                                  f"hls/{VIDEO}/../{OTHER}/master.m3u8", f"sources/{VIDEO}/film.mp4"])
def test_other_title_or_escaping_path_is_refused(path):
    with pytest.raises(TokenOutOfPrefix):
        token_verify(token=issue(), path=path, keys=KEYS)


def test_rung_above_the_plan_is_refused():
    token = issue(max_height=720)
    for ok in ("v360", "v720"):
        token_verify(token=token, path=f"hls/{VIDEO}/{ok}/index.m3u8", keys=KEYS)
    with pytest.raises(TokenRungAbovePlan):
        token_verify(token=token, path=f"hls/{VIDEO}/v1080/seg_00001.m4s", keys=KEYS)
    # no limit: every rung
    token_verify(token=issue(), path=f"hls/{VIDEO}/v1080/seg_00001.m4s", keys=KEYS)


def test_token_check_is_signature_and_expiry_only():
    assert token_check(token=issue(), keys=KEYS).path_prefix == f"hls/{VIDEO}/"


def test_keys_come_from_settings(settings):
    settings.EDGE_SIGNING_KEYS_RAW = "a1:aaaaaaaaaaaaaaaaaaaa,a0:bbbbbbbbbbbbbbbbbbbb"
    token = token_issue(session_id="s", path_prefix=video_path_prefix(VIDEO))
    assert token.startswith("a1.")
    assert token_verify(token=token, path=f"hls/{VIDEO}/master.m3u8").session_id == "s"
    assert list(signing_keys_parse(settings.EDGE_SIGNING_KEYS_RAW)) == ["a1", "a0"]
    settings.EDGE_SIGNING_KEYS_RAW = ""
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="EDGE_SIGNING_KEYS"):
        token_issue(session_id="s", path_prefix="hls/x/")
