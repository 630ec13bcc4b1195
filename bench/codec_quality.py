"""Equal-quality bitrates of HEVC and AV1 against H.264 (not a test).

For each size: make a lossless reference clip at that size (FFV1), encode
H.264 at Apple's bitrate for the size with the production options
(transcoding.ffmpeg.encoders), measure its PSNR and SSIM against the reference,
then search each other codec's target bitrate until an encode's PSNR-Y is
within --tolerance dB of H.264's. Reported: the bits each codec really wrote
(sample sizes in the fMP4, not the target), their ratio to H.264's, PSNR-Y,
PSNR (all planes) and SSIM-Y, and the ratio at exactly equal PSNR-Y
interpolated in log(bitrate) between the two encodes that bracket it.

Quality does not depend on machine load, so these figures are stable on a
busy machine. CPU time does: --cpu adds CPU-seconds per source-second per
codec and rung, read from each ffmpeg's rusage (os.wait4), for a quiet run.

Measured (2 shared cores, ffmpeg 5.1, default presets; raw figures in
bench/results/codec_quality-{pan,mixed,noise}.json, summary in
transcoding/ladders.py): on "pan", AV1 needed 0.68 (720p) and 0.66 (1080p)
of H.264's bits at equal PSNR-Y. On "mixed" (PSNR ~26 dB) and "noise" the
figures say more about the source than the codecs: on "noise" PSNR hardly
moves with the bitrate (every encoder smooths the grain away), so the
search ends wherever the encoder stops shedding bits.

    .venv/bin/python bench/codec_quality.py [--sizes 1280x720,1920x1080] \
        [--seconds 3] [--fps 30] [--source pan|mixed|noise|FILE] \
        [--presets h264=veryfast,hevc=fast,av1=8] [--codecs hevc,av1] \
        [--tolerance 0.3] [--cpu] [--json bench/results/codec_quality.json]
"""
from __future__ import annotations

import argparse
import json
import math
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from transcoding.ffmpeg import quality as commands  # noqa: E402
from transcoding.ffmpeg.encoders import CODECS, rung_options  # noqa: E402
from transcoding.ladders import APPLE_H264_LADDER  # noqa: E402
from transcoding.packaging.isobmff import iter_samples, tracks  # noqa: E402

# Generated sources (lavfi), all synthetic: say which one a figure is for.
SOURCES = {
    # Mandelbrot zoom (fine detail, non-translational motion) with a moving
    # testsrc2 window over it and light film-like grain.
    "mixed": ("mandelbrot=s={w}x{h}:r={fps}:maxiter=512:end_pts=30[m];"
              "testsrc2=s={w3}x{h3}:r={fps}[t];"
              "[m][t]overlay=x='(W-w)*(0.5+0.4*sin(t))':y='(H-h)*(0.5+0.4*cos(0.7*t))',"
              "noise=alls=6:allf=t"),
    # testsrc2 under heavy temporal noise: mostly unpredictable bits.
    "noise": "testsrc2=s={w}x{h}:r={fps},noise=alls=12:allf=t",
    # A camera pan over a gravel-like texture (static blurred noise, twice
    # the frame size, cropped along a moving window), the moving testsrc2
    # window on top, light grain: motion-compensable detail, the kind of
    # picture streaming rungs are made for.
    "pan": ("color=c=0x708090:s={w2}x{h2}:r={fps},format=yuv420p,noise=alls=100:allf=0,"
            "gblur=sigma={sigma},eq=contrast=4,unsharp=7:7:1.0,"
            "crop={w}:{h}:x='t*{w}/8':y='t*{h}/12'[b];"
            "testsrc2=s={w3}x{h3}:r={fps}[t];"
            "[b][t]overlay=x='(W-w)*(0.5+0.4*sin(t))':y='(H-h)*(0.5+0.4*cos(0.7*t))',"
            "noise=alls=2:allf=t"),
}
ENV = {**os.environ, "SVT_LOG": "2"}


@dataclass
class Measure:
    codec: str
    size: str
    target_kbps: int
    kbps: float          # what the encoder wrote
    psnr_y: float
    psnr_avg: float
    ssim_y: float
    cpu_per_source_s: float | None  # only kept with --cpu: timings need a quiet machine


def run(cmd: list[str]) -> tuple[str, float]:
    """Run ffmpeg; return (stderr, CPU seconds of that process from rusage)."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENV)
    stderr = proc.stderr.read().decode(errors="replace")
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"ffmpeg failed ({proc.returncode}): {' '.join(cmd)}\n{stderr[-3000:]}")
    return stderr, usage.ru_utime + usage.ru_stime


def make_reference(source: str, w: int, h: int, fps: int, seconds: float, out: Path) -> Path:
    if source in SOURCES:
        graph = SOURCES[source].format(w=w, h=h, w2=2 * w, h2=2 * h, w3=w // 3 // 2 * 2, h3=h // 3 // 2 * 2,
                                       sigma=round(h / 120, 2), fps=fps)
        run(commands.reference_from_graph_args(graph=graph, seconds=seconds, output=out))
    else:
        run(commands.reference_from_file_args(source=Path(source), width=w, height=h, fps=fps, seconds=seconds,
                                              output=out))
    return out


def video_kbps(path: Path) -> float:
    data = path.read_bytes()
    video = next(t for t in tracks(data) if t.handler == "vide")
    samples = [s for s in iter_samples(data, data) if s.track_id == video.track_id]
    seconds = Fraction(sum(s.duration for s in samples), video.timescale)
    return float(sum(s.size for s in samples) * 8 / seconds / 1000)


def quality(distorted: Path, reference: Path, fps: int) -> tuple[float, float, float]:
    """(PSNR-Y, PSNR all planes, SSIM-Y). Both inputs are re-timed to their
    frame index (pts = N in 1/fps): the filters pair frames by timestamp, and
    the reference's millisecond timestamps against the fMP4's 1/15360 ones
    otherwise pair some frames with their neighbour (a lossless encode then
    scores 24 dB instead of infinity)."""
    err, _ = run(commands.psnr_ssim_args(distorted=distorted, reference=reference, fps=fps))
    psnr = re.search(r"PSNR y:([\d.]+) u:[\d.]+ v:[\d.]+ average:([\d.]+)", err)
    ssim = re.search(r"SSIM Y:([\d.]+)", err)
    if not psnr or not ssim:
        raise SystemExit(f"no PSNR/SSIM in ffmpeg output:\n{err[-2000:]}")
    return float(psnr.group(1)), float(psnr.group(2)), float(ssim.group(1))


def encode(codec: str, kbps: int, preset: str, ref: Path, out: Path, size: str, seconds: float, fps: int) -> Measure:
    gop = 2 * fps  # keyframes every 2 s, as the pipeline encodes
    options = rung_options(codec, bitrate=kbps * 1000, gop=gop, preset=preset)
    _, cpu = run(commands.encode_fmp4_args(reference=ref, options=options, output=out))
    y, avg, ssim = quality(out, ref, fps)
    return Measure(codec, size, kbps, video_kbps(out), y, avg, ssim, cpu / seconds)


def _bracket(tried: list[Measure], psnr: float) -> tuple[Measure, Measure] | None:
    below = [t for t in tried if t.psnr_y < psnr]
    above = [t for t in tried if t.psnr_y >= psnr]
    if not below or not above:
        return None
    return max(below, key=lambda t: t.psnr_y), min(above, key=lambda t: t.psnr_y)


def _log_interp(a: Measure, b: Measure, psnr: float) -> float:
    """Bitrate (kb/s written) where PSNR-Y reaches ``psnr`` on the line
    through a and b in (log rate, PSNR): PSNR is close to linear in log rate."""
    if a.psnr_y == b.psnr_y or a.kbps == b.kbps:
        return a.kbps
    frac = (psnr - a.psnr_y) / (b.psnr_y - a.psnr_y)
    return math.exp(math.log(a.kbps) + frac * (math.log(b.kbps) - math.log(a.kbps)))


def equal_psnr(codec: str, anchor: Measure, guess: float, tolerance: float, max_encodes: int,
               workdir: Path, **kw) -> tuple[list[Measure], float | None]:
    """Encodes of ``codec`` until two bracket the anchor's PSNR-Y and one of
    them is within ``tolerance`` dB of it; each next target comes from the
    (log rate, PSNR) line through the closest encodes. Returns them and the
    equal-PSNR rate (kb/s) interpolated between the bracketing pair."""
    tried: list[Measure] = []
    kbps = max(20, int(anchor.target_kbps * guess))
    for _ in range(max_encodes):
        m = encode(codec, kbps, out=workdir / f"{codec}_{anchor.size}_{kbps}.mp4", **kw)
        tried.append(m)
        print(f"    {codec} target {kbps} kb/s -> {m.kbps:.0f} kb/s, PSNR-Y {m.psnr_y:.2f} dB "
              f"(H.264 {anchor.psnr_y:.2f})", flush=True)
        closest = min(abs(t.psnr_y - anchor.psnr_y) for t in tried)
        pair = _bracket(tried, anchor.psnr_y)
        if pair and closest <= tolerance:
            break
        if pair:
            a, b = pair
        elif closest <= tolerance or len(tried) == 1:
            # close but one-sided (or a single point): step across the target
            # so that the equal-PSNR rate can be interpolated, not guessed
            step = 1.1 if closest <= tolerance else 1.3
            kbps = max(20, int(kbps * (step if m.psnr_y < anchor.psnr_y else 1 / step)))
            continue
        else:
            a, b = sorted(tried, key=lambda t: abs(t.psnr_y - anchor.psnr_y))[:2]
        want = _log_interp(a, b, anchor.psnr_y)
        kbps = max(20, int(round(want * m.target_kbps / m.kbps)))  # written -> target
        if kbps in {t.target_kbps for t in tried}:
            break  # the encoder cannot get closer by this route
    pair = _bracket(tried, anchor.psnr_y)
    return tried, (_log_interp(*pair, anchor.psnr_y) if pair else None)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1280x720,1920x1080")
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--fps", type=int, default=30)
    ap.add_argument("--source", default="pan", help=f"one of {sorted(SOURCES)} or a media file")
    ap.add_argument("--presets", default="h264=veryfast,hevc=fast,av1=8")
    ap.add_argument("--codecs", default="hevc,av1")
    ap.add_argument("--h264-kbps", default="", help="e.g. 720=3000,1080=6000 (default: Apple's first rung per height)")
    ap.add_argument("--tolerance", type=float, default=0.3)
    ap.add_argument("--max-encodes", type=int, default=6)
    ap.add_argument("--cpu", action="store_true", help="also print CPU-s per source-s (needs a quiet machine)")
    ap.add_argument("--json", type=Path, help="write the raw measurements here")
    args = ap.parse_args()

    presets = {**{c: f.default_preset for c, f in CODECS.items()}, **dict(p.split("=") for p in args.presets.split(",") if p)}
    apple = {}
    for rung in APPLE_H264_LADDER:
        apple.setdefault(rung.height, rung.kbps)
    apple.update({int(k): int(v) for k, v in (p.split("=") for p in args.h264_kbps.split(",") if p)})
    guesses = {"hevc": 0.75, "av1": 0.6}
    rows, raw = [], []
    with tempfile.TemporaryDirectory(prefix="codec_quality_") as tmp:
        workdir = Path(tmp)
        for size in args.sizes.split(","):
            w, h = (int(v) for v in size.split("x"))
            print(f"{size}: reference ({args.source}, {args.seconds:g} s at {args.fps} fps)", flush=True)
            ref = make_reference(args.source, w, h, args.fps, args.seconds, workdir / f"ref_{size}.mkv")
            common = dict(ref=ref, size=size, seconds=args.seconds, fps=args.fps)
            anchor = encode("h264", apple[h], presets["h264"], out=workdir / f"h264_{size}.mp4", **common)
            print(f"    h264 target {anchor.target_kbps} kb/s -> {anchor.kbps:.0f} kb/s, PSNR-Y {anchor.psnr_y:.2f} dB", flush=True)
            rows.append((anchor, None, None))
            raw.append(asdict(anchor))
            for codec in args.codecs.split(","):
                tried, interp = equal_psnr(codec, anchor, guesses.get(codec, 0.7), args.tolerance, args.max_encodes,
                                           workdir=workdir, preset=presets[codec], **common)
                raw.extend(asdict(t) for t in tried)
                best = min(tried, key=lambda t: abs(t.psnr_y - anchor.psnr_y))
                rows.append((best, best.kbps / anchor.kbps, interp / anchor.kbps if interp else None))
    print()
    print(f"source={args.source} seconds={args.seconds:g} fps={args.fps} presets="
          + ",".join(f"{c}={presets[c]}" for c in ["h264", *args.codecs.split(",")]))
    head = f"{'size':>9} {'codec':>5} {'target':>7} {'kb/s':>7} {'PSNR-Y':>7} {'PSNR':>6} {'SSIM-Y':>7} {'bits/H.264':>10} {'@=PSNR':>7}"
    if args.cpu:
        head += f" {'CPU-s/s':>8}"
    print(head)
    for m, ratio, interp in rows:
        line = (f"{m.size:>9} {m.codec:>5} {m.target_kbps:>7} {m.kbps:>7.0f} {m.psnr_y:>7.2f} {m.psnr_avg:>6.2f} "
                f"{m.ssim_y:>7.4f} {'' if ratio is None else f'{ratio:.3f}':>10} {'' if interp is None else f'{interp:.3f}':>7}")
        if args.cpu:
            line += f" {m.cpu_per_source_s:>8.2f}"
        print(line)
    if not args.cpu:
        for m in raw:
            m["cpu_per_source_s"] = None
    if args.json:
        args.json.write_text(json.dumps({"args": {k: str(v) for k, v in vars(args).items()}, "presets": presets,
                                         "measurements": raw}, indent=1))


if __name__ == "__main__":
    main()
