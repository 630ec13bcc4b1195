"""Seek previews: a WebVTT whose cues point at tiles of one sprite image."""
from __future__ import annotations


def thumbnails_vtt_render(*, count: int, every: float, duration: float, sprite: str,
                          width: int, height: int, columns: int) -> str:
    """WebVTT cues pointing at tiles of the sprite (``#xywh=``)."""
    def ts(t: float) -> str:
        h, rest = divmod(t, 3600)
        m, s = divmod(rest, 60)
        return f"{int(h):02d}:{int(m):02d}:{s:06.3f}"

    lines = ["WEBVTT", ""]
    for i in range(count):
        start, end = i * every, min(duration, (i + 1) * every)
        if start >= duration:
            break
        x, y = (i % columns) * width, (i // columns) * height
        lines += [f"{ts(start)} --> {ts(end)}", f"{sprite}#xywh={x},{y},{width},{height}", ""]
    return "\n".join(lines)
