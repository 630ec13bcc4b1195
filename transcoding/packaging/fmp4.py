"""fMP4 (CMAF) boxes: where each segment's leading keyframe ends, for
I-frame playlists. A small reader over the bytes ffmpeg wrote."""
from __future__ import annotations

import struct


def _boxes(data: bytes, start: int = 0, end: int | None = None):
    end = len(data) if end is None else end
    pos = start
    while pos + 8 <= end:
        size, kind = struct.unpack(">I4s", data[pos:pos + 8])
        header = 8
        if size == 1:
            size = struct.unpack(">Q", data[pos + 8:pos + 16])[0]
            header = 16
        elif size == 0:
            size = end - pos
        if size < header:
            return
        yield kind.decode("latin-1"), pos, header, size
        pos += size


def first_sample_end(segment: bytes) -> int:
    """Byte offset just past the first sample (the IDR) of the first fragment.

    An I-frame playlist entry is the bytes from the segment's start through
    that sample: the moof that describes it and the picture itself."""
    for kind, pos, header, size in _boxes(segment):
        if kind != "moof":
            continue
        moof_start = pos
        for k2, p2, h2, s2 in _boxes(segment, pos + header, pos + size):
            if k2 != "traf":
                continue
            base = moof_start
            default_size = None
            for k3, p3, h3, _s3 in _boxes(segment, p2 + h2, p2 + s2):
                body = p3 + h3
                if k3 == "tfhd":
                    flags = int.from_bytes(segment[body + 1:body + 4], "big")
                    cursor = body + 8  # version/flags + track_ID
                    if flags & 0x01:
                        base = struct.unpack(">Q", segment[cursor:cursor + 8])[0]
                        cursor += 8
                    if flags & 0x02:
                        cursor += 4
                    if flags & 0x08:
                        cursor += 4
                    if flags & 0x10:
                        default_size = struct.unpack(">I", segment[cursor:cursor + 4])[0]
                elif k3 == "trun":
                    flags = int.from_bytes(segment[body + 1:body + 4], "big")
                    cursor = body + 8  # version/flags + sample_count
                    data_offset = 0
                    if flags & 0x01:
                        data_offset = struct.unpack(">i", segment[cursor:cursor + 4])[0]
                        cursor += 4
                    if flags & 0x04:
                        cursor += 4  # first_sample_flags
                    if flags & 0x100:
                        cursor += 4  # sample_duration
                    sample_size = default_size
                    if flags & 0x200:
                        sample_size = struct.unpack(">I", segment[cursor:cursor + 4])[0]
                    if sample_size is None:
                        raise ValueError("trun without sample sizes")
                    return base + data_offset + sample_size
        break
    raise ValueError("no moof/trun in segment")
