"""Timing lines: ``00:00:05,000 --> 00:00:07,500`` and the ways real files
get them slightly wrong.

Repairs are the ones with a single reading: a comma or a dot before the
milliseconds, missing hours, one-digit fields, missing milliseconds, a
two-character arrow. Minutes or seconds above 59 and an end before the
start are refused: guessing which number was mistyped could put every
later cue at the wrong moment."""
from __future__ import annotations

import re
from dataclasses import dataclass

from .model import Notes, SubtitleError, webvtt_timestamp
from .text import cue_line_clean

_TS = r"(?:(?P<{p}h>\d+):)?(?P<{p}m>\d{{1,2}}):(?P<{p}s>\d{{1,2}})(?:(?P<{p}sep>[.,])(?P<{p}f>\d{{1,3}}))?"
_TIMING = re.compile(
    rf"^[ \t]*{_TS.format(p='a')}[ \t]*(?P<arrow>-{{1,2}}>)[ \t]*{_TS.format(p='b')}(?P<rest>(?:[ \t].*)?)$"
)
_TIMING_LIKE = re.compile(r"^[ \t]*\d[\d:.,]*:[\d:.,]*[ \t]*-{1,2}>")
_SETTINGS = {
    "vertical": re.compile(r"rl|lr"),
    "line": re.compile(r"(?:-?\d+|(?:\d{1,2}(?:\.\d+)?|100(?:\.0+)?)%)(?:,(?:start|center|end))?"),
    "position": re.compile(r"(?:\d{1,2}(?:\.\d+)?|100(?:\.0+)?)%(?:,(?:line-left|center|line-right))?"),
    "size": re.compile(r"(?:\d{1,2}(?:\.\d+)?|100(?:\.0+)?)%"),
    "align": re.compile(r"start|center|end|left|right"),
}


@dataclass(frozen=True)
class Timing:
    start_ms: int
    end_ms: int
    settings: str


def is_timing_line(line: str, *, loose: bool = True) -> bool:
    """Where a cue's timing line belongs (a block's first or second line),
    anything with ``-->`` is one, as in WebVTT, so a mangled one is
    reported rather than shown as text. Further down, only a line that
    starts like a time is: dialogue such as ``a --> b`` stays dialogue."""
    return (loose and "-->" in line) or bool(_TIMING_LIKE.match(line))


def _example(fmt: str) -> str:
    sep = "," if fmt == "srt" else "."
    return f"'00:00:05{sep}000 --> 00:00:07{sep}500'"


def _ms(m: re.Match, p: str, fmt: str, line: int, notes: Notes) -> int:
    hours, minutes, seconds = m[f"{p}h"], m[f"{p}m"], m[f"{p}s"]
    sep, fraction = m[f"{p}sep"], m[f"{p}f"]
    raw = m.group(0).strip()
    if int(minutes) > 59 or int(seconds) > 59:
        raise SubtitleError(
            f"the timestamp in '{raw}' has more than 59 minutes or seconds, so it cannot be read. "
            f"Correct it; times look like {_example(fmt)}.", line)
    if sep == "," and fmt == "vtt":
        notes.add("comma", line, "the times use a comma before the milliseconds where WebVTT needs a dot; "
                                 "they were read as milliseconds.")
    if sep == "." and fmt == "srt":
        notes.add("dot", line, "the times use a dot before the milliseconds where SRT uses a comma; "
                               "they were read as milliseconds.")
    if hours is None and fmt == "srt":
        notes.add("no-hours", line, "the times have no hours (as in '00:01,500'); they were read as "
                                    "minutes and seconds.")
    if hours is not None and len(hours) == 1:
        notes.add("short-hours", line, "the hours have one digit (as in '0:00:01,000'); they were read as usual.")
    if len(minutes) == 1 or len(seconds) == 1 or fraction is None or len(fraction) < 3:
        notes.add("short-fields", line, "the times are missing digits (as in '00:00:5,5'); missing milliseconds "
                                        "were read as zero and '5,5' as 5.500 seconds.")
    millis = int((fraction or "0").ljust(3, "0"))
    return ((int(hours or 0) * 60 + int(minutes)) * 60 + int(seconds)) * 1000 + millis


def _settings(rest: str, fmt: str, line: int, notes: Notes) -> list[str]:
    """Valid WebVTT settings only. SRT has no settings; what follows its
    times is the old ``X1: Y1:`` box, which no player honours."""
    words = rest.split()
    if not words:
        return []
    if fmt == "srt":
        notes.add("srt-box", line, f"'{rest.strip()}' after the times is not used by players and was removed.")
        return []
    kept = []
    for word in words:
        name, _, value = word.partition(":")
        rule = _SETTINGS.get(name)
        if rule is not None and rule.fullmatch(value):
            kept.append(word)
        elif name == "region":
            notes.add("region", line, "the cue setting 'region' was removed along with the REGION blocks "
                                      "it refers to.")
        else:
            notes.add("setting", line, f"the cue setting '{word}' is not valid WebVTT and was removed.")
    return kept


def timing_parse(raw: str, fmt: str, line: int, notes: Notes) -> Timing:
    m = _TIMING.match(raw)
    if not m:
        raise SubtitleError(
            f"the timestamp '{raw.strip()}' cannot be read. Correct it; it should look like {_example(fmt)}.",
            line)
    if m["arrow"] != "-->":
        notes.add("arrow", line, "the arrow between the times is '->' instead of '-->'; it was read as an arrow.")
    start = _ms(m, "a", fmt, line, notes)
    end = _ms(m, "b", fmt, line, notes)
    if end < start:
        raise SubtitleError(
            f"this cue ends ({webvtt_timestamp(end)}) before it starts ({webvtt_timestamp(start)}). "
            "Correct the times and upload the file again.", line)
    return Timing(start, end, " ".join(_settings(m["rest"], fmt, line, notes)))


def text_clean(lines: list[tuple[int, str]], notes: Notes) -> tuple[tuple[str, ...], list[str]]:
    """Cue text lines cleaned; lines left empty by cleaning are dropped, as
    a blank line would end the cue in WebVTT."""
    out, settings = [], []
    for number, raw in lines:
        clean, wanted = cue_line_clean(raw, number, notes)
        settings += wanted
        if clean:
            out.append(clean)
    return tuple(out), settings
