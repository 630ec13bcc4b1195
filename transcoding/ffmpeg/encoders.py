"""ffmpeg output options for one rung of a chunk, per codec, as plain data.

The dicts are what ffmpeg-python's ``output(stream, path, **options)`` takes
(``as_args`` renders the same thing as an argument list). They fix the three
properties the chunked pipeline relies on, for every codec:

1. Keyframes exactly every ``gop`` frames and nowhere else (no scene-cut
   keyframes), every one a closed-GOP random access point (IDR / AV1 KEY
   frame), so all rungs cut segments at the same instants and every chunk
   and segment can start decoding on its own.
2. An average bitrate target, capped where the encoder can cap it, so
   ``AVERAGE-BANDWIDTH``/``BANDWIDTH`` hold (Apple HLS authoring 1.26-1.30:
   peak at most 2x average).
3. Determinism: a redelivered chunk re-encodes to the same bytes, so a
   retried task never changes a segment that an edge may already cache.

What each encoder needed (measured with ffmpeg 5.1, x264 164, x265 3.5,
SVT-AV1 1.4.1; tests/transcoding/test_encoders.py proves it on real encodes):

- x264: ``threads=1`` (frame threads make VBV output vary run to run).
- x265: ``pools=none:frame-threads=1`` (no thread pool, so no WPP and no
  parallel lookahead): byte-identical across runs. x265's own documentation
  says "VBV introduces non-determinism in the encoder ... regardless of the
  amount of frame parallelism" (threading.rst); with no pool at all there is
  no concurrent work left to race. (In three-run trials at 640x360 on two
  cores, pools=2 with one or two frame threads also repeated itself; pinning
  removes the cause instead of relying on that.) The output does depend on
  the pool and frame-thread counts (three settings, three different
  streams), so they must be pinned anyway, not left to the core count of
  whichever worker runs the chunk. Cost: one core per encode, as for x264;
  the pipeline gets its parallelism from chunks encoded side by side.
- SVT-AV1: ``lp=1``. With its default (all cores) two VBR encodes of the same
  input differ; with ``lp=1`` they are identical. SVT-AV1 1.4.1 has no capped
  VBR: CBR is refused with random-access prediction ("CBR Rate control is
  currently not supported for SVT_AV1_PRED_RANDOM_ACCESS, switching to
  VBR"), and ``-maxrate``/``mbr`` only act in CRF mode ("capped CRF"); a VBR
  encode with ``-maxrate`` is byte-identical to one without. So AV1 rungs
  are VBR with a target and no cap (``maxrate`` is not passed, so the
  container does not advertise a cap that is not enforced); the packager
  must declare BANDWIDTH from the measured peak, as it does for all codecs.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["CodecFacts", "CODECS", "h264_options", "hevc_options", "av1_options",
           "rung_options", "as_args", "MAXRATE_FACTOR", "BUFSIZE_FACTOR"]

# VBV: peak 1.5x and buffer 2x the average, as the H.264 pipeline does today;
# keeps the measured peak segment bitrate under Apple's 2x-average bound.
MAXRATE_FACTOR = 1.5
BUFSIZE_FACTOR = 2.0


@dataclass(frozen=True)
class CodecFacts:
    """What the packager and the planner need to know about a codec."""
    name: str
    encoder: str              # ffmpeg encoder
    sample_entry: str         # fMP4 sample entry the options produce
    containers: tuple[str, ...]
    default_preset: str
    capped: bool              # VBV peak cap enforced by the encoder
    deterministic: bool       # same input + options -> same bytes (proved in tests)
    threads: str              # how parallelism is pinned, and why it is


CODECS: dict[str, CodecFacts] = {
    "h264": CodecFacts(
        name="h264", encoder="libx264", sample_entry="avc1", containers=("fmp4", "mpegts"),
        default_preset="veryfast", capped=True, deterministic=True,
        threads="threads=1: x264 frame threads make VBV decisions timing-dependent",
    ),
    "hevc": CodecFacts(
        name="hevc", encoder="libx265", sample_entry="hvc1", containers=("fmp4",),
        default_preset="fast", capped=True, deterministic=True,
        threads="pools=none:frame-threads=1: no thread pool, no WPP, nothing concurrent",
    ),
    "av1": CodecFacts(
        name="av1", encoder="libsvtav1", sample_entry="av01", containers=("fmp4",),
        default_preset="8", capped=False, deterministic=True,
        threads="lp=1: with more logical processors SVT-AV1 VBR output varies run to run",
    ),
}


def _check(bitrate: int, gop: int) -> None:
    if bitrate <= 0 or gop <= 0:
        raise ValueError(f"bitrate and gop must be positive (got {bitrate}, {gop})")


def h264_options(*, bitrate: int, gop: int, preset: str = "veryfast") -> dict[str, object]:
    """libx264 High, as the H.264 pipeline encodes today: fixed GOP, no
    scene-cut keyframes (``sc_threshold=0``), closed GOPs (``+cgop``) with 3
    B-frames, VBV-capped ABR, one thread."""
    _check(bitrate, gop)
    return {
        "vcodec": "libx264", "preset": preset, "profile:v": "high", "pix_fmt": "yuv420p",
        "b:v": bitrate, "maxrate": int(bitrate * MAXRATE_FACTOR), "bufsize": int(bitrate * BUFSIZE_FACTOR),
        "g": gop, "keyint_min": gop, "sc_threshold": 0, "bf": 3, "flags": "+cgop",
        "threads": 1,
    }


def _params(values: Mapping[str, object]) -> str:
    return ":".join(f"{k}={v}" for k, v in values.items())


def hevc_options(*, bitrate: int, gop: int, preset: str = "fast") -> dict[str, object]:
    """libx265 Main 8-bit in an ``hvc1`` sample entry (Apple: HEVC in fMP4
    with parameter sets in the sample description, authoring spec 1.5, 1.10).
    ``keyint=min-keyint=gop`` and ``scenecut=0`` fix the keyframe grid,
    ``open-gop=0`` makes each keyframe an IDR (no CRA with leading pictures
    referencing the previous GOP), VBV caps the peak."""
    _check(bitrate, gop)
    x265 = {
        "keyint": gop, "min-keyint": gop, "scenecut": 0, "open-gop": 0,
        "pools": "none", "frame-threads": 1, "log-level": "error",
    }
    return {
        "vcodec": "libx265", "preset": preset, "profile:v": "main", "pix_fmt": "yuv420p",
        "tag:v": "hvc1",
        "b:v": bitrate, "maxrate": int(bitrate * MAXRATE_FACTOR), "bufsize": int(bitrate * BUFSIZE_FACTOR),
        "g": gop, "keyint_min": gop,
        "x265-params": _params(x265),
    }


def av1_options(*, bitrate: int, gop: int, preset: int | str = 8) -> dict[str, object]:
    """libsvtav1 Main 8-bit, VBR (see the module docstring: 1.4.1 cannot cap
    VBR). ``keyint=gop`` fixes the grid; ``scd=0`` is belt and braces (with
    ``scd=1`` SVT-AV1 1.4.1 warns that it "will not insert a key frame at
    scene changes" anyway); ``irefresh-type=2`` makes every keyframe a shown
    KEY frame (closed GOP) rather than a hidden forward keyframe; ``lp=1``
    keeps the output deterministic."""
    _check(bitrate, gop)
    svt = {"rc": 1, "keyint": gop, "scd": 0, "irefresh-type": 2, "lp": 1}
    return {
        "vcodec": "libsvtav1", "preset": int(preset), "pix_fmt": "yuv420p",
        "b:v": bitrate, "g": gop,
        "svtav1-params": _params(svt),
    }


_BUILDERS = {"h264": h264_options, "hevc": hevc_options, "av1": av1_options}


def rung_options(codec: str, *, bitrate: int, gop: int, preset: str | int | None = None) -> dict[str, object]:
    """Options for one rung: ``codec`` is ``h264``, ``hevc`` or ``av1``;
    ``preset`` defaults to the codec's ``CodecFacts.default_preset``."""
    try:
        build = _BUILDERS[codec]
        facts = CODECS[codec]
    except KeyError:
        raise ValueError(f"unknown codec {codec!r}; expected one of {sorted(_BUILDERS)}") from None
    return build(bitrate=bitrate, gop=gop, preset=str(facts.default_preset if preset is None else preset))


def as_args(options: Mapping[str, object]) -> list[str]:
    """``{"b:v": 300000, "g": 60}`` -> ``["-b:v", "300000", "-g", "60"]``: the
    same arguments ffmpeg-python writes for ``output(**options)``."""
    args: list[str] = []
    for key, value in options.items():
        args.append(f"-{key}")
        if value is not None:
            args.append(str(value))
    return args
