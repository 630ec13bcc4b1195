"""HTTP byte ranges (RFC 9110 section 14) for the origin's own file answers.
aiohttp's FileResponse does this for the edge server; Django does not."""
from __future__ import annotations


class RangeNotSatisfiable(Exception):
    """Answer 416 with ``Content-Range: bytes */<size>``."""


def _digits(text: str) -> bool:
    return text == "" or (text.isascii() and text.isdigit())


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
    first_raw, last_raw = first_raw.strip(), last_raw.strip()
    # ASCII digits only: int() would also take "+5", "1_0", "-5" or "٣" and misread them.
    if not dash or not (first_raw or last_raw) or not (_digits(first_raw) and _digits(last_raw)):
        return None
    if first_raw == "":
        # A suffix of zero bytes selects nothing: unsatisfiable, never the whole file.
        suffix = int(last_raw)
        if suffix <= 0 or size == 0:
            raise RangeNotSatisfiable(header)
        return max(size - suffix, 0), size - 1
    first = int(first_raw)
    last = int(last_raw) if last_raw else size - 1
    if first >= size:
        raise RangeNotSatisfiable(header)
    if last < first:
        return None
    return first, min(last, size - 1)
