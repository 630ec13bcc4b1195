"""Blocks of lines to cues, for SRT and WebVTT alike.

One reader serves both formats because real files mix them: SRT with dots,
WebVTT with commas, either with a blank line missing or an extra one inside
a cue. What differs is small and kept here: WebVTT has a header, cue names,
settings and NOTE/STYLE/REGION blocks; SRT has numbered cues, whose numbers
are dropped (after sorting and removing empty cues they would be wrong, and
players never show them).

STYLE and REGION blocks are dropped with a warning. STYLE is CSS from an
upload, applied inside the viewer's browser (``::cue`` allows
``background-image: url(...)``, which would let a file make every viewer's
browser call an outside address), and hls.js, our player, ignores both
kinds of block anyway (its vttparser.ts leaves region parsing commented
out). NOTE blocks are comments for editors and are dropped silently."""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from .model import Cue, Notes, SubtitleError
from .timing import is_timing_line, text_clean, timing_parse

Line = tuple[int, str]

_HEADER = re.compile(r"WEBVTT(?:[ \t].*)?")
_NOTE = re.compile(r"NOTE(?:[ \t].*)?")
_DROPPED_BLOCK = re.compile(r"(STYLE|REGION)[ \t]*")
_TAGS = re.compile(r"<[^<>]*>")
_DROPPED_WHY = {
    "STYLE": "the STYLE block was removed: styles in a file could make viewers' browsers load outside "
             "content, and our player styles subtitles itself.",
    "REGION": "the REGION block was removed: our player does not support regions, so cues show in "
              "the usual place.",
}


def format_detect(text: str, filename: str, notes: Notes) -> str:
    """``"vtt"`` or ``"srt"``, from the first line that is not blank; the
    file name only settles a file without a header."""
    number, first = next((n, line) for n, line in enumerate(text.split("\n"), 1) if line.strip())
    named = filename.lower().rsplit(".", 1)[-1] if "." in filename else ""
    if _HEADER.fullmatch(first):
        if named == "srt":
            notes.once(number, "the file is named .srt but its content is WebVTT; it was read as WebVTT.")
        return "vtt"
    if first.strip(" \t").upper().startswith("WEBVTT"):
        notes.once(number, f"the first line should read exactly 'WEBVTT' but reads '{first.strip()}'; "
                           "the file was read as WebVTT.")
        return "vtt"
    if named == "vtt":
        notes.once(number, "the file is named .vtt but does not start with the line 'WEBVTT'; "
                           "it was read as WebVTT.")
        return "vtt"
    return "srt"


def _blocks(text: str) -> list[list[Line]]:
    blocks: list[list[Line]] = []
    current: list[Line] = []
    for number, line in enumerate(text.split("\n"), 1):
        if line.strip(" \t"):
            current.append((number, line))
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def _visible(line: str) -> bool:
    return bool(_TAGS.sub("", line).strip())


@dataclass
class _Reader:
    fmt: str
    notes: Notes
    max_cues: int
    cues: list[Cue] = field(default_factory=list)
    names: set[str] = field(default_factory=set)
    timing_lines: int = 0

    def header(self, block: list[Line]) -> list[Line]:
        """Reads the header block; returns the cue lines that follow it
        when the blank line after the header is missing."""
        rest = block[1:]
        for number, line in rest:
            if is_timing_line(line):
                self.notes.once(number, "a blank line was missing after the WEBVTT header; it was added.")
                return rest[rest.index((number, line)):]
            if line.startswith("X-TIMESTAMP-MAP"):
                self.notes.once(number, "the file has an HLS timing line (X-TIMESTAMP-MAP); it was ignored. "
                                        "Check that the subtitles are in time with the video.")
        return []

    def block(self, block: list[Line]) -> None:
        first_number, first = block[0][0], block[0][1].strip(" \t")
        if self.fmt == "vtt" and _NOTE.fullmatch(first):
            return
        dropped = _DROPPED_BLOCK.fullmatch(first) if self.fmt == "vtt" else None
        if dropped:
            self.notes.add(dropped[1], first_number, _DROPPED_WHY[dropped[1]])
            return
        stamps: list[int] = []
        for i, (_, line) in enumerate(block):
            if is_timing_line(line, loose=not stamps and i <= 1):
                stamps.append(i)
        if not stamps:
            self._without_timing(block)
            return
        name_at = stamps[0] - 1
        self._orphans(block[:max(name_at, 0)])
        name = block[name_at] if name_at >= 0 else None
        if name and self.fmt == "srt" and not name[1].strip().isdigit():
            self._orphans([name])
            name = None
        ends = stamps[1:] + [len(block)]
        for pos, end in zip(stamps, ends, strict=True):
            text = block[pos + 1:end]
            if end < len(block):
                self.notes.add("no-blank", block[end][0], "a blank line was missing before this cue; "
                                                          "the cue was read on its own.")
                if self.fmt == "srt" and text and text[-1][1].strip().isdigit():
                    text = text[:-1]
            self._cue(name, block[pos], text)
            name = None

    def _without_timing(self, block: list[Line]) -> None:
        number, first = block[0]
        if first.strip().isdigit() and self.fmt == "srt":
            if len(block) == 1:
                self.notes.add("lone-number", number, "a cue number with no times after it was ignored.")
                return
            raise SubtitleError(
                f"cue {first.strip()} has no timing line, so there is no telling when to show it. Add its "
                "times on the next line (as in '00:00:05,000 --> 00:00:07,500') or remove the cue.", number)
        self._orphans(block)

    def _orphans(self, lines: list[Line]) -> None:
        """Text with no times of its own, nearly always because a blank line
        slipped into a cue: it joins the cue above rather than vanish."""
        if not lines:
            return
        number = lines[0][0]
        if not self.cues:
            self.notes.add("orphan-first", number, "text with no times, before the first cue, was ignored.")
            return
        extra, _ = text_clean(lines, self.notes)
        self.notes.add("orphan", number, "text with no times of its own (perhaps after a blank line inside a "
                                         "cue) was added to the cue above it.")
        last = self.cues[-1]
        self.cues[-1] = replace(last, lines=last.lines + extra)

    def _name(self, name: Line | None) -> str:
        if name is None or self.fmt == "srt":
            return ""
        number, text = name
        text = text.strip(" \t")
        if text in self.names:
            self.notes.add("same-name", number, f"the cue name '{text}' was already used by an earlier cue and "
                                                "was removed here: players hide a cue whose name repeats.")
            return ""
        self.names.add(text)
        return text

    def _cue(self, name: Line | None, timing_line: Line, text: list[Line]) -> None:
        number, raw = timing_line
        self.timing_lines += 1
        timing = timing_parse(raw, self.fmt, number, self.notes)
        lines, wanted = text_clean(text, self.notes)
        if not any(_visible(line) for line in lines):
            self.notes.add("empty", number, "a cue with no text was removed.")
            return
        if timing.end_ms == timing.start_ms:
            self.notes.add("zero", number, "a cue that ends the moment it starts would never show; it was removed.")
            return
        if len(self.cues) >= self.max_cues:
            raise SubtitleError(
                f"the file has more than {self.max_cues:,} cues, the most one subtitle file may hold "
                "(a feature film has about 1,500). Check that this is the right file.", number)
        present = {s.split(":")[0] for s in timing.settings.split()}
        settings = [timing.settings] if timing.settings else []
        settings += [s for s in dict.fromkeys(wanted) if s.split(":")[0] not in present]
        self.cues.append(Cue(timing.start_ms, timing.end_ms, lines, self._name(name), " ".join(settings), number))


def cues_parse(text: str, fmt: str, notes: Notes, *, max_cues: int) -> tuple[list[Cue], int]:
    """The cues in file order, and how many timing lines were seen (to tell
    'no cues at all' from 'every cue was empty')."""
    reader = _Reader(fmt, notes, max_cues)
    blocks = _blocks(text)
    if fmt == "vtt" and blocks[0][0][1].strip(" \t").upper().startswith("WEBVTT"):
        rest = reader.header(blocks[0])
        blocks = ([rest] if rest else []) + blocks[1:]
    for block in blocks:
        reader.block(block)
    return reader.cues, reader.timing_lines
