"""Commands of the codec quality benchmark: a lossless reference at a rung's
size, an encode of it with the production options into fragmented MP4, and
PSNR/SSIM of an encode against its reference. (Benchmarks build their
ffmpeg commands here, like the application.)"""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from .encoders import as_args
from .inputs import ffmpeg_bin

FRAGMENTED_MP4 = ["-f", "mp4", "-movflags", "+frag_keyframe+empty_moov+default_base_moof"]


def reference_from_graph_args(*, graph: str, seconds: float, output: Path) -> list[str]:
    """A lavfi filter graph rendered to a lossless FFV1 reference clip."""
    return [ffmpeg_bin(), "-hide_banner", "-y", "-filter_complex",
            f"{graph},format=yuv420p,trim=duration={seconds}[v]", "-map", "[v]", "-c:v", "ffv1", str(output)]


def reference_from_file_args(*, source: Path, width: int, height: int, fps: int, seconds: float,
                             output: Path) -> list[str]:
    """A source file scaled to a rung's size and frame rate, as a lossless FFV1 reference."""
    return [ffmpeg_bin(), "-hide_banner", "-y", "-i", str(source), "-t", str(seconds), "-an",
            "-vf", f"fps={fps},scale={width}:{height}:flags=bicubic,format=yuv420p", "-c:v", "ffv1", str(output)]


def encode_fmp4_args(*, reference: Path, options: Mapping[str, object], output: Path) -> list[str]:
    """Encode a reference with one rung's encoder options into fragmented MP4."""
    return [ffmpeg_bin(), "-hide_banner", "-y", "-i", str(reference), *as_args(options), *FRAGMENTED_MP4,
            str(output)]


def psnr_ssim_args(*, distorted: Path, reference: Path, fps: int) -> list[str]:
    """PSNR and SSIM of ``distorted`` against ``reference``, printed on stderr.
    Both are re-timed to their frame index (pts = N in 1/fps): the filters pair
    frames by timestamp, and millisecond timestamps against fMP4's 1/15360 ones
    would otherwise pair some frames with their neighbour."""
    retime = f"settb=1/{fps},setpts=N"
    graph = f"[0:v]{retime},split[d1][d2];[1:v]{retime},split[r1][r2];[d1][r1]psnr;[d2][r2]ssim"
    return [ffmpeg_bin(), "-hide_banner", "-i", str(distorted), "-i", str(reference),
            "-lavfi", graph, "-f", "null", "-"]
