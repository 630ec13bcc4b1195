"""Reading what a source is (ffprobe), and refusing what we cannot or
should not encode, with a reason a person can act on."""
from __future__ import annotations

import json
import subprocess
import tempfile
import threading
from array import array
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
# A source is variable-rate when a rate sustained over three frames runs this
# much above its average (ms timestamps jitter a CFR source by ~3%).
VFR_MARGIN = 1.05
# Rates a variable-rate source is encoded at: the first at or above its
# fastest stretch. Whole numbers only: 60 for a 59.94 burst repeats one frame
# in a thousand, 59.94 for a 60 one would drop one (millisecond timestamps
# cannot tell them apart).
VFR_RATES = (24, 25, 30, 48, 50, 60, 72, 90, 100, 120, 144, 240)
# Field orders (ffprobe's ``field_order``) of interlaced sources, and which
# field is shown first: t(op) or b(ottom) coded first, then displayed first.
INTERLACED = {"tt": "tff", "bt": "tff", "bb": "bff", "tb": "bff"}


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
    # Timing, from every packet's timestamp (``-count_packets`` alone does
    # not say): ``frame_rate`` is the average; a variable-rate source
    # (``vfr``) also has the rate of its fastest stretch, rounded up to a
    # whole one (``max_frame_rate``), which the pipeline encodes at so that
    # no frame is dropped.
    vfr: bool = False
    max_frame_rate: str = ""
    # ffprobe's field_order: "progressive", "tt", "bb", "tb", "bt", "unknown" or "".
    field_order: str = ""
    # Every audio and subtitle stream, in file order (``streams_describe``).
    audio_streams: list[dict] = field(default_factory=list)
    subtitle_streams: list[dict] = field(default_factory=list)

    @property
    def fps(self) -> Fraction:
        return Fraction(self.frame_rate)

    @property
    def parity(self) -> str:
        """"tff"/"bff" for an interlaced source (which field comes first), else ""."""
        return INTERLACED.get(self.field_order, "")

    @property
    def motion_fps(self) -> Fraction:
        """How often the source samples motion, what the pipeline keeps (up
        to the profile's cap): its fastest stretch for a variable-rate
        source; twice the frame rate for an interlaced one (each field is a
        moment of its own, deinterlaced into a frame of its own)."""
        rate = Fraction(self.max_frame_rate) if self.vfr and self.max_frame_rate else self.fps
        return rate * 2 if self.parity else rate

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
    options = [arg for key, value in source.options().items() for arg in (f"-{key}", value)]
    args = [ffprobe_bin(), "-v", "error", "-of", "json", "-show_format", "-show_streams", *options, source.location]
    data = ffprobe_json(args, timeout=timeout)
    scan = None
    if count_packets:
        video = _video_stream(data)
        scan = packet_scan([ffprobe_bin(), "-v", "error", "-select_streams", str(int(video.get("index") or 0)),
                            "-show_entries", "packet=pts,dts", "-of", "csv=p=0", *options, source.location],
                           timeout=timeout)
    return _source_info(data, scan)


@dataclass(frozen=True)
class PacketScan:
    """Every packet of the video stream, read once: how many, and how fast
    the frames come (in the stream's time base)."""

    count: int
    span: int          # last timestamp - first
    shortest: int      # the shortest gap held over three frames in a row (0: unknown)


def packet_scan(args: Sequence[str], *, timeout: float) -> PacketScan:
    """Run ffprobe listing each packet's ``pts,dts`` (CSV) and read its lines
    as they come: a 12-hour source has millions of packets, too many to
    hold as JSON."""
    # Errors go to a file, not a pipe: a damaged file's messages could fill
    # a pipe nobody reads while stdout is being read, and both would wait.
    with tempfile.TemporaryFile() as errors:
        try:
            proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=errors)
        except FileNotFoundError as exc:
            raise MediaError(f"{args[0]} is not installed on this worker.", retryable=True) from exc
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        stamps = array("q")
        count = 0
        try:
            assert proc.stdout is not None
            for line in proc.stdout:
                if not line.strip():  # ffprobe's CSV has an empty line after some packets
                    continue
                count += 1
                for value in line.split(b",")[:2]:
                    if value.strip().lstrip(b"-").isdigit():
                        stamps.append(int(value))
                        break
            code = proc.wait()
        finally:
            timer.cancel()
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            if proc.stdout is not None:
                proc.stdout.close()
        errors.seek(0)
        stderr = errors.read(200_000).decode(errors="replace")
    if code != 0:
        if code < 0:
            raise MediaError("Reading the file took too long; it may be damaged.", detail=scrub(stderr))
        raise MediaError(explain(stderr), detail=scrub(stderr))
    return _scan_figures(count, stamps)


def _scan_figures(count: int, stamps: array) -> PacketScan:
    ordered = sorted(set(stamps))  # presentation order; a repeated timestamp is one moment
    gaps = [b - a for a, b in zip(ordered, ordered[1:], strict=False)]
    # A rate counts when it holds for three frames: one frame stamped early
    # (a glitch) does not make a whole title twice as fast.
    held = [max(a, b) for a, b in zip(gaps, gaps[1:], strict=False)]
    return PacketScan(count=count, span=(ordered[-1] - ordered[0]) if ordered else 0,
                      shortest=min(held) if held else 0)


def _rotation(stream: dict) -> int:
    for side in stream.get("side_data_list", []) or []:
        if "rotation" in side:
            return int(round(float(side["rotation"]))) % 360
    tag = (stream.get("tags") or {}).get("rotate")
    return int(tag) % 360 if tag else 0


def _video_stream(data: dict) -> dict:
    streams = data.get("streams", [])
    videos = [
        s for s in streams
        if s.get("codec_type") == "video" and not (s.get("disposition") or {}).get("attached_pic")
    ]
    if not videos:
        if any(s.get("codec_type") == "audio" for s in streams):
            raise MediaError("The file has no video stream (it looks like audio only).")
        raise MediaError("The file has no video stream.")
    return videos[0]


def _source_info(data: dict, scan: PacketScan | None = None) -> SourceInfo:
    streams = data.get("streams", [])
    fmt = data.get("format", {})
    audios = [s for s in streams if s.get("codec_type") == "audio"]
    v = _video_stream(data)
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
    if scan is not None:
        v = {**v, "nb_read_packets": scan.count}
    read = int(v.get("nb_read_packets") or 0)
    warnings: list[str] = []
    if declared and "nb_read_packets" in v and read < declared * 0.98:
        raise MediaError(
            f"The file is truncated or damaged: its index lists {declared} frames but only {read} are there."
        )
    frames = declared or read or int(round(duration * float(fps)))
    vfr, fastest = _variable_rate(v, scan, fps)
    return SourceInfo(
        width=w, height=h, coded_width=coded_w, coded_height=coded_h, rotation=rotation,
        frame_rate=f"{fps.numerator}/{fps.denominator}", duration=float(duration),
        video_start=_float(v.get("start_time")) or 0.0, frames=frames,
        has_audio=bool(audios), video_codec=v.get("codec_name", ""),
        audio_codec=audios[0].get("codec_name", "") if audios else "",
        format_name=fmt.get("format_name", ""), bit_rate=int(fmt.get("bit_rate") or 0),
        warnings=warnings, vfr=vfr, max_frame_rate=f"{fastest.numerator}/{fastest.denominator}" if vfr else "",
        field_order=str(v.get("field_order") or ""),
        audio_streams=[_audio_stream(s) for s in audios],
        subtitle_streams=[_subtitle_stream(s) for s in streams if s.get("codec_type") == "subtitle"],
    )


def _variable_rate(stream: dict, scan: PacketScan | None, average: Fraction) -> tuple[bool, Fraction]:
    """Whether the frames come faster in places than on average, and the
    rate to encode at so that none is dropped there: the container's own
    base rate (``r_frame_rate``) when it is that fast (within 5%), else the
    first of ``VFR_RATES`` at or above the fastest stretch."""
    tb = _fraction(stream.get("time_base"))
    if scan is None or not tb or scan.shortest <= 0 or scan.count < 4 or scan.span <= 0:
        return False, average
    fastest = 1 / (scan.shortest * tb)
    mean = (scan.count - 1) / (scan.span * tb)
    if fastest <= mean * VFR_MARGIN:  # the timestamps' mean: some containers claim their fastest rate as average
        return False, average
    base = _fraction(stream.get("r_frame_rate"))
    # The container's base rate when it is the fastest stretch's (60000/1001
    # stays exact); not a far higher one (a phone's 120 or 90000 time base
    # for a clip that never runs above 30 would double every frame).
    if base and fastest / VFR_MARGIN <= base <= min(fastest * VFR_MARGIN, MAX_FPS):
        return True, base.limit_denominator(1001)
    for rate in VFR_RATES:
        if rate * VFR_MARGIN >= fastest:
            return True, Fraction(rate)
    return True, Fraction(MAX_FPS)


def _fraction(raw) -> Fraction | None:
    num, _, den = str(raw or "").partition("/")
    try:
        value = Fraction(int(num), int(den or 1))
    except (ValueError, ZeroDivisionError):
        return None
    return value if value > 0 else None


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


