"""Strict JSON: what every API view and the player's JSON endpoints accept.

Refused with a 400 and a reason (ParseError, so the one error format):
NaN and Infinity (also written as numbers too large for a float, 1e400),
nesting deeper than API_JSON_MAX_DEPTH, integers longer than Python
converts, and strings holding a lone surrogate ("\\ud800": valid JSON
text, but no Unicode character; an error message quoting it could not be
encoded, and a 500 would follow). Python's own parser recurses per level
and raises RecursionError on very deep input, which would otherwise become
a 500."""
from __future__ import annotations

import codecs
import json
import math

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text[:40]} is out of range")
    return value


def _constant(name: str):
    raise ValueError(f"{name} is not JSON")


def json_strict_loads(text: str | bytes, *, max_depth: int | None = None):
    """json.loads that refuses non-finite numbers and deep nesting (ValueError)."""
    max_depth = settings.API_JSON_MAX_DEPTH if max_depth is None else max_depth
    try:
        data = json.loads(text, parse_constant=_constant, parse_float=_finite)
    except RecursionError:
        raise ValueError(f"nested deeper than {max_depth} levels") from None
    depth_check(data, max_depth=max_depth)
    return data


def _text_check(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("a string holds a lone surrogate (\\ud800-\\udfff), which is not a character") from None


def depth_check(data, *, max_depth: int) -> None:
    """Raise ValueError when containers nest deeper than ``max_depth``, or a
    string is not Unicode text (iterative)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            _text_check(value)
            continue
        if isinstance(value, dict):
            for key in value:
                _text_check(key)
            children = list(value.values())
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > max_depth:
            raise ValueError(f"nested deeper than {max_depth} levels")
        stack.extend((child, depth + 1) for child in children)


class StrictJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = codecs.getreader(encoding)(stream).read()
            return json_strict_loads(text)
        except (ValueError, LookupError) as exc:  # LookupError: an unknown charset
            raise ParseError(f"The body is not acceptable JSON: {exc}.") from exc
