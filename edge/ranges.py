"""HTTP byte ranges (RFC 9110 section 14) for the origin's own file answers.
aiohttp's FileResponse does this for the edge server; Django does not."""
from __future__ import annotations


class RangeNotSatisfiable(Exception):
    """Answer 416 with ``Content-Range: bytes */<size>``."""


def byte_range_parse(header: str | None, size: int) -> tuple[int, int] | None:
    """(first, last) inclusive for a single ``bytes=`` range, None to send the
    whole body (no header, or a form we do not serve such as multiple ranges,
    which RFC 9110 lets a server ignore)."""
    if not header:
        return None
    unit, _, spec = header.partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    first_raw, dash, last_raw = spec.strip().partition("-")
    if not dash:
        return None
    try:
        if first_raw == "":
            suffix = int(last_raw)
            if suffix <= 0 or size == 0:
                raise RangeNotSatisfiable(header)
            return max(size - suffix, 0), size - 1
        first = int(first_raw)
        last = int(last_raw) if last_raw else size - 1
    except ValueError:
        return None
    if first >= size:
        raise RangeNotSatisfiable(header)
    if first < 0 or last < first:
        return None
    return first, min(last, size - 1)
