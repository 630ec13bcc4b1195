"""A small reader for ISO base media files (MP4, CMAF init and media segments).

Why our own: the packager must describe what the encoder really wrote
(CODECS strings, timescales, segment durations for a DASH SegmentTimeline),
and those facts live in a handful of boxes. Reading them takes ~200 lines of
struct unpacking; it needs no third-party parser and no ffprobe process per
segment. Only what the packager needs is decoded (ISO/IEC 14496-12):

- ``iter_boxes`` / ``find`` / ``find_all``: walk boxes, including 64-bit
  ``largesize`` and "to end of file" (size 0) boxes.
- ``tracks(init)``: per track its id, handler (``vide``/``soun``/...),
  timescale and sample entry (stsd's first entry, with its child boxes).
- ``iter_samples(segment, init)``: every sample of a fragmented segment
  (decode time, duration, composition offset, byte range, sync flag), with
  ``trun`` values falling back to ``tfhd`` and then ``trex`` defaults.
- ``fragment_timing(segment, init)``: per track the ``tfdt`` start, the sum
  of sample durations and whether the first sample is a sync sample.
"""
from __future__ import annotations

import struct
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

# Boxes whose payload is nothing but child boxes.
CONTAINERS = frozenset({
    "moov", "trak", "mdia", "minf", "stbl", "dinf", "edts", "mvex", "moof", "traf",
    "mfra", "udta", "sinf", "schi",
})


class BoxError(ValueError):
    """The bytes are not the ISO BMFF structure the caller expected."""


@dataclass(frozen=True)
class Box:
    """One box inside ``data``: ``data[start:end]``, payload after ``header``."""
    type: str
    start: int
    header: int
    end: int
    data: bytes = field(repr=False)

    @property
    def payload_start(self) -> int:
        return self.start + self.header

    @property
    def payload(self) -> bytes:
        return self.data[self.payload_start:self.end]

    def children(self, skip: int = 0) -> Iterator[Box]:
        """Child boxes, after ``skip`` bytes of the box's own fields."""
        return iter_boxes(self.data, self.payload_start + skip, self.end)


def iter_boxes(data: bytes, start: int = 0, end: int | None = None) -> Iterator[Box]:
    end = len(data) if end is None else end
    pos = start
    while pos + 8 <= end:
        size, raw_type = struct.unpack_from(">I4s", data, pos)
        header = 8
        if size == 1:
            if pos + 16 > end:
                raise BoxError(f"truncated largesize at {pos}")
            size = struct.unpack_from(">Q", data, pos + 8)[0]
            header = 16
        elif size == 0:
            size = end - pos
        if size < header or pos + size > end:
            raise BoxError(f"box {raw_type!r} at {pos} has size {size}, past the end ({end})")
        yield Box(raw_type.decode("latin-1"), pos, header, pos + size, data)
        pos += size


def find_all(data: bytes, path: str | Sequence[str], start: int = 0, end: int | None = None) -> list[Box]:
    """Every box at ``path`` ("moov/trak/mdia"), descending through containers."""
    parts = path.split("/") if isinstance(path, str) else list(path)
    found = [b for b in iter_boxes(data, start, end) if b.type == parts[0]]
    for part in parts[1:]:
        found = [c for b in found for c in b.children() if c.type == part]
    return found


def find(data: bytes, path: str | Sequence[str], start: int = 0, end: int | None = None) -> Box | None:
    hits = find_all(data, path, start, end)
    return hits[0] if hits else None


def child(box: Box, box_type: str, skip: int = 0) -> Box | None:
    return next((c for c in box.children(skip) if c.type == box_type), None)


def full_box_header(box: Box) -> tuple[int, int]:
    """(version, flags) of a FullBox."""
    word = struct.unpack_from(">I", box.data, box.payload_start)[0]
    return word >> 24, word & 0xFFFFFF


# Bytes between a sample entry's header and its child boxes.
_VISUAL_FIELDS = 8 + 70           # SampleEntry (6 reserved + data_reference_index) + VisualSampleEntry
_AUDIO_FIELDS = {0: 28, 1: 28 + 16, 2: 28 + 36}  # AudioSampleEntry; QuickTime v1/v2 sound descriptions


@dataclass(frozen=True)
class SampleEntry:
    """The first entry of a track's ``stsd``; ``format`` is the original
    format for protected entries (``encv``/``enca`` carry it in ``sinf/frma``)."""
    type: str
    format: str
    box: Box
    boxes: dict[str, Box]

    def config(self, box_type: str) -> bytes | None:
        b = self.boxes.get(box_type)
        return b.payload if b else None


@dataclass(frozen=True)
class Track:
    track_id: int
    handler: str
    timescale: int
    entry: SampleEntry
    width: int = 0
    height: int = 0
    default_sample_duration: int = 0   # from mvex/trex


def _sample_entry(stsd: Box, handler: str) -> SampleEntry:
    entries = list(stsd.children(skip=8))  # version/flags + entry_count
    if not entries:
        raise BoxError("stsd has no sample entry")
    entry = entries[0]
    if handler == "vide":
        skip = _VISUAL_FIELDS
    elif handler == "soun":
        version = struct.unpack_from(">H", entry.data, entry.payload_start + 8)[0]
        skip = _AUDIO_FIELDS.get(version, 28)
    else:
        skip = 8  # text/subtitle entries: children (if any) follow the SampleEntry fields
    try:
        boxes = {c.type: c for c in entry.children(skip)}
    except BoxError:
        boxes = {}
    fmt = entry.type
    sinf = boxes.get("sinf")
    if sinf is not None:
        frma = child(sinf, "frma")
        if frma is not None:
            fmt = frma.payload[:4].decode("latin-1")
    return SampleEntry(entry.type, fmt, entry, boxes)


def tracks(init: bytes) -> list[Track]:
    """The tracks of an init segment (or any file with a ``moov``), in order."""
    moov = find(init, "moov")
    if moov is None:
        raise BoxError("no moov box: not an init segment")
    trex = {}
    for box in find_all(init, "moov/mvex/trex"):
        track_id, _desc, duration = struct.unpack_from(">III", box.data, box.payload_start + 4)
        trex[track_id] = duration
    out = []
    for trak in (c for c in moov.children() if c.type == "trak"):
        tkhd = child(trak, "tkhd")
        mdhd = next(iter(find_all(trak.data, "mdia/mdhd", trak.payload_start, trak.end)), None)
        hdlr = next(iter(find_all(trak.data, "mdia/hdlr", trak.payload_start, trak.end)), None)
        stsd = next(iter(find_all(trak.data, "mdia/minf/stbl/stsd", trak.payload_start, trak.end)), None)
        if tkhd is None or mdhd is None or hdlr is None or stsd is None:
            raise BoxError("trak lacks tkhd, mdhd, hdlr or stsd")
        version, _ = full_box_header(tkhd)
        track_id = struct.unpack_from(">I", tkhd.data, tkhd.payload_start + (20 if version == 1 else 12))[0]
        # width/height are the last two 16.16 fixed-point fields of tkhd
        width, height = (v >> 16 for v in struct.unpack_from(">II", tkhd.data, tkhd.end - 8))
        version, _ = full_box_header(mdhd)
        timescale = struct.unpack_from(">I", mdhd.data, mdhd.payload_start + (20 if version == 1 else 12))[0]
        handler = hdlr.payload[8:12].decode("latin-1")
        out.append(Track(track_id, handler, timescale, _sample_entry(stsd, handler), width, height,
                         trex.get(track_id, 0)))
    return out


@dataclass(frozen=True)
class Sample:
    """One sample of a fragmented file, in its track's timescale. ``offset``
    and ``size`` locate its bytes in the segment (inside ``mdat``)."""
    track_id: int
    decode_time: int
    duration: int
    composition_offset: int
    offset: int
    size: int
    is_sync: bool

    @property
    def presentation_time(self) -> int:
        return self.decode_time + self.composition_offset


_NON_SYNC = 0x00010000  # sample_is_non_sync_sample in sample flags
_TRUN_FIELDS = ((0x100, "duration"), (0x200, "size"), (0x400, "flags"), (0x800, "cto"))


def _signed(value: int) -> int:
    return value - (1 << 32) if value & 0x80000000 else value


def iter_samples(segment: bytes, init: bytes | None = None) -> Iterator[Sample]:
    """Every sample of every ``moof`` in a media segment, in decode order.

    ``init`` supplies the ``trex`` defaults a fragment may rely on. Data
    offsets are taken relative to the ``moof`` (``default-base-is-moof``,
    what CMAF requires and ffmpeg writes) unless ``tfhd`` carries an
    explicit base data offset."""
    defaults = {t.track_id: t.default_sample_duration for t in tracks(init)} if init else {}
    next_time: dict[int, int] = {}
    for moof in (b for b in iter_boxes(segment) if b.type == "moof"):
        for traf in (c for c in moof.children() if c.type == "traf"):
            tfhd = child(traf, "tfhd")
            if tfhd is None:
                raise BoxError("traf without tfhd")
            _, flags = full_box_header(tfhd)
            pos = tfhd.payload_start + 4
            track_id = struct.unpack_from(">I", segment, pos)[0]
            pos += 4
            base = moof.start
            if flags & 0x1:
                base = struct.unpack_from(">Q", segment, pos)[0]
                pos += 8
            pos += 4 if flags & 0x2 else 0
            default_duration = defaults.get(track_id, 0)
            if flags & 0x8:
                default_duration = struct.unpack_from(">I", segment, pos)[0]
                pos += 4
            default_size = 0
            if flags & 0x10:
                default_size = struct.unpack_from(">I", segment, pos)[0]
                pos += 4
            default_flags = struct.unpack_from(">I", segment, pos)[0] if flags & 0x20 else 0
            time = next_time.get(track_id, 0)
            tfdt = child(traf, "tfdt")
            if tfdt is not None:
                version, _ = full_box_header(tfdt)
                time = struct.unpack_from(">Q" if version == 1 else ">I", segment, tfdt.payload_start + 4)[0]
            for trun in (c for c in traf.children() if c.type == "trun"):
                version, tflags = full_box_header(trun)
                count = struct.unpack_from(">I", segment, trun.payload_start + 4)[0]
                pos = trun.payload_start + 8
                data = base
                if tflags & 0x1:
                    data = base + _signed(struct.unpack_from(">I", segment, pos)[0])
                    pos += 4
                first_flags = None
                if tflags & 0x4:
                    first_flags = struct.unpack_from(">I", segment, pos)[0]
                    pos += 4
                present = [name for bit, name in _TRUN_FIELDS if tflags & bit]
                for i in range(count):
                    values = dict(zip(present, struct.unpack_from(">" + "I" * len(present), segment, pos), strict=True))
                    pos += 4 * len(present)
                    duration = values.get("duration", default_duration)
                    size = values.get("size", default_size)
                    sflags = first_flags if (i == 0 and first_flags is not None) else values.get("flags", default_flags)
                    cto = values.get("cto", 0)
                    cto = _signed(cto) if version == 1 else cto
                    yield Sample(track_id, time, duration, cto, data, size, not sflags & _NON_SYNC)
                    time += duration
                    data += size
            next_time[track_id] = time


@dataclass(frozen=True)
class FragmentTiming:
    """One track's media in a segment, in its ``mdhd`` timescale."""
    track_id: int
    start: int          # decode time of the first sample (tfdt)
    duration: int       # sum of every sample's duration
    samples: int
    starts_with_sync: bool


def fragment_timing(segment: bytes, init: bytes | None = None) -> list[FragmentTiming]:
    """Per track: where a media segment starts and how long it lasts, the
    figures a DASH ``SegmentTimeline`` (``S@t``, ``S@d``) is built from."""
    acc: dict[int, list[Sample]] = {}
    for sample in iter_samples(segment, init):
        acc.setdefault(sample.track_id, []).append(sample)
    return [
        FragmentTiming(tid, s[0].decode_time, sum(x.duration for x in s), len(s), s[0].is_sync)
        for tid, s in acc.items()
    ]
