"""RFC 6381 ``CODECS`` strings read from the streams the encoder wrote.

Why read them instead of writing ``avc1.640028`` in a table: the profile,
level and tier are the encoder's decisions (x264 picks the level from the
frame size and VBV, x265 and SVT-AV1 likewise), and a player uses the string
to decide whether it can decode a variant at all (``MediaSource.
isTypeSupported``). A string that claims less than the stream needs makes a
player pick a variant it then fails to decode; one that claims more hides a
playable variant. So the string comes from the sample entry's configuration
box of the real init segment:

- ``avcC`` -> ``avc1.PPCCLL`` (RFC 6381 §3.3: profile_idc, constraint flags,
  level_idc as hex), prefix from the sample entry (``avc1``/``avc3``).
- ``hvcC`` -> ``hvc1.[A-C]<profile_idc>.<compat flags, bit-reversed, hex>.
  <L|H><level_idc>[.<constraint byte hex>]...`` (ISO/IEC 14496-15 Annex E.3;
  trailing zero constraint bytes omitted), prefix ``hvc1`` or ``hev1``.
- ``av1C`` -> ``av01.<profile>.<level 2 digits><M|H>.<bit depth 2 digits>``
  (AV1 Codec ISO Media File Format Binding, "Codecs Parameter String").
- ``vpcC`` -> ``vp09.<profile>.<level>.<bit depth>`` (VP9 ISOBMFF binding).
- ``esds`` -> ``mp4a.40.<audioObjectType>`` for MPEG-4 audio (AAC-LC is
  ``mp4a.40.2``), ``mp4a.<OTI hex>`` for other object types (RFC 6381 §3.3).
- ``Opus`` -> ``opus``: the Opus-in-ISOBMFF binding names the codecs
  parameter in lower case, which is what MSE and Chromium expect.
"""
from __future__ import annotations

from .isobmff import SampleEntry, Track, tracks

__all__ = [
    "CodecError", "codecs_from_init", "track_codecs", "sample_entry_codec",
    "avc_codec", "hevc_codec", "av1_codec", "vp9_codec", "mp4a_codec",
]


class CodecError(ValueError):
    """A sample entry or configuration box this module cannot describe."""


def avc_codec(entry_type: str, avcc: bytes) -> str:
    if len(avcc) < 4 or avcc[0] != 1:
        raise CodecError("avcC: bad configurationVersion or too short")
    return f"{entry_type}.{avcc[1]:02x}{avcc[2]:02x}{avcc[3]:02x}"


def _reverse32(value: int) -> int:
    return int(f"{value:032b}"[::-1], 2)


def hevc_codec(entry_type: str, hvcc: bytes) -> str:
    if len(hvcc) < 13 or hvcc[0] != 1:
        raise CodecError("hvcC: bad configurationVersion or too short")
    profile_space = hvcc[1] >> 6
    tier = (hvcc[1] >> 5) & 1
    profile_idc = hvcc[1] & 0x1F
    compat = int.from_bytes(hvcc[2:6], "big")
    constraints = list(hvcc[6:12])
    level_idc = hvcc[12]
    while constraints and constraints[-1] == 0:
        constraints.pop()
    parts = [
        entry_type,
        f"{'' if profile_space == 0 else 'ABC'[profile_space - 1]}{profile_idc}",
        f"{_reverse32(compat):X}",
        f"{'H' if tier else 'L'}{level_idc}",
    ] + [f"{b:02X}" for b in constraints]
    return ".".join(parts)


def av1_codec(av1c: bytes) -> str:
    if len(av1c) < 4 or av1c[0] != 0x81:  # marker=1, version=1
        raise CodecError("av1C: bad marker/version or too short")
    profile = av1c[1] >> 5
    level = av1c[1] & 0x1F
    tier = av1c[2] >> 7
    high_bitdepth = (av1c[2] >> 6) & 1
    twelve_bit = (av1c[2] >> 5) & 1
    depth = (12 if twelve_bit else 10) if (profile == 2 and high_bitdepth) else (10 if high_bitdepth else 8)
    return f"av01.{profile}.{level:02d}{'H' if tier else 'M'}.{depth:02d}"


def vp9_codec(vpcc: bytes) -> str:
    if len(vpcc) < 7 or vpcc[0] != 1:  # FullBox version 1
        raise CodecError("vpcC: expected version 1")
    profile, level, depth = vpcc[4], vpcc[5], vpcc[6] >> 4
    return f"vp09.{profile:02d}.{level:02d}.{depth:02d}"


def _descriptor(data: bytes, pos: int) -> tuple[int, int, int]:
    """(tag, content start, content end) of an MPEG-4 descriptor (14496-1)."""
    tag = data[pos]
    pos += 1
    size = 0
    for _ in range(4):
        byte = data[pos]
        pos += 1
        size = (size << 7) | (byte & 0x7F)
        if not byte & 0x80:
            break
    if pos + size > len(data):
        raise CodecError(f"esds: descriptor 0x{tag:02x} runs past its box")
    return tag, pos, pos + size


def mp4a_codec(esds: bytes) -> str:
    """``esds`` payload (FullBox) -> ``mp4a.40.<AOT>`` or ``mp4a.<OTI>``."""
    tag, pos, end = _descriptor(esds, 4)
    if tag != 0x03:
        raise CodecError("esds: no ES_Descriptor")
    flags = esds[pos + 2]
    pos += 3
    if flags & 0x80:
        pos += 2
    if flags & 0x40:
        pos += 1 + esds[pos]
    if flags & 0x20:
        pos += 2
    tag, pos, end = _descriptor(esds, pos)
    if tag != 0x04:
        raise CodecError("esds: no DecoderConfigDescriptor")
    oti = esds[pos]
    if oti != 0x40:
        return f"mp4a.{oti:02X}"
    tag, dsi, dsi_end = _descriptor(esds, pos + 13)
    if tag != 0x05 or dsi_end - dsi < 1:
        raise CodecError("esds: MPEG-4 audio without AudioSpecificConfig")
    aot = esds[dsi] >> 3
    if aot == 31:  # escape: 32 + the next 6 bits
        aot = 32 + (((esds[dsi] & 0x07) << 3) | (esds[dsi + 1] >> 5))
    return f"mp4a.40.{aot}"


# Sample entries whose codecs parameter is a fixed name (no profile/level).
_FIXED = {"Opus": "opus", "fLaC": "flac", "ac-3": "ac-3", "ec-3": "ec-3", "wvtt": "wvtt"}


def sample_entry_codec(entry: SampleEntry) -> str:
    fmt = entry.format
    if fmt in ("avc1", "avc3"):
        box, make = "avcC", lambda b: avc_codec(fmt, b)
    elif fmt in ("hvc1", "hev1"):
        box, make = "hvcC", lambda b: hevc_codec(fmt, b)
    elif fmt == "av01":
        box, make = "av1C", av1_codec
    elif fmt == "vp09":
        box, make = "vpcC", vp9_codec
    elif fmt == "mp4a":
        box, make = "esds", mp4a_codec
    elif fmt in _FIXED:
        return _FIXED[fmt]
    else:
        raise CodecError(f"no codecs string for sample entry {fmt!r}")
    config = entry.config(box)
    if config is None:
        raise CodecError(f"sample entry {fmt!r} has no {box} box")
    return make(config)


def track_codecs(init: bytes) -> list[tuple[Track, str]]:
    """Each track of an init segment with its codecs string, in track order."""
    return [(t, sample_entry_codec(t.entry)) for t in tracks(init)]


def codecs_from_init(data: bytes) -> str:
    """The ``CODECS`` value for an init segment: one string per track,
    comma-separated (a muxed audio+video init gives ``avc1...,mp4a.40.2``)."""
    return ",".join(codec for _, codec in track_codecs(data))
