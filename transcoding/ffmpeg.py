"""Every ffmpeg and ffprobe call of the project goes through this module.

It builds argument lists (with ffmpeg-python as the command builder), runs
them with a progress callback fed by ``-progress``, and turns failures into
``MediaError`` with a message a person can act on.

Safety: ffmpeg only opens inputs the code built: a local file (``file``
protocol only) or a storage URL the code signed (``http(s)`` only), and only
through the container demuxers in ``SOURCE_DEMUXERS``. Playlists (hls, concat,
ffconcat), image sequences and the like are never allowed for sources, so a
crafted upload cannot make ffmpeg open other URLs or local files.
"""
from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Callable, Sequence

import ffmpeg as ffmpeg_builder
from django.conf import settings

logger = logging.getLogger(__name__)

# Demuxers a source may use: real containers, nothing that references other files.
SOURCE_DEMUXERS = ",".join(
    [
        "mov", "mp4", "m4a", "3gp", "3g2", "mj2",  # the mov demuxer's names
        "matroska", "webm", "avi", "mpegts", "mpeg", "mxf", "flv", "asf", "ogg", "wav",
    ]
)
LOCAL_PROTOCOLS = "file"
REMOTE_PROTOCOLS = "http,https,tcp,tls"
# Our own intermediates (local files the code wrote).
PACKAGE_DEMUXERS = "mpegts,mov,mp4,m4a"

# Limits on what we accept as a source.
MIN_SIDE, MAX_SIDE = 32, 8192
MAX_ASPECT = 4.0
MAX_DURATION = 12 * 3600
MAX_FPS = 240


def ffmpeg_bin() -> str:
    return getattr(settings, "FFMPEG_BINARY", "ffmpeg")


def ffprobe_bin() -> str:
    return getattr(settings, "FFPROBE_BINARY", "ffprobe")


class MediaError(Exception):
    """ffmpeg could not do it. ``message`` is meant for the person who uploaded."""

    def __init__(self, message: str, *, detail: str = "", retryable: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail
        self.retryable = retryable


@dataclass(frozen=True)
class MediaInput:
    """A local path or a signed storage URL, never a string from a user."""

    location: str
    remote: bool = False

    def options(self, demuxers: str = SOURCE_DEMUXERS) -> dict:
        return {
            "protocol_whitelist": REMOTE_PROTOCOLS if self.remote else LOCAL_PROTOCOLS,
            "format_whitelist": demuxers,
        }

    @classmethod
    def local(cls, path: str | os.PathLike) -> "MediaInput":
        return cls(location=str(Path(path).resolve()), remote=False)


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

    @property
    def fps(self) -> Fraction:
        return Fraction(self.frame_rate)

    def as_dict(self) -> dict:
        return asdict(self)


def _run_json(args: Sequence[str], *, timeout: float) -> dict:
    try:
        proc = subprocess.run(args, capture_output=True, timeout=timeout, check=False)
    except FileNotFoundError as exc:
        raise MediaError(f"{args[0]} is not installed on this worker.", retryable=True) from exc
    except subprocess.TimeoutExpired as exc:
        raise MediaError("Reading the file took too long; it may be damaged.", detail=str(exc)) from exc
    if proc.returncode != 0:
        stderr = proc.stderr.decode(errors="replace")
        raise MediaError(_explain(stderr), detail=URL_RE.sub("<source>", stderr))
    return json.loads(proc.stdout or b"{}")


URL_RE = re.compile(r"[a-z][a-z0-9+.-]*://\S+", re.IGNORECASE)


def _looks_like_text(head: bytes) -> bool:
    if not head or b"\x00" in head:
        return False
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return sum(ch.isprintable() or ch in "\r\n\t" for ch in text) / len(text) > 0.95


def _explain(stderr: str) -> str:
    """Turn ffmpeg's last words into a reason a person understands."""
    text = stderr.lower()
    if "moov atom not found" in text:
        return "The file is truncated or damaged: its index (moov atom) is missing. Upload the complete file."
    if "not in format whitelist" in text or "not on whitelist" in text or "protocol_whitelist" in text:
        return (
            "The file is a playlist or refers to other files or URLs; "
            "upload the video file itself (MP4, MOV, MKV...)."
        )
    if "invalid data found when processing input" in text or "could not find codec parameters" in text:
        return "This is not a video file ffmpeg can read (is it really a video?)."
    if "no such file or directory" in text:
        return "The source file is missing from storage."
    if "end of file" in text or "truncat" in text or "partial file" in text:
        return "The file is truncated or damaged."
    last = [line for line in stderr.strip().splitlines() if line.strip()][-1:] or ["unknown error"]
    # Never show a signed storage URL (or any URL) to the person reading the reason.
    detail = URL_RE.sub("<source>", last[0])[:300]
    return f"ffmpeg could not read the file: {detail}"


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
    data = _run_json(args, timeout=timeout)
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
    warnings = []
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
        warnings=warnings,
    )


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


# --- running ffmpeg -----------------------------------------------------------

ProgressCallback = Callable[[int], None]


def run(args: Sequence[str], *, on_frames: ProgressCallback | None = None,
        timeout: float | None = None, every: float = 0.5) -> None:
    """Run ffmpeg, calling ``on_frames(frames_done)`` at most every ``every`` s."""
    args = [args[0], "-hide_banner", "-nostdin", "-v", "error", "-progress", "pipe:1", "-nostats", *args[1:]]
    logger.debug("ffmpeg: %s", " ".join(args))
    with tempfile.TemporaryFile() as err:
        try:
            proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=err, stdin=subprocess.DEVNULL)
        except FileNotFoundError as exc:
            raise MediaError("ffmpeg is not installed on this worker.", retryable=True) from exc
        started, last = time.monotonic(), 0.0
        assert proc.stdout is not None
        for raw in proc.stdout:
            line = raw.decode(errors="replace").strip()
            if on_frames and line.startswith("frame="):
                now = time.monotonic()
                if now - last >= every:
                    last = now
                    try:
                        on_frames(int(line[6:]))
                    except ValueError:
                        pass
            if timeout and time.monotonic() - started > timeout:
                proc.kill()
                break
        code = proc.wait()
        err.seek(0)
        stderr = err.read().decode(errors="replace")
    if code != 0:
        raise MediaError(_explain(stderr), detail=URL_RE.sub("<source>", stderr)[-4000:], retryable=False)


@dataclass(frozen=True)
class RungSpec:
    name: str
    width: int
    height: int
    bitrate: int  # bits/s


def chunk_args(
    *, source: MediaInput, video_start: float, fps: Fraction, start_frame: int, end_frame: int,
    rungs: Sequence[RungSpec], outputs: Sequence[Path], gop: int, preset: str,
) -> list[str]:
    """Decode a chunk once, scale it to every rung, encode each to MPEG-TS.

    The cut is exact in output frames: after normalising the source's start
    and converting to a constant ``fps`` (pts = frame number), ``trim`` keeps
    frames [start_frame, end_frame). ``-copyts`` keeps those absolute
    timestamps, so chunks concatenate byte for byte into one continuous
    stream; every chunk starts on the keyframe grid (GOP-aligned, fixed GOP,
    no scene-cut keyframes), so all rungs share their segment boundaries.
    Timestamps are offset by 1 s and never shifted per chunk, so the B-frame
    reorder delay is the same in every chunk and joins neither gap nor overlap.
    The output is deterministic: the same chunk encodes to the same bytes.
    """
    start_s = float(Fraction(start_frame) / fps)
    end_s = float(Fraction(end_frame) / fps)
    seek = max(0.0, start_s - 1.0)
    stream = ffmpeg_builder.input(
        source.location, ss=f"{seek:.6f}", to=f"{end_s + 1.0:.6f}", **source.options()
    ).video
    stream = (
        stream.filter("setpts", f"PTS-{video_start:.6f}/TB")
        .filter("fps", fps=f"{fps.numerator}/{fps.denominator}")
        .filter("trim", start_pts=start_frame, end_pts=end_frame)
    )
    split = stream.filter_multi_output("split", len(rungs))
    outs = []
    for i, (rung, path) in enumerate(zip(rungs, outputs)):
        scaled = split.stream(i).filter("scale", rung.width, rung.height, flags="bicubic").filter(
            "format", "yuv420p"
        )
        outs.append(
            ffmpeg_builder.output(
                scaled, str(path), f="mpegts", vcodec="libx264", preset=preset,
                **{
                    "profile:v": "high", "b:v": rung.bitrate, "maxrate": int(rung.bitrate * 1.5),
                    "bufsize": int(rung.bitrate * 2), "g": gop, "keyint_min": gop,
                    "sc_threshold": 0, "bf": 3, "flags": "+cgop",
                    # One thread per encoder: x264's frame threads make VBV
                    # output differ run to run; single-threaded, a redelivered
                    # chunk writes the very same bytes. Cores are used by
                    # running chunks side by side (worker processes x threads).
                    "threads": 1,
                    "avoid_negative_ts": "disabled", "muxdelay": 0, "muxpreload": 0,
                    "output_ts_offset": 1,
                },
            )
        )
    cmd = ffmpeg_builder.merge_outputs(*outs).global_args("-copyts").overwrite_output()
    return cmd.compile(cmd=ffmpeg_bin())


def audio_args(*, source: MediaInput, output: Path, bitrate: int) -> list[str]:
    """The whole title's audio, once: AAC-LC stereo 48 kHz."""
    inp = ffmpeg_builder.input(source.location, **source.options())
    out = ffmpeg_builder.output(
        inp["a:0"], str(output), f="mp4", acodec="aac", ac=2, ar=48000,
        **{"b:a": bitrate}, vn=None,
    )
    return out.overwrite_output().compile(cmd=ffmpeg_bin())


def hls_args(*, input_path: Path, out_dir: Path, segment_seconds: int, offset: float,
             stream: str) -> list[str]:
    """Package one rung (stream "v") or the audio (stream "a") into fMP4 HLS
    with a stream copy; ``offset`` moves its timestamps (seconds)."""
    inp = ffmpeg_builder.input(
        str(input_path), itsoffset=f"{offset:.6f}",
        **MediaInput.local(input_path).options(PACKAGE_DEMUXERS),
    )
    out = ffmpeg_builder.output(
        inp[stream], str(out_dir / "index.m3u8"), f="hls", c="copy",
        hls_time=segment_seconds, hls_playlist_type="vod", hls_segment_type="fmp4",
        hls_fmp4_init_filename="init.mp4",
        hls_segment_filename=str(out_dir / "seg_%05d.m4s"),
        hls_flags="independent_segments",
    )
    return out.overwrite_output().compile(cmd=ffmpeg_bin())


def poster_args(*, input_path: Path, output: Path, at: float, height: int) -> list[str]:
    inp = ffmpeg_builder.input(str(input_path), ss=f"{at:.3f}", **MediaInput.local(input_path).options(PACKAGE_DEMUXERS))
    out = ffmpeg_builder.output(
        inp.video.filter("scale", -2, height), str(output), vframes=1, **{"q:v": 3}
    )
    return out.overwrite_output().compile(cmd=ffmpeg_bin())


def sprite_args(*, input_path: Path, output: Path, every: float, width: int, height: int,
                columns: int, rows: int) -> list[str]:
    """One JPEG of thumbnails, one every ``every`` seconds, for seek previews."""
    inp = ffmpeg_builder.input(str(input_path), **MediaInput.local(input_path).options(PACKAGE_DEMUXERS))
    stream = (
        inp.video.filter("fps", fps=f"1/{every:g}")
        .filter("scale", width, height)
        .filter("tile", f"{columns}x{rows}")
    )
    out = ffmpeg_builder.output(stream, str(output), vframes=1, **{"q:v": 4})
    return out.overwrite_output().compile(cmd=ffmpeg_bin())


# --- reading results ------------------------------------------------------------


@dataclass(frozen=True)
class Frame:
    pts: float
    key: bool
    pict_type: str


def frames(path: str | os.PathLike, *, stream: str = "v:0", demuxers: str | None = None) -> list[Frame]:
    """Every decoded frame's presentation time, in presentation order."""
    args = [ffprobe_bin(), "-v", "error", "-of", "json", "-select_streams", stream,
            "-show_entries", "frame=pts_time,key_frame,pict_type"]
    if demuxers:
        args += ["-format_whitelist", demuxers]
    data = _run_json([*args, "-protocol_whitelist", "file", str(path)], timeout=600)
    out = [
        Frame(pts=float(f["pts_time"]), key=bool(int(f.get("key_frame", 0))), pict_type=f.get("pict_type", "?"))
        for f in data.get("frames", []) if f.get("pts_time") not in (None, "N/A")
    ]
    return sorted(out, key=lambda f: f.pts)


def stream_info(path: str | os.PathLike, *, demuxers: str = PACKAGE_DEMUXERS) -> dict:
    """The first video or audio stream of a file we wrote (codec, profile, level...)."""
    args = [ffprobe_bin(), "-v", "error", "-of", "json", "-show_streams", "-show_format",
            "-format_whitelist", demuxers, "-protocol_whitelist", "file", str(path)]
    return _run_json(args, timeout=120)


PLAYLIST_DEMUXERS = "hls," + PACKAGE_DEMUXERS


def first_pts(path: str | os.PathLike, *, stream: str = "v:0", demuxers: str = PLAYLIST_DEMUXERS) -> float:
    """The earliest presentation time among a stream's first packets (our own files only)."""
    args = [ffprobe_bin(), "-v", "error", "-of", "json", "-select_streams", stream,
            "-show_entries", "packet=pts_time", "-read_intervals", "%+#8",
            "-format_whitelist", demuxers, "-protocol_whitelist", "file", str(path)]
    data = _run_json(args, timeout=60)
    values = [float(p["pts_time"]) for p in data.get("packets", []) if p.get("pts_time") not in (None, "N/A")]
    if not values:
        raise MediaError("The encoded stream has no frames.")
    return min(values)


def sample_args(*, output: Path, seconds: int, width: int, height: int, fps: int = 30,
                title: str = "Open Streaming demo", font_dir: str = "/usr/share/fonts/truetype/dejavu") -> list[str]:
    """A demo source made offline: a moving test card (with its running
    clock) and a two-voice tone, so a newcomer has something real to transcode."""
    video = ffmpeg_builder.input(f"testsrc2=size={width}x{height}:rate={fps}", f="lavfi", t=seconds).video
    bold, mono = Path(font_dir) / "DejaVuSans-Bold.ttf", Path(font_dir) / "DejaVuSansMono.ttf"
    if bold.exists() and mono.exists():
        video = video.drawtext(
            fontfile=str(bold), text=title, fontsize=height // 15, fontcolor="white", box=1,
            boxcolor="black@0.5", boxborderw=height // 54, x="(w-tw)/2", y="h*0.12",
        ).drawtext(
            # testsrc2 draws its own running clock in the corner.
            fontfile=str(mono), text=f"{width}x{height} {fps} fps test card", fontsize=height // 24,
            fontcolor="yellow", box=1,
            boxcolor="black@0.6", boxborderw=height // 90, x="(w-tw)/2", y="h*0.80",
        )
    melody = ("0.15*sin(2*PI*(220+55*floor(mod(t\\,8)))*t)|"
              "0.15*sin(2*PI*(330+55*floor(mod(t\\,6)))*t)")
    audio = ffmpeg_builder.input(f"aevalsrc={melody}:s=48000", f="lavfi", t=seconds).audio
    out = ffmpeg_builder.output(
        video, audio, str(output), vcodec="libx264", preset="ultrafast", crf=22, pix_fmt="yuv420p",
        acodec="aac", **{"b:a": "160k"}, movflags="+faststart", t=seconds,
    )
    return out.overwrite_output().compile(cmd=ffmpeg_bin())
