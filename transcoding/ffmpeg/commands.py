"""ffmpeg command lines, built with ffmpeg-python: the only code in the
project (application, benchmarks and tests) that spells ffmpeg flags."""
from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from fractions import Fraction
from pathlib import Path

import ffmpeg as ffmpeg_builder

from ..ladder import Rung
from .encoders import CODECS, rung_options
from .inputs import PACKAGE_DEMUXERS, MediaInput, ffmpeg_bin, local_input_options


def aac_options(*, bitrate: int) -> dict:
    """AAC-LC stereo 48 kHz."""
    return {"acodec": "aac", "ac": 2, "ar": 48000, "b:a": bitrate}


def chunk_args(
    *, source: MediaInput, video_start: float, fps: Fraction, start_frame: int, end_frame: int,
    rungs: Sequence[Rung], outputs: Sequence[Path], gop: int, preset: str, codec: str = "h264",
    deinterlace: str = "",
) -> list[str]:
    """Decode a chunk once, scale it to every rung of one codec, encode each
    rung with that codec's options (``encoders.rung_options``) to the
    codec's intermediate: MPEG-TS for H.264 and HEVC, an AV1 OBU stream.

    The cut is exact in output frames: after normalising the source's start
    and converting to a constant ``fps`` (pts = frame number), ``trim`` keeps
    frames [start_frame, end_frame). ``-copyts`` keeps those absolute
    timestamps, so chunks concatenate byte for byte into one continuous
    stream; every chunk starts on the keyframe grid (GOP-aligned, fixed GOP,
    no scene-cut keyframes), so all rungs of all codecs share their segment
    boundaries. MPEG-TS timestamps are offset by 1 s and never shifted per
    chunk, so the B-frame reorder delay is the same in every chunk and joins
    neither gap nor overlap; an OBU stream carries no timestamps at all (AV1
    has no reordering at the container level) and is timed by frame count
    when packaged. The output is deterministic: the same chunk encodes to
    the same bytes.

    ``deinterlace`` ("tff" or "bff", the field shown first) makes every
    field a frame of its own (bwdif, ``send_field``) before the rate is
    made constant and before scaling: ``fps`` is then the field rate
    (50 for 25i), so the output keeps the source's motion, sampled 50
    times a second; ``send_frame`` would halve it (25p from 25i judders
    on every pan). The parity is the probe's, not bwdif's guess: frames
    a decoder does not flag as interlaced would be taken as top field first.
    """
    container = CODECS[codec].intermediate
    start_s = float(Fraction(start_frame) / fps)
    end_s = float(Fraction(end_frame) / fps)
    seek = max(0.0, start_s - 1.0)
    stream = ffmpeg_builder.input(
        source.location, ss=f"{seek:.6f}", to=f"{end_s + 1.0:.6f}", **source.options()
    ).video
    stream = stream.filter("setpts", f"PTS-{video_start:.6f}/TB")
    if deinterlace:
        stream = stream.filter("bwdif", mode="send_field", parity=deinterlace, deint="all")
    stream = (
        stream.filter("fps", fps=f"{fps.numerator}/{fps.denominator}")
        .filter("trim", start_pts=start_frame, end_pts=end_frame)
    )
    split = stream.filter_multi_output("split", len(rungs))
    timing = ({"avoid_negative_ts": "disabled", "muxdelay": 0, "muxpreload": 0, "output_ts_offset": 1}
              if container == "mpegts" else {})
    outs = []
    for i, (rung, path) in enumerate(zip(rungs, outputs, strict=True)):
        scaled = split.stream(i).filter("scale", rung.width, rung.height, flags="bicubic").filter(
            "format", "yuv420p"
        )
        outs.append(ffmpeg_builder.output(
            scaled, str(path), f=container,
            **rung_options(codec, bitrate=rung.bitrate, gop=gop, preset=preset), **timing,
        ))
    cmd = ffmpeg_builder.merge_outputs(*outs).global_args("-copyts").overwrite_output()
    return cmd.compile(cmd=ffmpeg_bin())


def _audio_stream(source: MediaInput, *, stream: int | None, duration: float | None):
    """One audio stream of a source (``stream``: ffprobe's index; None: the
    first audio stream). With ``duration`` (an uploaded dub), it is laid on
    the film's timeline: its first sample at film time 0, silence added or
    the tail cut so it lasts exactly as long as the video."""
    inp = ffmpeg_builder.input(source.location, **source.options())
    audio = inp["a:0"] if stream is None else inp[str(int(stream))]
    if duration is not None:
        audio = (audio.filter("asetpts", "PTS-STARTPTS").filter("apad")
                 .filter("atrim", end=f"{duration:.6f}"))
    return audio


def loudness_filter_options(*, target: float, true_peak: float, lra: float, measured: Mapping | None = None) -> dict:
    """ffmpeg ``loudnorm`` (EBU R128). With ``measured`` (the first pass's
    report), the second pass applies one linear gain where it can: the
    music and effects keep their dynamics instead of being compressed."""
    options: dict[str, object] = {"I": target, "TP": true_peak, "LRA": lra}
    if measured:
        options.update(measured_I=measured["input_i"], measured_TP=measured["input_tp"],
                       measured_LRA=measured["input_lra"], measured_thresh=measured["input_thresh"],
                       offset=measured["target_offset"], linear="true")
    options["print_format"] = "json"
    return options


def loudness_measure_args(*, source: MediaInput, stream: int | None, target: float, true_peak: float, lra: float,
                          duration: float | None = None) -> list[str]:
    """Pass one of loudnorm: decode the stream, measure, write nothing (the
    JSON report is printed at the end; run with ``verbosity="info"``)."""
    audio = _audio_stream(source, stream=stream, duration=duration).filter(
        "loudnorm", **loudness_filter_options(target=target, true_peak=true_peak, lra=lra))
    out = ffmpeg_builder.output(audio, "-", f="null")
    return out.compile(cmd=ffmpeg_bin())


def audio_args(*, source: MediaInput, output: Path, bitrate: int, stream: int | None = None,
               loudness: Mapping | None = None, duration: float | None = None) -> list[str]:
    """One audio track of the title, once: AAC-LC stereo 48 kHz, from the
    source's stream ``stream`` (default: its first audio stream) or an
    uploaded dub (``duration`` set: aligned to the video's timeline), with
    ``loudness`` the loudnorm options (``loudness_filter_options``)."""
    audio = _audio_stream(source, stream=stream, duration=duration)
    if loudness:
        audio = audio.filter("loudnorm", **loudness)
    out = ffmpeg_builder.output(audio, str(output), f="mp4", vn=None, sn=None, **aac_options(bitrate=bitrate))
    return out.overwrite_output().compile(cmd=ffmpeg_bin())


def loudness_report(stderr: str) -> dict:
    """The JSON block loudnorm prints when it ends (the last ``{...}``)."""
    start, end = stderr.rfind("{"), stderr.rfind("}")
    if start < 0 or end < start:
        raise ValueError("loudnorm printed no report")
    return json.loads(stderr[start:end + 1])


def subtitle_extract_args(*, source: MediaInput, streams: Sequence[int], outputs: Sequence[Path]) -> list[str]:
    """Text subtitle streams of a source (ffprobe indexes) to WebVTT files,
    all in one read of the source."""
    inp = ffmpeg_builder.input(source.location, **source.options())
    outs = [ffmpeg_builder.output(inp[str(int(index))], str(path), f="webvtt", **{"c:s": "webvtt"})
            for index, path in zip(streams, outputs, strict=True)]
    return ffmpeg_builder.merge_outputs(*outs).overwrite_output().compile(cmd=ffmpeg_bin())


def hls_args(*, input_path: Path, out_dir: Path, segment_seconds: int, offset: float,
             stream: str, container: str = "mpegts", fps: Fraction | None = None,
             sample_entry: str | None = None) -> list[str]:
    """Package one rung (stream "v:0") or the audio (stream "a:0") into fMP4
    HLS with a stream copy; ``offset`` moves its timestamps (seconds). An
    OBU stream (``container="obu"``) has no timestamps: frames are timed at
    ``fps`` from 0, then moved by ``offset``. ``sample_entry`` sets the fMP4
    sample entry where a codec has two (HEVC: ``hvc1``, which Apple's
    players require, not the muxer's default ``hev1``; the tag given to the
    encoder does not survive MPEG-TS). With ``hvc1`` the parameter sets live
    in the sample entry only (ISO/IEC 14496-15, Apple authoring spec 1.10):
    the VPS/SPS/PPS x265 repeats in-band at every IDR for MPEG-TS are taken
    out of the samples (the init segment's hvcC keeps them)."""
    options: dict[str, str] = {"itsoffset": f"{offset:.6f}"}
    if container == "obu":
        if fps is None:
            raise ValueError("an OBU stream needs its frame rate")
        options.update(f="obu", framerate=f"{fps.numerator}/{fps.denominator}")
    inp = ffmpeg_builder.input(str(input_path), **options,
                               **local_input_options(input_path, PACKAGE_DEMUXERS + ",obu"))
    out = ffmpeg_builder.output(
        inp[stream], str(out_dir / "index.m3u8"), f="hls", c="copy",
        hls_time=segment_seconds, hls_playlist_type="vod", hls_segment_type="fmp4",
        hls_fmp4_init_filename="init.mp4",
        hls_segment_filename=str(out_dir / "seg_%05d.m4s"),
        hls_flags="independent_segments", **({"tag:v": sample_entry} if sample_entry else {}),
        **({"bsf:v": "filter_units=remove_types=32|33|34"} if sample_entry == "hvc1" else {}),
    )
    return out.overwrite_output().compile(cmd=ffmpeg_bin())


def decode_args(*, input_path: Path, demuxers: str = PACKAGE_DEMUXERS) -> list[str]:
    """Decode every frame of one of our own files (or, with the hls demuxer
    allowed, one of our own media playlists and every segment it lists) and
    throw the pictures away: ffmpeg exits non-zero at the first decoding
    error (``-xerror``) and prints nothing but errors. A check that a
    package decodes, for tests and tools."""
    inp = ffmpeg_builder.input(str(input_path), **local_input_options(input_path, demuxers))
    out = ffmpeg_builder.output(inp, "-", f="null", xerror=None).global_args("-hide_banner", "-v", "error")
    return out.compile(cmd=ffmpeg_bin())


def poster_args(*, input_path: Path, output: Path, at: float, height: int) -> list[str]:
    inp = ffmpeg_builder.input(str(input_path), ss=f"{at:.3f}", **local_input_options(input_path))
    out = ffmpeg_builder.output(inp.video.filter("scale", -2, height), str(output), vframes=1, **{"q:v": 3})
    return out.overwrite_output().compile(cmd=ffmpeg_bin())


def sprite_args(*, input_path: Path, output: Path, every: float, width: int, height: int,
                columns: int, rows: int) -> list[str]:
    """One JPEG of thumbnails, one every ``every`` seconds, for seek previews."""
    inp = ffmpeg_builder.input(str(input_path), **local_input_options(input_path))
    stream = (
        inp.video.filter("fps", fps=f"1/{every:g}")
        .filter("scale", width, height)
        .filter("tile", f"{columns}x{rows}")
    )
    out = ffmpeg_builder.output(stream, str(output), vframes=1, **{"q:v": 4})
    return out.overwrite_output().compile(cmd=ffmpeg_bin())


# --- whole ladders in one command: the floor the benchmark compares against ----------


def _ladder_graph(source: MediaInput, *, fps: Fraction, rungs: Sequence[Rung]):
    inp = ffmpeg_builder.input(source.location, **source.options())
    split = inp.video.filter("fps", fps=f"{fps.numerator}/{fps.denominator}").filter_multi_output(
        "split", len(rungs))
    scaled = [split.stream(i).filter("scale", r.width, r.height, flags="bicubic").filter("format", "yuv420p")
              for i, r in enumerate(rungs)]
    return inp, scaled


def ladder_mp4_args(*, source: MediaInput, out_dir: Path, fps: Fraction, ladders: Mapping[str, Sequence[Rung]],
                    presets: Mapping[str, str], gop: int, audio_bitrate: int | None) -> list[str]:
    """ONE ffmpeg command: decode once, write every rung of every codec in
    ``ladders`` ({codec: rungs}) as plain MP4 (and the audio once), each
    encoder with its own threading (``pinned=False``): the encoders' floor
    on a machine."""
    every = [(codec, rung) for codec, rungs in ladders.items() for rung in rungs]
    inp, scaled = _ladder_graph(source, fps=fps, rungs=[rung for _, rung in every])
    outs = [ffmpeg_builder.output(stream, str(out_dir / f"{rung.name.replace('/', '-')}.mp4"), an=None,
                                  **rung_options(codec, bitrate=rung.bitrate, gop=gop, preset=presets[codec],
                                                 pinned=False))
            for (codec, rung), stream in zip(every, scaled, strict=True)]
    if audio_bitrate:
        outs.append(ffmpeg_builder.output(inp["a:0"], str(out_dir / "audio.mp4"), vn=None,
                                          **aac_options(bitrate=audio_bitrate)))
    return ffmpeg_builder.merge_outputs(*outs).overwrite_output().compile(cmd=ffmpeg_bin())


def ladder_hls_args(*, source: MediaInput, out_dir: Path, fps: Fraction, rungs: Sequence[Rung], gop: int,
                    preset: str, audio_bitrate: int, segment_seconds: int) -> list[str]:
    """ONE ffmpeg command writing an H.264 ladder as fMP4 HLS with
    ``-var_stream_map`` (every rung, the audio once as an audio group):
    ffmpeg's own packager, to compare with."""
    inp, scaled = _ladder_graph(source, fps=fps, rungs=rungs)
    rate_keys = ("b:v", "maxrate", "bufsize")

    def h264(rung: Rung, pinned: bool) -> dict:
        return rung_options("h264", bitrate=rung.bitrate, gop=gop, preset=preset, pinned=pinned)

    options = {k: v for k, v in h264(rungs[0], False).items() if k not in rate_keys}
    for i, rung in enumerate(rungs):  # each rung its own rate: the option with a stream specifier
        rate = h264(rung, True)
        options.update({f"{key.split(':')[0]}:v:{i}": rate[key] for key in rate_keys})
    stream_map = " ".join(f"v:{i},agroup:aud,name:{r.name}" for i, r in enumerate(rungs))
    out = ffmpeg_builder.output(
        *scaled, inp["a:0"], str(out_dir / "%v" / "index.m3u8"), f="hls", hls_time=segment_seconds,
        hls_playlist_type="vod", hls_segment_type="fmp4", hls_flags="independent_segments",
        hls_fmp4_init_filename="init.mp4", hls_segment_filename=str(out_dir / "%v" / "seg_%05d.m4s"),
        master_pl_name="master.m3u8", var_stream_map=f"{stream_map} a:0,agroup:aud,name:audio",
        **options, **aac_options(bitrate=audio_bitrate),
    )
    return out.overwrite_output().compile(cmd=ffmpeg_bin())


# --- generated sources: the demo's sample film and the tests' and benchmarks' clips ---


def clip_args(*, output: Path, size: str = "640x360", rate: str | int = 30, seconds: float = 6,
              audio: bool = True, gop: int | None = None, source: str = "testsrc2",
              extra: dict | None = None) -> list[str]:
    """A generated clip (``source`` is a lavfi video source: testsrc2's moving
    pattern by default) with a 440 Hz beep, x264 ultrafast, for tests and benchmarks."""
    video = ffmpeg_builder.input(f"{source}=size={size}:rate={rate}", f="lavfi", t=seconds).video
    streams = [video]
    options: dict = {"vcodec": "libx264", "preset": "ultrafast", "pix_fmt": "yuv420p", "t": seconds}
    if gop:
        options["g"] = gop
    if audio:
        streams.append(ffmpeg_builder.input("sine=frequency=440:sample_rate=48000:beep_factor=4",
                                            f="lavfi", t=seconds).audio)
        options.update({"acodec": "aac", "b:a": "96k"})
    options.update(extra or {})  # ``extra`` may override, e.g. the audio bitrate
    out = ffmpeg_builder.output(*streams, str(output), **options)
    return out.overwrite_output().compile(cmd=ffmpeg_bin())


def multitrack_clip_args(*, output: Path, subtitles: Path | None = None, seconds: float = 8,
                         size: str = "640x360", rate: int = 30, gop: int | None = None,
                         audio: Sequence[tuple[int, str, str]] = ((440, "eng", "English"), (660, "deu", "Deutsch")),
                         subtitle_language: str = "eng", subtitle_title: str = "") -> list[str]:
    """A generated clip with one audio stream per ``(Hz, language, title)``
    (a steady sine each, so a test can tell which one plays) and, from an
    SRT file, a mov_text subtitle stream tagged ``subtitle_language`` (an
    MP4 as a phone or an editor writes it). ffmpeg cannot draw text into
    bitmap subtitles, so sources with PGS or DVB streams are tested from
    ffprobe's answer."""
    video = ffmpeg_builder.input(f"testsrc2=size={size}:rate={rate}", f="lavfi", t=seconds).video
    streams = [video]
    options: dict = {"vcodec": "libx264", "preset": "ultrafast", "pix_fmt": "yuv420p", "t": seconds,
                     "acodec": "aac", "b:a": "96k"}
    if gop:
        options["g"] = gop
    for i, (hz, language, title) in enumerate(audio):
        streams.append(ffmpeg_builder.input(f"sine=frequency={hz}:sample_rate=48000", f="lavfi", t=seconds).audio)
        options[f"metadata:s:a:{i}"] = f"language={language}"
        options[f"metadata:s:{1 + i}"] = f"title={title}"  # the same stream by its output index
    if subtitles is not None:
        sub = ffmpeg_builder.input(str(subtitles), f="srt")
        streams.append(sub["s:0"])
        options["metadata:s:s:0"] = f"language={subtitle_language}"
        if subtitle_title:
            options[f"metadata:s:{1 + len(audio)}"] = f"title={subtitle_title}"
        options["c:s"] = "mov_text"
    out = ffmpeg_builder.output(*streams, str(output), **options)
    return out.overwrite_output().compile(cmd=ffmpeg_bin())


def tone_args(*, output: Path, seconds: float = 2, frequency: int = 300) -> list[str]:
    """An audio-only file (AAC)."""
    inp = ffmpeg_builder.input(f"sine=frequency={frequency}", f="lavfi", t=seconds)
    return ffmpeg_builder.output(inp, str(output), acodec="aac").overwrite_output().compile(cmd=ffmpeg_bin())


def remux_args(*, input_path: Path, output: Path, video_metadata: str = "", options: dict | None = None) -> list[str]:
    """Copy a file's streams into another file: ``video_metadata`` e.g.
    "rotate=90" tags the video stream; ``options`` e.g. {"movflags": "+faststart"}."""
    inp = ffmpeg_builder.input(str(input_path), **local_input_options(input_path, "mov,mp4,m4a,matroska,mpegts"))
    extra = dict(options or {})
    if video_metadata:
        extra["metadata:s:v:0"] = video_metadata
    out = ffmpeg_builder.output(inp, str(output), c="copy", **extra)
    return out.overwrite_output().compile(cmd=ffmpeg_bin())


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


# Frame numbers drawn as NUMBER_BITS black/white blocks across the top half of
# the picture, least significant bit on the left, read back exactly (no OCR).
NUMBER_BITS = 12


def numbered_clip_args(*, output: Path, size: str = "640x360", count: int, times: str = "N/30",
                       extra: dict | None = None) -> list[str]:
    """``count`` frames, frame n showing n in binary blocks (``NUMBER_BITS``
    of them) over the top half and a moving test pattern below; frame n
    presented at ``times`` seconds (an ffmpeg expression of N, e.g. a
    variable rate), timestamps written as they are (``-fps_mode
    passthrough``). x264 ultrafast, or ``extra`` options."""
    width = int(size.split("x")[0])
    block = width // NUMBER_BITS
    bits = ffmpeg_builder.input(f"color=black:size={size}:rate=60", f="lavfi").video.filter(
        "geq", lum=f"if(lt(Y,H/2),if(lt(X,{block * NUMBER_BITS}),255*mod(floor(N/pow(2,floor(X/{block}))),2),128),128)",
        cb=128, cr=128)
    pattern = ffmpeg_builder.input(f"testsrc2=size={size}:rate=60", f="lavfi").video.filter(
        "crop", "iw", "ih/2", 0, "ih/2")
    # A fine time base, and rounding: setpts truncates, and 2+3/60 s computed
    # in floating point would land a tick early, on the frame before.
    video = bits.overlay(pattern, x=0, y="H/2").filter("settb", "1/15360").filter("setpts", f"round(({times})/TB)")
    options = {"vcodec": "libx264", "preset": "ultrafast", "crf": 12, "pix_fmt": "yuv420p", "frames:v": count,
               "fps_mode": "passthrough", **(extra or {})}
    out = ffmpeg_builder.output(video, str(output), **options)
    return out.overwrite_output().compile(cmd=ffmpeg_bin())


def interlaced_clip_args(*, reference: Path, output: Path, first: str = "tff") -> list[str]:
    """Interlace a progressive clip (two frames make one, a field each, at half
    the rate) and encode it as interlaced H.264 (``+ilme+ildct``) with its
    field order declared, as a camera or a broadcast recording would."""
    inp = ffmpeg_builder.input(str(reference), **local_input_options(reference, "matroska"))
    video = inp.video.filter("interlace", scan=first)
    out = ffmpeg_builder.output(video, str(output), vcodec="libx264", preset="ultrafast", crf=8, pix_fmt="yuv420p",
                                flags="+ilme+ildct", field_order="tt" if first == "tff" else "bb",
                                **({"top": 1} if first == "tff" else {"top": 0}))
    return out.overwrite_output().compile(cmd=ffmpeg_bin())


def gray_frames_args(*, input_path: Path, width: int, height: int, demuxers: str = PACKAGE_DEMUXERS) -> list[str]:
    """Every decoded frame of one of our files (or, with the hls demuxer
    allowed, a media playlist), in presentation order, as raw 8-bit gray
    pictures of ``width`` x ``height`` on stdout: for reading back frame numbers."""
    inp = ffmpeg_builder.input(str(input_path), **local_input_options(input_path, demuxers))
    video = inp.video.filter("scale", width, height).filter("format", "gray")
    out = ffmpeg_builder.output(video, "-", f="rawvideo", fps_mode="passthrough").global_args(
        "-hide_banner", "-v", "error")
    return out.compile(cmd=ffmpeg_bin())
