"""Uploads are never served or executed from the app's origin, and ffmpeg
only opens what the code built.

See also: tests/transcoding/services/test_pipeline.py (a bait HTTP server that
crafted playlists name is never contacted), tests/test_settings.py
(`check --deploy` is clean with production settings), tests/edge/test_signing.py
(forged, expired, rotated-out and out-of-prefix tokens)."""
from __future__ import annotations

from fractions import Fraction

import pytest
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.test import Client

from catalog.services import title_create, video_create
from edge.media_types import media_type_for
from edge.signing import token_issue, video_path_prefix
from tests.conftest import ROOT
from transcoding import ffmpeg
from transcoding.ffmpeg import probing, results
from transcoding.ladder import Rung

SECRET_BYTES = b"<html><script>alert('uploaded')</script></html>" + b"S0URCE-MARKER" * 20


@pytest.fixture
def uploaded(db, settings):
    settings.DEBUG = False  # production routing: no MEDIA_URL view
    settings.TRANSCODE_ON_UPLOAD = False
    video = video_create(title=title_create(name="Upload"), source=ContentFile(SECRET_BYTES, name="evil.html"))
    staff = get_user_model().objects.create_superuser("root", "root@example.com", "a-Strong-pass-123")
    client = Client()
    client.force_login(staff)
    return video, client


def test_a_source_is_not_fetchable_through_any_app_url(uploaded):
    video, staff = uploaded
    key = video.source.name
    assert key and not key.startswith("hls/")
    token = token_issue(session_id="s", path_prefix=video_path_prefix(video.public_id))
    wide = token_issue(session_id="s", path_prefix="hls/")
    candidates = [
        f"/media/{key}", f"/static/{key}", f"/{key}", f"/static/../media/{key}",
        f"/edge/origin/t/{token}/hls/{video.public_id}/../../{key}",
        f"/edge/origin/t/{token}/hls/{video.public_id}/%2e%2e/%2e%2e/{key}",
        f"/edge/origin/t/{wide}/hls/../{key}",
        f"/edge/origin/t/{wide}/hls/{key}",
        f"/edge/origin/t/{token}/hls/{video.public_id}//{key}",
    ]
    for client in (Client(), staff):
        for url in candidates:
            response = client.get(url)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            assert response.status_code in (400, 403, 404), f"{url}: {response.status_code}"
            assert b"S0URCE-MARKER" not in body, f"{url} served the uploaded source"


def test_the_origin_serves_only_hls_keys_with_media_types(uploaded, settings):
    video, _ = uploaded
    # Even a file named .html inside a ladder folder goes out as bytes, never as a page.
    assert media_type_for(f"hls/{video.public_id}/evil.html") == "application/octet-stream"
    assert media_type_for(f"hls/{video.public_id}/evil.svg") == "application/octet-stream"
    response = Client().get(f"/edge/origin/t/not-a-token/hls/{video.public_id}/master.m3u8")
    assert response.status_code == 403


def test_no_media_url_route_in_production(settings):
    from django.urls import Resolver404, resolve

    settings.DEBUG = False
    with pytest.raises(Resolver404):
        resolve(f"{settings.MEDIA_URL}sources/anything.mp4")


# --- ffmpeg only opens what the code built --------------------------------------------


def inputs_are_whitelisted(argv: list[str], *, remote: bool, own_playlists: bool = False) -> None:
    """Every input (each -i, or ffprobe's trailing path) is preceded by its own
    -protocol_whitelist and -format_whitelist, and the protocol list allows no
    playlist-style indirection (our own HLS output may be read back with the
    hls demuxer, on the file protocol only)."""
    positions = [i + 1 for i, a in enumerate(argv) if a == "-i"] or [len(argv) - 1]
    start = 0
    for pos in positions:
        options = argv[start:pos]
        assert "-protocol_whitelist" in options and "-format_whitelist" in options, (pos, argv)
        protocols = options[options.index("-protocol_whitelist") + 1].split(",")
        formats = options[options.index("-format_whitelist") + 1].split(",")
        assert set(protocols) <= ({"http", "https", "tcp", "tls"} if remote else {"file"}), protocols
        assert not ({"concat", "ffconcat", "image2", "lavfi", "data", "subfile", "crypto"} | ({"hls"} if not own_playlists else set())) & set(formats + protocols), formats
        start = pos + 1


SOURCES = [
    ffmpeg.MediaInput.local("/srv/uploads/film.mov"),
    ffmpeg.MediaInput(location="https://s3.example.org/bucket/sources/film.mov?X-Amz-Signature=abc", remote=True),
]


@pytest.mark.parametrize("source", SOURCES, ids=["local", "signed-url"])
def test_every_ffmpeg_command_for_a_source_whitelists_protocols_and_demuxers(source, monkeypatch, tmp_path):
    rung = Rung(name="v360", width=640, height=360, bitrate=800_000)
    commands = [
        *(ffmpeg.chunk_args(source=source, video_start=0.0, fps=Fraction(30), start_frame=0, end_frame=60,
                            rungs=[rung], outputs=[tmp_path / "v360.ts"], gop=60, preset=preset, codec=codec)
          for codec, preset in (("h264", "veryfast"), ("hevc", "medium"), ("av1", "8"))),
        ffmpeg.audio_args(source=source, output=tmp_path / "audio.mp4", bitrate=128_000),
    ]
    seen = []
    monkeypatch.setattr(probing, "ffprobe_json", lambda args, timeout: seen.append(list(args)) or {})
    if not source.remote:
        path = tmp_path / "film.mov"
        path.write_bytes(b"\x00\x00\x00\x18ftypqt  " + b"\x00" * 64)
        source = ffmpeg.MediaInput.local(path)
    with pytest.raises(ffmpeg.MediaError):
        ffmpeg.probe(source)  # our fake ffprobe answers nothing; we only want its argv
    assert seen, "probe ran ffprobe"
    for argv in [*commands, *seen]:
        inputs_are_whitelisted(argv, remote=source.remote)


@pytest.mark.parametrize("source", SOURCES, ids=["local", "signed-url"])
def test_the_probe_s_packet_scan_whitelists_too(source, monkeypatch, tmp_path):
    """The probe's second ffprobe (every packet's timestamps) opens the
    source with the same whitelists as the first."""
    stream = {"index": 0, "codec_type": "video", "width": 640, "height": 360, "avg_frame_rate": "30/1",
              "time_base": "1/30", "duration": "2.0"}
    monkeypatch.setattr(probing, "ffprobe_json", lambda args, timeout: {"streams": [stream], "format": {}})
    scans = []
    monkeypatch.setattr(probing, "packet_scan", lambda args, timeout: scans.append(list(args)) or probing.PacketScan(
        count=60, span=59, shortest=1))
    if not source.remote:
        path = tmp_path / "film.mov"
        path.write_bytes(b"\x00\x00\x00\x18ftypqt  " + b"\x00" * 64)
        source = ffmpeg.MediaInput.local(path)
    info = ffmpeg.probe(source)
    assert info.frames == 60 and not info.vfr
    assert len(scans) == 1
    inputs_are_whitelisted(scans[0], remote=source.remote)

def test_commands_on_our_own_intermediates_are_whitelisted_too(tmp_path, monkeypatch):
    ts = tmp_path / "joined.ts"
    commands = [
        ffmpeg.hls_args(input_path=ts, out_dir=tmp_path, segment_seconds=6, offset=0.0, stream="v"),
        ffmpeg.hls_args(input_path=tmp_path / "joined.obu", out_dir=tmp_path, segment_seconds=6, offset=0.0,
                        stream="v:0", container="obu", fps=Fraction(30)),
        ffmpeg.decode_args(input_path=tmp_path / "index.m3u8", demuxers=ffmpeg.PLAYLIST_DEMUXERS),
        ffmpeg.poster_args(input_path=ts, output=tmp_path / "poster.jpg", at=1.0, height=360),
        ffmpeg.sprite_args(input_path=ts, output=tmp_path / "sprite.jpg", every=5, width=160, height=90,
                           columns=5, rows=5),
    ]
    seen = []
    monkeypatch.setattr(results, "ffprobe_json", lambda args, timeout: seen.append(list(args)) or {"packets": [
        {"pts_time": "1.0"}]})
    ffmpeg.stream_info(ts)
    ffmpeg.first_pts(ts)
    for argv in [*commands, *seen]:
        inputs_are_whitelisted(argv, remote=False, own_playlists=True)


FFMPEG_SPELLINGS = ("-protocol_whitelist", "-format_whitelist", '"-i"', "'-i'", '"-c:v"', "libx264", '"-preset"')


def test_no_other_module_spells_an_ffmpeg_command():
    """The transcoding/ffmpeg package is the only code that spells ffmpeg flags:
    the apps, the benchmarks and the test fixtures build their commands with it."""
    root = ROOT
    package = root / "transcoding" / "ffmpeg"
    offenders = []
    folders = [root / app for app in ("streaming", "catalog", "transcoding", "edge", "bench")]
    for py in [p for folder in folders for p in folder.rglob("*.py")] + list((root / "tests" / "fixtures").rglob("*.py")):
        if package in py.parents:
            continue
        text = py.read_text()
        if any(spelling in text for spelling in FFMPEG_SPELLINGS):
            offenders.append(str(py.relative_to(root)))
    assert offenders == []
