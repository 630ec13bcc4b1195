"""The one entry point for an upload: bytes in, a checked document out."""
from __future__ import annotations

import math

from .decode import text_decode
from .model import Notes, SubtitleDocument, SubtitleError
from .parse import cues_parse, format_detect
from .repair import cues_repair

MAX_BYTES = 5 * 1024 * 1024
MAX_CUES = 20_000


def subtitle_file_read(
    data: bytes,
    *,
    duration: float | None = None,
    filename: str = "",
    max_bytes: int = MAX_BYTES,
    max_cues: int = MAX_CUES,
) -> SubtitleDocument:
    """Reads an uploaded SRT or WebVTT file and repairs what has a single
    safe reading; raises :class:`SubtitleError` for the rest.

    ``duration`` is the video's length in seconds: cues that start after it
    are dropped and cues that run past it are trimmed, each with a warning.
    ``filename`` only decides the format of a file whose content does not."""
    if duration is not None and not (math.isfinite(duration) and duration > 0):
        raise ValueError(f"The video's duration must be a positive number of seconds, not {duration!r}.")
    notes = Notes()
    text, encoding = text_decode(data, notes, max_bytes=max_bytes)
    fmt = format_detect(text, filename, notes)
    cues, timing_lines = cues_parse(text, fmt, notes, max_cues=max_cues)
    if not timing_lines:
        raise SubtitleError(
            "The file holds no subtitles: no line has times such as '00:00:01,000 --> 00:00:04,000'. "
            "Check that this is an SRT or WebVTT subtitle file."
        )
    if not cues:
        raise SubtitleError("Every cue in the file is empty, so there is nothing to show. "
                            "Check that the right file was exported.")
    duration_ms = None if duration is None else round(duration * 1000)
    cues = cues_repair(cues, notes, duration_ms=duration_ms)
    return SubtitleDocument(cues=cues, warnings=notes.messages(), source_format=fmt, encoding=encoding)
