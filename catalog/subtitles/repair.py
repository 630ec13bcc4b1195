"""Whole-file repairs, after every cue has been read on its own.

Overlapping cues are kept as they are and reported. WebVTT allows overlaps
and players stack the cues, which is what a file means when two people
speak at once or a sign is captioned during dialogue; trimming the earlier
cue would cut such text short, and we cannot tell those cases from a
careless export. The warning names the first overlap so staff can look."""
from __future__ import annotations

from dataclasses import replace
from itertools import pairwise

from .model import Cue, Notes, SubtitleError, webvtt_timestamp


def _within(cues: list[Cue], duration_ms: int, notes: Notes) -> list[Cue]:
    """Cues past the video's end are dropped; cues running past it are
    trimmed, so the player never shows text over a black screen."""
    end = webvtt_timestamp(duration_ms)
    kept = []
    for cue in cues:
        if cue.start_ms >= duration_ms:
            notes.add("after-end", cue.source_line, f"this cue starts at {webvtt_timestamp(cue.start_ms)}, after "
                                                    f"the video ends ({end}); it was removed.")
        elif cue.end_ms > duration_ms:
            notes.add("past-end", cue.source_line, f"this cue runs past the end of the video ({end}); it was "
                                                   "shortened to end with the video.")
            kept.append(replace(cue, end_ms=duration_ms))
        else:
            kept.append(cue)
    if cues and not kept:
        raise SubtitleError(
            f"Every cue starts after the video ends (at {end}), the first at "
            f"{webvtt_timestamp(min(c.start_ms for c in cues))}. Check that these subtitles belong to this video."
        )
    return kept


def _sorted(cues: list[Cue], notes: Notes) -> list[Cue]:
    """Stable: cues that start together keep their file order, which is the
    order players stack them in."""
    for before, cue in pairwise(cues):
        if cue.start_ms < before.start_ms:
            notes.once(cue.source_line, "this cue starts before the cue above it; all cues were put in time order.")
            return sorted(cues, key=lambda c: c.start_ms)
    return cues


def _without_repeats(cues: list[Cue], notes: Notes) -> list[Cue]:
    seen: set[tuple] = set()
    kept = []
    for cue in cues:
        key = (cue.start_ms, cue.end_ms, cue.lines, cue.settings)
        if key in seen:
            notes.add("repeat", cue.source_line, "this cue repeats an earlier one exactly (same times and "
                                                 "text); the copy was removed.")
            continue
        seen.add(key)
        kept.append(cue)
    return kept


def _overlaps_report(cues: list[Cue], notes: Notes) -> None:
    latest_end = -1
    for cue in cues:
        if cue.start_ms < latest_end:
            notes.add("overlap", cue.source_line, "this cue starts before the cue above it has ended, so both "
                                                  "show at once, one above the other. They were kept as they are; "
                                                  "change the times if that is not intended.")
        latest_end = max(latest_end, cue.end_ms)


def cues_repair(cues: list[Cue], notes: Notes, *, duration_ms: int | None) -> list[Cue]:
    if duration_ms is not None:
        cues = _within(cues, duration_ms, notes)
    cues = _without_repeats(_sorted(cues, notes), notes)
    _overlaps_report(cues, notes)
    return cues
