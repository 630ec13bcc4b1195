"""Real media for the codec tests: tiny ffmpeg encodes, ffprobe facts and an
independent look at the bitstreams (parameter sets, NAL unit types, AV1
frame headers), so CODECS strings and keyframe claims are checked against
what the encoder actually wrote, not against the code under test."""
from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

from transcoding.packaging.isobmff import Sample, iter_samples, tracks

FMP4 = ["-f", "mp4", "-movflags", "+frag_keyframe+empty_moov+default_base_moof"]
# SVT-AV1 logs through its own logger: keep warnings and errors only.
ENV = {**os.environ, "SVT_LOG": "2"}


def ffmpeg(*args: str) -> None:
    proc = subprocess.run(["ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *args],
                          capture_output=True, text=True, env=ENV)
    if proc.returncode != 0:
        raise AssertionError(f"ffmpeg failed: {proc.stderr[-2000:]}")


def ffprobe(path: Path, *args: str) -> dict:
    out = subprocess.run(["ffprobe", "-v", "error", "-of", "json", *args, str(path)],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def stream(path: Path, kind: str = "v") -> dict:
    return ffprobe(path, "-select_streams", kind, "-show_streams")["streams"][0]


def cut_clip(path: Path, *, size: str = "320x180", rate: int = 30, seconds: float = 3.0,
             noise: int = 10) -> Path:
    """testsrc2 then smptebars, a hard cut at ``seconds`` (off the 2 s grid
    for 3 s), with temporal noise so rate control has real work to do."""
    ffmpeg("-f", "lavfi", "-i", f"testsrc2=size={size}:rate={rate}:duration={seconds}",
           "-f", "lavfi", "-i", f"smptebars=size={size}:rate={rate}:duration={seconds}",
           "-filter_complex", f"[0:v][1:v]concat=n=2:v=1,noise=alls={noise}:allf=t+u,format=yuv420p[v]",
           "-map", "[v]", "-c:v", "ffv1", str(path))
    return path


def video_samples(mp4: bytes) -> tuple[int, list[Sample]]:
    """(timescale, samples of the video track in decode order)."""
    video = next(t for t in tracks(mp4) if t.handler == "vide")
    return video.timescale, [s for s in iter_samples(mp4, mp4) if s.track_id == video.track_id]


def keyframe_times(path: Path) -> list[Fraction]:
    """Presentation times (relative to the first frame) of decoded key frames, from ffprobe."""
    frames = ffprobe(path, "-select_streams", "v", "-show_frames", "-show_entries",
                     "frame=key_frame,pts")["frames"]
    tb = Fraction(stream(path)["time_base"])
    first = min(int(f["pts"]) for f in frames)
    return sorted((int(f["pts"]) - first) * tb for f in frames if f["key_frame"])


def length_prefixed_nals(data: bytes, size: int = 4) -> list[bytes]:
    nals, pos = [], 0
    while pos + size <= len(data):
        n = int.from_bytes(data[pos:pos + size], "big")
        nals.append(data[pos + size:pos + size + n])
        pos += size + n
    return nals


def h264_nal_type(nal: bytes) -> int:
    return nal[0] & 0x1F


def hevc_nal_type(nal: bytes) -> int:
    return (nal[0] >> 1) & 0x3F


def unescape(nal: bytes) -> bytes:
    """Drop emulation prevention bytes (00 00 03 -> 00 00)."""
    out, zeros = bytearray(), 0
    for b in nal:
        if zeros >= 2 and b == 3:
            zeros = 0
            continue
        out.append(b)
        zeros = zeros + 1 if b == 0 else 0
    return bytes(out)


def annexb_nals(data: bytes) -> list[bytes]:
    parts = data.split(b"\x00\x00\x01")
    return [p.rstrip(b"\x00") for p in parts[1:] if p]


def elementary_stream(path: Path, fmt: str, bsf: str) -> bytes:
    return subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-map", "0:v", "-c", "copy",
                           "-bsf:v", bsf, "-f", fmt, "-"], capture_output=True, check=True).stdout


def h264_sps_codec(path: Path) -> str:
    """avc1.PPCCLL straight from the SPS in the bitstream."""
    sps = next(n for n in annexb_nals(elementary_stream(path, "h264", "h264_mp4toannexb")) if h264_nal_type(n) == 7)
    return f"{sps[1]:02x}{sps[2]:02x}{sps[3]:02x}"


def hevc_sps_ptl(path: Path) -> dict:
    """general profile_tier_level() of the first SPS (H.265 7.3.3)."""
    sps = next(n for n in annexb_nals(elementary_stream(path, "hevc", "hevc_mp4toannexb")) if hevc_nal_type(n) == 33)
    ptl = unescape(sps)[3:]  # 2-byte NAL header, then vps id/max sub layers/nesting (1 byte)
    return {
        "profile_space": ptl[0] >> 6, "tier": (ptl[0] >> 5) & 1, "profile_idc": ptl[0] & 0x1F,
        "compat": int.from_bytes(ptl[1:5], "big"), "constraints": ptl[5:11], "level_idc": ptl[11],
    }


def leb128(data: bytes, pos: int) -> tuple[int, int]:
    value = 0
    for i in range(8):
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << (7 * i)
        if not byte & 0x80:
            break
    return value, pos


def obus(data: bytes) -> list[tuple[int, bytes]]:
    """(obu_type, payload) for a sample of low-overhead AV1 OBUs."""
    out, pos = [], 0
    while pos < len(data):
        header = data[pos]
        obu_type, has_ext, has_size = (header >> 3) & 0xF, (header >> 2) & 1, (header >> 1) & 1
        pos += 1 + has_ext
        if has_size:
            size, pos = leb128(data, pos)
        else:
            size = len(data) - pos
        out.append((obu_type, data[pos:pos + size]))
        pos += size
    return out


class Bits:
    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def read(self, n: int) -> int:
        value = 0
        for _ in range(n):
            byte = self.data[self.pos >> 3]
            value = (value << 1) | ((byte >> (7 - (self.pos & 7))) & 1)
            self.pos += 1
        return value


def av1_sequence_header(payload: bytes) -> dict:
    """seq_profile, seq_level_idx[0], seq_tier[0] (AV1 spec 5.5.1)."""
    b = Bits(payload)
    profile, _still, reduced = b.read(3), b.read(1), b.read(1)
    if reduced:
        return {"profile": profile, "level": b.read(5), "tier": 0}
    decoder_model = 0
    if b.read(1):  # timing_info_present_flag
        b.read(32), b.read(32)
        if b.read(1):  # equal_picture_interval: uvlc
            zeros = 0
            while not b.read(1):
                zeros += 1
            b.read(zeros)
        decoder_model = b.read(1)
        if decoder_model:
            b.read(5), b.read(32), b.read(5), b.read(5)
    b.read(1)  # initial_display_delay_present_flag (only matters after op 0's level/tier)
    b.read(5)  # operating_points_cnt_minus_1
    b.read(12)  # operating_point_idc[0]
    level = b.read(5)
    tier = b.read(1) if level > 7 else 0
    return {"profile": profile, "level": level, "tier": tier}


def av1_frame_headers(sample: bytes) -> list[dict]:
    """show_existing_frame, frame_type, show_frame of each frame header in a sample."""
    out = []
    for obu_type, payload in obus(sample):
        if obu_type in (3, 6):  # OBU_FRAME_HEADER, OBU_FRAME
            b = Bits(payload)
            existing = b.read(1)
            if existing:
                out.append({"show_existing": 1, "frame_type": None, "show_frame": 1})
            else:
                out.append({"show_existing": 0, "frame_type": b.read(2), "show_frame": b.read(1)})
    return out


def grid(seconds: float, step: int = 2) -> list[Fraction]:
    return [Fraction(t) for t in range(0, int(seconds + 0.999), step) if t < seconds]


def encode(src: Path, out: Path, options: Sequence[str]) -> bytes:
    ffmpeg("-i", str(src), *options, *FMP4, str(out))
    return out.read_bytes()
