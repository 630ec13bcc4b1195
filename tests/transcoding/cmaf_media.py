"""A tiny real CMAF ladder for the DASH tests: each rung packaged as fMP4
by ffmpeg's HLS muxer (``init.mp4`` + ``seg_%05d.m4s`` + ``index.m3u8``),
the very files an HLS media playlist and a DASH Representation share."""
from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from tests.transcoding.codec_media import ffmpeg
from transcoding.ffmpeg.encoders import as_args, rung_options
from transcoding.packaging.codecs import codecs_from_init
from transcoding.packaging.dash import SegmentFiles, measure_segments

SEGMENT_SECONDS = 2
FPS = 30


@dataclass(frozen=True)
class Rendition:
    name: str                   # folder, and Representation id
    files: SegmentFiles         # relative URLs, measured durations
    codecs: str                 # read from init.mp4
    peak_bandwidth: int         # bits/s of the busiest segment (HLS BANDWIDTH, DASH @bandwidth)
    average_bandwidth: int      # bits/s over the whole rendition
    hls_durations: tuple[Fraction, ...]  # what the HLS playlist says

    @property
    def seconds(self) -> Fraction:
        return self.files.duration


def make_source(path: Path, seconds: float = 4.0, size: str = "640x360") -> Path:
    """testsrc2 (with a little noise) and two sine tones, FFV1 + PCM."""
    ffmpeg("-f", "lavfi", "-i", f"testsrc2=size={size}:rate={FPS}:duration={seconds},noise=alls=4:allf=t",
           "-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=48000:duration={seconds}",
           "-f", "lavfi", "-i", f"sine=frequency=660:sample_rate=48000:duration={seconds}",
           "-map", "0:v", "-map", "1:a", "-map", "2:a", "-c:v", "ffv1", "-c:a", "pcm_s16le", str(path))
    return path


def _package(root: Path, name: str, input_args: list[str], codec_args: list[str]) -> Rendition:
    folder = root / name
    folder.mkdir(parents=True)
    ffmpeg(*input_args, *codec_args, "-f", "hls", "-hls_time", str(SEGMENT_SECONDS),
           "-hls_segment_type", "fmp4", "-hls_playlist_type", "vod", "-hls_fmp4_init_filename", "init.mp4",
           "-hls_segment_filename", str(folder / "seg_%05d.m4s"), str(folder / "index.m3u8"))
    init = (folder / "init.mp4").read_bytes()
    segment_paths = sorted(folder.glob("seg_*.m4s"))
    segments = [p.read_bytes() for p in segment_paths]
    files = measure_segments(init, segments, init_url=f"{name}/init.mp4", media_url=f"{name}/seg_$Number%05d$.m4s")
    peak = max(len(data) * 8 / (Fraction(s.duration, files.timescale)) for data, s in zip(segments, files.segments, strict=True))
    average = sum(len(data) for data in segments) * 8 / files.duration
    playlist = (folder / "index.m3u8").read_text()
    hls = tuple(Fraction(v).limit_denominator(1_000_000) for v in re.findall(r"#EXTINF:([\d.]+),", playlist))
    return Rendition(name, files, codecs_from_init(init), int(peak), int(average), hls)


def package_video(root: Path, source: Path, name: str, codec: str, *, width: int, height: int,
                  bitrate: int, preset: str | int | None = None) -> Rendition:
    options = rung_options(codec, bitrate=bitrate, gop=FPS * SEGMENT_SECONDS, preset=preset)
    return _package(root, name, ["-i", str(source)],
                    ["-map", "0:v", "-vf", f"scale={width}:{height}:flags=bicubic", *as_args(options)])


def package_audio(root: Path, source: Path, name: str, stream: int, bitrate: int = 96_000) -> Rendition:
    return _package(root, name, ["-i", str(source)],
                    ["-map", f"0:a:{stream}", "-c:a", "aac", "-b:a", str(bitrate), "-ac", "2", "-ar", "48000"])
