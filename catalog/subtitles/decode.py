"""From uploaded bytes to text with ``\\n`` line ends.

Staff export subtitles from many tools: Windows editors still write
Windows-1252 or UTF-16 with a byte-order mark, Macs sometimes end lines with
a bare CR. The encoding is decided by the bytes, never by the file name."""
from __future__ import annotations

import codecs
import re

from .model import Notes, SubtitleError

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_BINARY_SHARE = 0.01
_OTHER_FORMATS = (
    (re.compile(r"^\s*\[Script Info\]", re.I), "an SSA/ASS file"),
    (re.compile(r"^\s*<SAMI", re.I), "a SAMI file"),
    (re.compile(r"^\s*(<\?xml|<tt[\s>])", re.I), "an XML file (TTML or DFXP)"),
    (re.compile(r"^\s*Scenarist_SCC", re.I), "an SCC caption file"),
)


def _line_of(data: bytes, offset: int) -> int:
    head = data[:offset]
    return head.count(b"\n") + 1 if b"\n" in data else head.count(b"\r") + 1


def _decode_legacy(data: bytes, error: UnicodeDecodeError, notes: Notes) -> tuple[str, str]:
    """Not UTF-8: Windows-1252 is what Western editors save by default, and
    Latin-1 reads the five bytes Windows-1252 leaves undefined."""
    try:
        text, encoding, label = data.decode("cp1252"), "cp1252", "Windows-1252 (Western European)"
    except UnicodeDecodeError:
        text, encoding, label = data.decode("latin-1"), "latin-1", "Latin-1 (Western European)"
    notes.once(
        _line_of(data, error.start),
        f"the file is not saved as UTF-8 (the first character that is not UTF-8 is on this line); "
        f"it was read as {label}. Check that accented letters such as é and ü look right; "
        f"if they do not, save the file as UTF-8 and upload it again.",
    )
    return text, encoding


def _decode(data: bytes, notes: Notes) -> tuple[str, str]:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data[len(bom):].decode(encoding.removesuffix("-sig")), encoding
            except UnicodeDecodeError as exc:
                raise SubtitleError(
                    f"The file starts with a {encoding.upper()} byte-order mark but is not valid "
                    f"{encoding.upper()} (byte {exc.start + len(bom)} is wrong). "
                    "Save it again as UTF-8 and upload it."
                ) from exc
    if b"\x00" in data:
        raise _binary()
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        return _decode_legacy(data, exc, notes)


def _binary() -> SubtitleError:
    return SubtitleError(
        "This is not a text file: it holds binary data, as a video, an image or a word-processor "
        "document does. Upload the subtitles as an .srt or .vtt text file."
    )


def _remove_controls(text: str, notes: Notes) -> str:
    found = _CONTROL.search(text)
    if not found:
        return text
    if "\x00" in text or len(_CONTROL.findall(text)) > _BINARY_SHARE * len(text):
        raise _binary()
    notes.once(text.count("\n", 0, found.start()) + 1,
               "invisible control characters were found and removed.")
    return _CONTROL.sub("", text)


def _size(n: int) -> str:
    if n >= 1048576:
        return f"{n / 1048576:.1f} MiB"
    return f"{n / 1024:.0f} KiB" if n >= 1024 else f"{n} bytes"


def text_decode(data: bytes, notes: Notes, *, max_bytes: int) -> tuple[str, str]:
    """The file's text with ``\\n`` line ends, and the encoding it was read as."""
    if not data:
        raise SubtitleError("The file is empty. Choose the subtitle file again: it may not have been saved.")
    if len(data) > max_bytes:
        raise SubtitleError(
            f"The file is {_size(len(data))}, over the {_size(max_bytes)} limit for "
            "subtitles (a feature film's subtitles are usually under 200 KiB). Check that this is a subtitle file."
        )
    text, encoding = _decode(data, notes)
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    text = _remove_controls(text, notes)
    if not text.strip():
        raise SubtitleError("The file holds only blank lines. Choose the subtitle file again.")
    for pattern, kind in _OTHER_FORMATS:
        if pattern.match(text):
            raise SubtitleError(
                f"This looks like {kind}, not SRT or WebVTT. Export the subtitles as SRT or WebVTT "
                "from your subtitle editor and upload that file."
            )
    return text, encoding
