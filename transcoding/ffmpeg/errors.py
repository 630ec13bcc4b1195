"""What goes wrong in ffmpeg, in words a person can act on."""
from __future__ import annotations

import re

# Never show a signed storage URL (or any URL) to the person reading a reason.
URL_RE = re.compile(r"[a-z][a-z0-9+.-]*://\S+", re.IGNORECASE)


class MediaError(Exception):
    """ffmpeg could not do it. ``message`` is meant for the person who uploaded;
    ``retryable``: the same attempt may succeed later (a missing binary, a stall)."""

    def __init__(self, message: str, *, detail: str = "", retryable: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail
        self.retryable = retryable


ENCODER_RE = re.compile(r"unknown encoder '([^']+)'", re.IGNORECASE)


def explain(stderr: str) -> str:
    """Turn ffmpeg's last words into a reason a person understands."""
    text = stderr.lower()
    missing = ENCODER_RE.search(stderr)
    if missing:
        return f"The {missing.group(1)} encoder is missing from this worker's ffmpeg."
    if "error while opening encoder" in text or "error setting encoder parameters" in text:
        first = next((line.strip() for line in stderr.splitlines()
                      if "encoder" in line.lower() and "parameter" in line.lower()), "")
        return ("The encoder refused this rung (its picture size, frame rate or bitrate)"
                + (f": {URL_RE.sub('<source>', first)[:200]}" if first else "."))
    if "moov atom not found" in text:
        return "The file is truncated or damaged: its index (moov atom) is missing. Upload the complete file."
    if "not in format whitelist" in text or "not on whitelist" in text or "protocol_whitelist" in text:
        return (
            "The file is a playlist or refers to other files or URLs; "
            "upload the video file itself (MP4, MOV, MKV...)."
        )
    if "invalid data found when processing input" in text or "could not find codec parameters" in text:
        return "This is not a video file ffmpeg can read (is it really a video?)."
    if "no such file or directory" in text:
        return "The source file is missing from storage."
    if "end of file" in text or "truncat" in text or "partial file" in text:
        return "The file is truncated or damaged."
    last = [line for line in stderr.strip().splitlines() if line.strip()][-1:] or ["unknown error"]
    detail = URL_RE.sub("<source>", last[0])[:300]
    return f"ffmpeg could not read the file: {detail}"


def scrub(stderr: str) -> str:
    """ffmpeg's output with every URL replaced, for logs and stored details."""
    return URL_RE.sub("<source>", stderr)
