"""The shapes every subtitle step shares: a cue, a read file, the error a
person sees, and the warning notebook.

Times are whole milliseconds (``int``) everywhere: both SRT and WebVTT count
in milliseconds, so integers round-trip exactly, where floats would turn
00:00:01.001 into 1.0009999 and drift on the way out."""
from __future__ import annotations

from dataclasses import dataclass, field

MS_PER_SECOND = 1000


class SubtitleError(ValueError):
    """A file that cannot be repaired safely. ``line`` is 1-based in the
    uploaded file, or ``None`` when the whole file is at fault."""

    def __init__(self, message: str, line: int | None = None) -> None:
        self.message = message
        self.line = line
        super().__init__(f"Line {line}: {message}" if line else message)


@dataclass(frozen=True, slots=True)
class Cue:
    """One cue. ``lines`` hold WebVTT cue text that is already safe to write
    (known tags only, ``&`` ``<`` ``>`` escaped). ``settings`` is the WebVTT
    settings text (``line:0 align:left``), empty for none. ``source_line`` is
    where the timing line stood in the upload, for messages only."""

    start_ms: int
    end_ms: int
    lines: tuple[str, ...]
    identifier: str = ""
    settings: str = ""
    source_line: int = field(default=0, compare=False)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def webvtt_timestamp(ms: int) -> str:
    """``HH:MM:SS.mmm``, always with hours: every WebVTT reader accepts it."""
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def webvtt_cue_render(cue: Cue) -> str:
    """One cue block, without the blank line that separates blocks."""
    timing = f"{webvtt_timestamp(cue.start_ms)} --> {webvtt_timestamp(cue.end_ms)}"
    if cue.settings:
        timing += " " + cue.settings
    head = [cue.identifier] if cue.identifier else []
    return "\n".join([*head, timing, *cue.lines])


def webvtt_render(cues: list[Cue]) -> str:
    """A whole WebVTT document: the header, then one block per cue."""
    return "\n\n".join(["WEBVTT", *(webvtt_cue_render(c) for c in cues)]) + "\n"


@dataclass
class SubtitleDocument:
    cues: list[Cue]
    warnings: list[str]
    source_format: str
    encoding: str

    def webvtt(self) -> str:
        return webvtt_render(self.cues)


@dataclass
class _Note:
    line: int
    text: str
    lines: set[int] = field(default_factory=set)


class Notes:
    """Warnings, one per kind of repair: a file with a comma in every
    timestamp gets one sentence naming the first line and how many other
    lines have it, not four thousand sentences nobody reads."""

    def __init__(self) -> None:
        self._notes: dict[str, _Note] = {}

    def add(self, kind: str, line: int, text: str) -> None:
        self._notes.setdefault(kind, _Note(line, text)).lines.add(line)

    def once(self, line: int, text: str) -> None:
        self.add(f"once-{len(self._notes)}", line, text)

    def messages(self) -> list[str]:
        out = []
        for note in sorted(self._notes.values(), key=lambda n: n.line):
            more = len(note.lines) - 1
            tail = f" The same was found on {more} more line{'s' if more > 1 else ''}." if more else ""
            out.append(f"Line {note.line}: {note.text}{tail}")
        return out
