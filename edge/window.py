"""Off-peak windows as ``HH:MM-HH:MM`` in UTC (pure; shared by the planner,
the admin and the edges that run their plans)."""
from __future__ import annotations

from datetime import UTC, datetime


def window_parse(window: str) -> tuple[int, int]:
    """``"20:30-01:30"`` -> (start, end) in minutes after midnight UTC;
    ValueError if malformed. end may be 1440 (24:00); start == end is all day."""
    try:
        start_text, end_text = window.strip().split("-")
        start_h, start_m = (int(part) for part in start_text.split(":"))
        end_h, end_m = (int(part) for part in end_text.split(":"))
    except ValueError:
        raise ValueError(f"{window!r} is not a window like 01:00-06:00") from None
    start, end = start_h * 60 + start_m, end_h * 60 + end_m
    if not (0 <= start < 1440 and 0 <= end <= 1440 and 0 <= start_m < 60 and 0 <= end_m < 60):
        raise ValueError(f"{window!r} is not a window like 01:00-06:00")
    return start, end


def window_is_open(window: str, *, at: datetime | None = None) -> bool:
    """Is ``at`` (default now) inside the window? Windows may wrap midnight."""
    start, end = window_parse(window)
    at = (at or datetime.now(UTC)).astimezone(UTC)
    minute = at.hour * 60 + at.minute
    if start == end:
        return True
    if start < end:
        return start <= minute < end
    return minute >= start or minute < end
