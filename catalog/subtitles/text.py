"""Cue text made safe for WebVTT.

What survives is what every WebVTT reader understands: the tags ``c i b u
ruby rt v lang`` and karaoke timestamps, and character references that
exist. Everything else that could be read as markup is escaped, so a line
like ``Tom & Jerry <3`` shows as typed and a ``-->`` inside dialogue can no
longer be mistaken for a timing line. SRT's ``<font>`` tags are removed
(colour is the player's business, and WebVTT has no such tag); the
``{\\anN}`` position codes that SSA-trained editors put in SRT become the
nearest WebVTT cue settings."""
from __future__ import annotations

import re
from html.entities import html5

from .model import Notes

_TOKEN = re.compile(
    r"(?P<ass>\{\\[^{}\n]*\})"
    r"|(?P<tag><[^<>\n]*>)"
    r"|(?P<ref>&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});)"
    r"|(?P<amp>&)|(?P<lt><)|(?P<gt>>)"
)
_KNOWN_TAG = re.compile(
    r"<(?P<close>/?)(?P<name>c|i|b|u|ruby|rt|v|lang)(?P<classes>(?:\.[A-Za-z0-9_-]+)*)"
    r"(?P<annotation>[ \t][^<>]*)?>",
    re.I,
)
_TIMESTAMP_TAG = re.compile(r"<(?:\d{2,}:)?[0-5]\d:[0-5]\d\.\d{3}>")
_FONT_TAG = re.compile(r"</?font\b[^<>]*>", re.I)
_LOOKS_LIKE_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
_ASS_STYLE = re.compile(r"\\([ibu])([01])")
_ASS_POSITION = re.compile(r"\\an([1-9])")
_AMP = re.compile(r"&(?:(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});)?")
_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}

# {\anN} is a numeric keypad: 7 8 9 at the top, 1 2 3 at the bottom.
_VERTICAL = {7: "line:0", 8: "line:0", 9: "line:0", 4: "line:50%,center", 5: "line:50%,center", 6: "line:50%,center"}
_HORIZONTAL = {1: "align:left", 4: "align:left", 7: "align:left", 3: "align:right", 6: "align:right", 9: "align:right"}


def _escape(text: str) -> str:
    return "".join(_ESCAPES.get(ch, ch) for ch in text)


def _known_tag(raw: str) -> str | None:
    if _TIMESTAMP_TAG.fullmatch(raw):
        return raw
    m = _KNOWN_TAG.fullmatch(raw)
    if not m:
        return None
    name = m["name"].lower()
    if m["close"]:
        return f"</{name}>"
    return f"<{name}{m['classes']}{_annotation_escape((m['annotation'] or '').rstrip())}>"


def _annotation_escape(text: str) -> str:
    """A speaker name such as ``<v Tom &amp; Jerry>`` may hold references
    already; escaping them again would show ``&amp;`` to viewers."""
    return _AMP.sub(lambda m: _ref(m[0]) if m[1] else "&amp;", text)


def _ass_codes(raw: str, line: int, notes: Notes) -> tuple[str, list[str]]:
    """``{\\i1}`` and friends become tags; ``{\\an8}`` becomes settings;
    every other SSA code is dropped, since WebVTT has nothing like it."""
    tags = "".join(f"<{'' if on == '1' else '/'}{kind}>" for kind, on in _ASS_STYLE.findall(raw))
    settings: list[str] = []
    position = _ASS_POSITION.search(raw)
    if position:
        key = int(position[1])
        settings = [s for s in (_VERTICAL.get(key), _HORIZONTAL.get(key)) if s]
        where = " ".join(settings) or "the default place, bottom centre"
        notes.add("ass-position", line, f"the position code {{\\an{key}}} was turned into the WebVTT "
                                        f"setting '{where}'.")
    rest = _ASS_POSITION.sub("", _ASS_STYLE.sub("", raw[1:-1])).strip()
    if rest:
        notes.add("ass-other", line, f"the editor code {raw} has no WebVTT equivalent and was removed.")
    return tags, settings


def _tag(raw: str, line: int, notes: Notes) -> str:
    known = _known_tag(raw)
    if known is not None:
        return known
    if _FONT_TAG.fullmatch(raw):
        notes.add("font", line, "a <font> tag (colour or typeface) was removed: WebVTT players "
                                "choose the look of subtitles themselves.")
        return ""
    if _LOOKS_LIKE_TAG.fullmatch(raw):
        notes.add("unknown-tag", line, f"{raw} is not a WebVTT tag; it was kept as plain text, so "
                                       "viewers will see it. Remove it from the file if it is not wanted.")
    return _escape(raw)


def _ref(raw: str) -> str:
    if raw.startswith("&#") or raw[1:] in html5:
        return raw
    return "&amp;" + raw[1:]


def cue_line_clean(raw: str, line: int, notes: Notes) -> tuple[str, list[str]]:
    """One text line as safe WebVTT cue text, and any settings its SSA
    position code asked for."""
    out: list[str] = []
    settings: list[str] = []
    pos = 0
    for m in _TOKEN.finditer(raw):
        out.append(raw[pos:m.start()])
        pos = m.end()
        kind, value = m.lastgroup, m.group()
        if kind == "ass":
            tags, wanted = _ass_codes(value, line, notes)
            out.append(tags)
            settings += wanted
        elif kind == "tag":
            out.append(_tag(value, line, notes))
        elif kind == "ref":
            out.append(_ref(value))
        else:
            out.append(_ESCAPES[value])
    out.append(raw[pos:])
    return "".join(out).strip(" \t"), settings
