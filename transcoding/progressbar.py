"""A terminal progress bar for the management commands (no dependency)."""
from __future__ import annotations

import sys
import time


class ProgressBar:
    def __init__(self, stream=None, width: int = 32) -> None:
        self.stream = stream or sys.stdout
        self.width = width
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self._last_line = ""
        self._last_percent = -100.0
        self._started = time.monotonic()

    def update(self, percent: float, label: str = "") -> None:
        percent = max(0.0, min(100.0, percent))
        filled = int(self.width * percent / 100)
        elapsed = time.monotonic() - self._started
        line = f"[{'#' * filled}{'.' * (self.width - filled)}] {percent:5.1f}%  {label}  {elapsed:4.0f}s"
        if self.tty:
            self.stream.write("\r" + line.ljust(len(self._last_line)))
            self.stream.flush()
        elif percent - self._last_percent >= 10 or (percent >= 100 > self._last_percent) or label != self._label():
            self.stream.write(line + "\n")
            self.stream.flush()
            self._last_percent = percent
        self._last_line = line

    def _label(self) -> str:
        return self._last_line.split("%  ", 1)[-1].rsplit("  ", 1)[0] if self._last_line else ""

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()
