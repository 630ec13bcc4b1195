"""Reading what a source is (ffprobe), and refusing what we cannot or
should not encode, with a reason a person can act on."""
from __future__ import annotations

import json
import subprocess
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from pathlib import Path

from .errors import MediaError, explain, scrub
from .inputs import MediaInput, ffprobe_bin

# Limits on what we accept as a source.
MIN_SIDE, MAX_SIDE = 32, 8192
MAX_ASPECT = 4.0
MAX_DURATION = 12 * 3600
MAX_FPS = 240


@dataclass
class SourceInfo:
    width: int  # as displayed (rotation applied)
    height: int
    coded_width: int
    coded_height: int
    rotation: int
    frame_rate: str  # a fraction, "30000/1001"
    duration: float
    video_start: float
    frames: int
    has_audio: bool
    video_codec: str
    audio_codec: str = ""
    format_name: str = ""
    bit_rate: int = 0
    warnings: list[str] = field(default_factory=list)
    # Every audio and subtitle stream, in file order (``streams_describe``).
    audio_streams: list[dict] = field(default_factory=list)
    subtitle_streams: list[dict] = field(default_factory=list)

    @property
    def fps(self) -> Fraction:
        return Fraction(self.frame_rate)

    def as_dict(self) -> dict:
        return asdict(self)


def ffprobe_json(args: Sequence[str], *, timeout: float) -> dict:
    try:
        proc = subprocess.run(args, capture_output=True, timeout=timeout, check=False)
    except FileNotFoundError as exc:
        raise MediaError(f"{args[0]} is not installed on this worker.", retryable=True) from exc
    except subprocess.TimeoutExpired as exc:
        raise MediaError("Reading the file took too long; it may be damaged.", detail=str(exc)) from exc
    if proc.returncode != 0:
        stderr = proc.stderr.decode(errors="replace")
        raise MediaError(explain(stderr), detail=scrub(stderr))
    return json.loads(proc.stdout or b"{}")


def _looks_like_text(head: bytes) -> bool:
    if not head or b"\x00" in head:
        return False
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return sum(ch.isprintable() or ch in "\r\n\t" for ch in text) / len(text) > 0.95


def source_precheck(*, head: bytes, size: int) -> None:
    """Refuse, before ffmpeg runs, what its first bytes already give away."""
    if size == 0:
        raise MediaError("The uploaded file is empty (0 bytes).")
    head = head.lstrip(b"\xef\xbb\xbf")
    if head.startswith(b"#EXTM3U") or head.startswith(b"ffconcat") or head.startswith(b"file '"):
        raise MediaError(
            "The file is a playlist that points at other files or URLs; upload the video file itself."
        )
    if _looks_like_text(head):
        raise MediaError("This is not a video file ffmpeg can read: it contains text.")


def probe(source: MediaInput, *, head: bytes | None = None, size: int | None = None,
          count_packets: bool = True, timeout: float = 600) -> SourceInfo:
    """Read what a source is, and refuse what we cannot or should not encode.

    A local source is pre-checked from its own first bytes; for a remote one
    the caller passes ``head`` and ``size`` read from storage."""
    if not source.remote:
        path = Path(source.location)
        if not path.exists():
            raise MediaError("The source file is missing from storage.")
        with path.open("rb") as fh:
            head, size = fh.read(512), path.stat().st_size
    if head is not None and size is not None:
        source_precheck(head=head, size=size)
    args = [ffprobe_bin(), "-v", "error", "-of", "json", "-show_format", "-show_streams"]
    if count_packets:
        args.append("-count_packets")
    for key, value in source.options().items():
        args += [f"-{key}", value]
    args.append(source.location)
    data = ffprobe_json(args, timeout=timeout)
    return _source_info(data)


def _rotation(stream: dict) -> int:
    for side in stream.get("side_data_list", []) or []:
        if "rotation" in side:
            return int(round(float(side["rotation"]))) % 360
    tag = (stream.get("tags") or {}).get("rotate")
    return int(tag) % 360 if tag else 0


def _source_info(data: dict) -> SourceInfo:
    streams = data.get("streams", [])
    fmt = data.get("format", {})
    videos = [
        s for s in streams
        if s.get("codec_type") == "video" and not (s.get("disposition") or {}).get("attached_pic")
    ]
    audios = [s for s in streams if s.get("codec_type") == "audio"]
    if not videos:
        if audios:
            raise MediaError("The file has no video stream (it looks like audio only).")
        raise MediaError("The file has no video stream.")
    v = videos[0]
    coded_w, coded_h = int(v.get("width") or 0), int(v.get("height") or 0)
    rotation = _rotation(v)
    w, h = (coded_h, coded_w) if rotation in (90, 270) else (coded_w, coded_h)
    if not (MIN_SIDE <= min(w, h) and max(w, h) <= MAX_SIDE):
        raise MediaError(
            f"The picture is {w}×{h}; sources must be between {MIN_SIDE} and {MAX_SIDE} pixels on each side."
        )
    if max(w, h) / min(w, h) > MAX_ASPECT:
        raise MediaError(f"The picture is {w}×{h}, an aspect ratio over {MAX_ASPECT:g}:1; is it really a video?")
    fps = _frame_rate(v)
    if not (0 < fps <= MAX_FPS):
        raise MediaError(f"The frame rate ({float(fps):.2f} fps) is not something we can encode.")
    duration = _float(v.get("duration")) or _float(fmt.get("duration"))
    if not duration or duration <= 0:
        raise MediaError("The file has no duration; it may be truncated or a single picture.")
    if duration > MAX_DURATION:
        raise MediaError(f"The video lasts {duration / 3600:.1f} hours; the limit is {MAX_DURATION // 3600} hours.")
    declared = int(v.get("nb_frames") or 0)
    read = int(v.get("nb_read_packets") or 0)
    warnings: list[str] = []
    if declared and "nb_read_packets" in v and read < declared * 0.98:
        raise MediaError(
            f"The file is truncated or damaged: its index lists {declared} frames but only {read} are there."
        )
    frames = declared or read or int(round(duration * float(fps)))
    return SourceInfo(
        width=w, height=h, coded_width=coded_w, coded_height=coded_h, rotation=rotation,
        frame_rate=f"{fps.numerator}/{fps.denominator}", duration=float(duration),
        video_start=_float(v.get("start_time")) or 0.0, frames=frames,
        has_audio=bool(audios), video_codec=v.get("codec_name", ""),
        audio_codec=audios[0].get("codec_name", "") if audios else "",
        format_name=fmt.get("format_name", ""), bit_rate=int(fmt.get("bit_rate") or 0),
        warnings=warnings, audio_streams=[_audio_stream(s) for s in audios],
        subtitle_streams=[_subtitle_stream(s) for s in streams if s.get("codec_type") == "subtitle"],
    )


# Subtitle codecs ffmpeg turns into WebVTT (text); the bitmap ones are pictures.
TEXT_SUBTITLE_CODECS = frozenset({"mov_text", "subrip", "srt", "ass", "ssa", "webvtt", "text"})
BITMAP_SUBTITLE_CODECS = frozenset({"hdmv_pgs_subtitle", "dvb_subtitle", "dvd_subtitle", "xsub"})


def _tags(stream: dict) -> dict[str, str]:
    return {str(k).lower(): str(v) for k, v in (stream.get("tags") or {}).items()}


def _audio_stream(stream: dict) -> dict:
    tags, disposition = _tags(stream), stream.get("disposition") or {}
    title = tags.get("title", "")
    return {
        "index": int(stream.get("index", 0)), "codec": stream.get("codec_name", ""),
        "language": tags.get("language", ""), "title": title,
        "channels": int(stream.get("channels") or 0), "default": bool(disposition.get("default")),
        # Matroska's flag, or a title saying so ("Audio Description", "AD").
        "described": bool(disposition.get("visual_impaired"))
        or "audio description" in title.lower() or "described" in title.lower(),
    }


def _subtitle_stream(stream: dict) -> dict:
    tags, disposition = _tags(stream), stream.get("disposition") or {}
    codec = stream.get("codec_name", "") or ""
    return {
        "index": int(stream.get("index", 0)), "codec": codec, "language": tags.get("language", ""),
        "title": tags.get("title", ""), "forced": bool(disposition.get("forced")),
        "hearing_impaired": bool(disposition.get("hearing_impaired")) or "sdh" in tags.get("title", "").lower(),
        "text": codec in TEXT_SUBTITLE_CODECS,
    }


def _float(value) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _frame_rate(stream: dict) -> Fraction:
    for key in ("avg_frame_rate", "r_frame_rate"):
        raw = stream.get(key) or "0/0"
        num, _, den = raw.partition("/")
        if den and int(den) and int(num):
            return Fraction(int(num), int(den)).limit_denominator(1001)
    return Fraction(0)


