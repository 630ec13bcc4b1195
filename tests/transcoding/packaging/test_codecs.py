"""CODECS strings from real init segments, each field cross-checked against
ffprobe and against the parameter sets in the bitstream itself."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.transcoding.codec_media import (
    FMP4,
    av1_sequence_header,
    ffmpeg,
    h264_sps_codec,
    hevc_sps_ptl,
    obus,
    stream,
    video_samples,
)
from transcoding.packaging.codecs import CodecError, codecs_from_init, hevc_codec, track_codecs
from transcoding.packaging.isobmff import BoxError, find, tracks

VIDEO = ["-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30:duration=1"]
AUDIO = ["-f", "lavfi", "-i", "sine=frequency=440:duration=1"]

PROFILE_IDC = {"Main": 1, "Main 10": 2}


def _encode(tmp_path: Path, name: str, *args: str) -> tuple[Path, bytes]:
    out = tmp_path / f"{name}.mp4"
    ffmpeg(*args, *FMP4, str(out))
    return out, out.read_bytes()


def _reverse32(value: int) -> int:
    return int(f"{value:032b}"[::-1], 2)


def test_h264_high_matches_ffprobe_and_sps(tmp_path):
    path, data = _encode(tmp_path, "avc", *VIDEO, "-c:v", "libx264", "-profile:v", "high", "-pix_fmt", "yuv420p")
    codec, info, sps = codecs_from_init(data), stream(path), h264_sps_codec(path)
    assert codec == f"avc1.{sps}"
    assert info["profile"] == "High" and int(sps[0:2], 16) == 100
    assert int(sps[4:6], 16) == info["level"]


def test_h264_level_40_is_the_reference_string(tmp_path):
    path, data = _encode(tmp_path, "avc40", *VIDEO, "-c:v", "libx264", "-profile:v", "high", "-level:v", "4.0")
    assert codecs_from_init(data) == "avc1.640028"  # MEDIA.md: High 4.0


def test_hevc_main_hvc1_every_field_from_the_sps(tmp_path):
    path, data = _encode(tmp_path, "hvc1", *VIDEO, "-c:v", "libx265", "-tag:v", "hvc1",
                         "-x265-params", "log-level=error")
    codec = codecs_from_init(data)
    info, ptl = stream(path), hevc_sps_ptl(path)
    assert info["codec_tag_string"] == "hvc1" and info["profile"] == "Main"
    constraints = bytes(ptl["constraints"]).rstrip(b"\x00")
    expected = ".".join(
        ["hvc1", str(ptl["profile_idc"]), f"{_reverse32(ptl['compat']):X}",
         f"{'H' if ptl['tier'] else 'L'}{ptl['level_idc']}"] + [f"{b:02X}" for b in constraints]
    )
    assert codec == expected
    assert ptl["profile_idc"] == PROFILE_IDC[info["profile"]] and ptl["level_idc"] == info["level"]


def test_hevc_main_level_40_main_tier_is_the_reference_string(tmp_path):
    _, data = _encode(tmp_path, "l120", *VIDEO, "-c:v", "libx265", "-tag:v", "hvc1",
                      "-x265-params", "level-idc=4:high-tier=0:log-level=error")
    assert codecs_from_init(data) == "hvc1.1.6.L120.90"  # MEDIA.md: Main 4.0


def test_hevc_high_tier_and_hev1_entry(tmp_path):
    # x265 signals High tier when a level is given and high-tier is allowed.
    path, data = _encode(tmp_path, "hev1", *VIDEO, "-c:v", "libx265", "-b:v", "25M",
                         "-x265-params", "level-idc=41:high-tier=1:vbv-maxrate=30000:vbv-bufsize=30000:log-level=error")
    assert stream(path)["codec_tag_string"] == "hev1"
    assert hevc_sps_ptl(path)["tier"] == 1
    assert codecs_from_init(data) == "hev1.1.6.H123.90"


def test_hevc_string_rules_from_annex_e():
    # profile space 1 -> "A", compat flags bit-reversed, interior zero bytes kept, trailing dropped
    hvcc = bytes([1, (1 << 6) | (1 << 5) | 2, 0x20, 0, 0, 0, 0xB0, 0, 0x10, 0, 0, 0, 153]) + bytes(10)
    assert hevc_codec("hvc1", hvcc) == "hvc1.A2.4.H153.B0.00.10"
    no_constraints = bytes([1, 1, 0x60, 0, 0, 0, 0, 0, 0, 0, 0, 0, 93])
    assert hevc_codec("hev1", no_constraints) == "hev1.1.6.L93"


@pytest.mark.parametrize("pix_fmt,depth", [("yuv420p", "08"), ("yuv420p10le", "10")])
def test_av1_matches_ffprobe_and_sequence_header(tmp_path, pix_fmt, depth):
    path, data = _encode(tmp_path, f"av1{depth}", *VIDEO, "-c:v", "libsvtav1", "-preset", "12", "-pix_fmt", pix_fmt)
    codec = codecs_from_init(data)
    info = stream(path)
    _, samples = video_samples(data)
    first = data[samples[0].offset:samples[0].offset + samples[0].size]
    seq = next(av1_sequence_header(p) for t, p in obus(first) if t == 1)
    assert info["profile"] == "Main" and seq["profile"] == 0 and info["pix_fmt"] == pix_fmt
    assert codec == f"av01.{seq['profile']}.{seq['level']:02d}{'H' if seq['tier'] else 'M'}.{depth}"
    assert seq["level"] == info["level"]


def test_av1_level_40_is_the_reference_string(tmp_path):
    _, data = _encode(tmp_path, "av1l40", *VIDEO, "-c:v", "libsvtav1", "-preset", "12", "-level", "40")
    assert codecs_from_init(data) == "av01.0.08M.08"  # MEDIA.md: Main, level 4.0, Main tier, 8-bit


def test_aac_lc_and_an_other_object_type(tmp_path):
    path, data = _encode(tmp_path, "aac", *AUDIO, "-c:a", "aac", "-b:a", "96k")
    assert stream(path, "a")["profile"] == "LC"
    assert codecs_from_init(data) == "mp4a.40.2"
    path, data = _encode(tmp_path, "ltp", *AUDIO, "-c:a", "aac", "-strict", "-2", "-profile:a", "aac_ltp")
    assert stream(path, "a")["profile"] == "LTP"
    assert codecs_from_init(data) == "mp4a.40.4"


def test_opus(tmp_path):
    _, data = _encode(tmp_path, "opus", *AUDIO, "-c:a", "libopus")
    assert codecs_from_init(data) == "opus"


def test_muxed_audio_video_lists_both_in_track_order(tmp_path):
    _, data = _encode(tmp_path, "av", *VIDEO, *AUDIO, "-c:v", "libx264", "-level:v", "4.0", "-c:a", "aac")
    assert codecs_from_init(data) == "avc1.640028,mp4a.40.2"
    assert [t.handler for t, _ in track_codecs(data)] == ["vide", "soun"]


def test_hls_fmp4_init_segment_from_the_hls_muxer(tmp_path):
    """The packaging path: ffmpeg's HLS muxer writes init.mp4 + seg_*.m4s."""
    out = tmp_path / "hls"
    out.mkdir()
    ffmpeg(*VIDEO, "-c:v", "libx265", "-tag:v", "hvc1", "-x265-params", "level-idc=4:high-tier=0:log-level=error",
           "-f", "hls", "-hls_segment_type", "fmp4", "-hls_time", "1", "-hls_playlist_type", "vod",
           "-hls_fmp4_init_filename", "init.mp4", "-hls_segment_filename", str(out / "seg_%05d.m4s"),
           str(out / "index.m3u8"))
    init = (out / "init.mp4").read_bytes()
    assert find(init, "moof") is None  # an init segment, no media
    assert codecs_from_init(init) == "hvc1.1.6.L120.90"
    assert tracks(init)[0].entry.type == "hvc1"


def test_not_an_init_segment_is_refused(tmp_path):
    _, data = _encode(tmp_path, "x", *VIDEO, "-c:v", "libx264")
    with pytest.raises(BoxError):
        codecs_from_init(data[find(data, "moov").end:])  # fragments only
    with pytest.raises(BoxError):
        codecs_from_init(data[:find(data, "moov").end - 10])  # truncated moov


def test_unknown_sample_entry_is_refused(tmp_path):
    _, data = _encode(tmp_path, "mjpeg", *VIDEO, "-c:v", "mjpeg")
    with pytest.raises(CodecError, match="mp4v|jpeg"):
        codecs_from_init(data)
