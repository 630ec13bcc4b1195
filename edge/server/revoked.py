"""The revocation list a runedge process keeps (see edge.revocation): the
session ids whose tokens it refuses, each until its tokens have expired
anyway.

In memory, a dict (one lookup per request) and a heap by expiry, so that
dropping expired entries costs nothing per request. On disk, beside the
cache, a journal of ``<until> <session id>`` lines and the cursor, so that a
restarted edge refuses what it refused before it stopped and asks only for
what is new. The nginx agent keeps the same list as files (edge.agent_revoke)."""
from __future__ import annotations

import heapq
import logging
import math
import os
import re
import time
from pathlib import Path
from typing import Any

logger = logging.getLogger("edge.server")
# Session ids are UUIDs; the nginx agent turns them into file names, so both
# sides take only this shape (anything else is never on the list).
SESSION_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def revoked_entries(section: Any) -> tuple[float, bool, list[tuple[str, int]]] | None:
    """(cursor, full, [(session id, until)]) from a heartbeat answer's
    ``revoked`` section; None when it has none or it cannot be read (then
    the edge keeps its list and cursor, and asks again next time)."""
    if not isinstance(section, dict):
        return None
    cursor, full, sessions = section.get("cursor"), section.get("full"), section.get("sessions")
    if (not isinstance(cursor, int | float) or isinstance(cursor, bool) or not math.isfinite(cursor)
            or not isinstance(full, bool) or not isinstance(sessions, list)):
        return None
    entries = []
    for item in sessions:
        if (isinstance(item, list) and len(item) == 2 and isinstance(item[0], str)
                and SESSION_ID_RE.match(item[0]) and isinstance(item[1], int) and not isinstance(item[1], bool)):
            entries.append((item[0], item[1]))
    return float(cursor), full, entries


class RevokedSessions:
    def __init__(self, state_dir: Path | None = None):
        self._until: dict[str, int] = {}
        self._heap: list[tuple[int, str]] = []
        self.cursor: float | None = None
        self.applied_at: float | None = None  # time.time() of the last list applied
        self._journal = state_dir / "revoked.log" if state_dir is not None else None
        self._cursor_file = state_dir / "revoked.cursor" if state_dir is not None else None
        self._journal_lines = 0
        if state_dir is not None:
            state_dir.mkdir(parents=True, exist_ok=True)
        self._load()

    def __contains__(self, session_id: object) -> bool:
        return session_id in self._until

    def __len__(self) -> int:
        return len(self._until)

    def _add(self, session_id: str, until: int) -> bool:
        if self._until.get(session_id, -1) >= until:
            return False
        self._until[session_id] = until
        heapq.heappush(self._heap, (until, session_id))
        return True

    def _prune(self, now: float) -> None:
        while self._heap and self._heap[0][0] <= now:
            until, session_id = heapq.heappop(self._heap)
            if self._until.get(session_id) == until:
                del self._until[session_id]

    def apply(self, section: Any, *, now: float | None = None) -> bool:
        """Apply a heartbeat answer's ``revoked`` section; False if it had none."""
        parsed = revoked_entries(section)
        if parsed is None:
            return False
        cursor, full, entries = parsed
        now = time.time() if now is None else now
        if full:
            self._until.clear()
            self._heap.clear()
        added = [(sid, until) for sid, until in entries if until > now and self._add(sid, until)]
        self._prune(now)
        self._save(added=added, rewrite=full)
        self.cursor, self.applied_at = cursor, now
        self._cursor_save()
        return True

    # --- on disk -------------------------------------------------------------------------

    def _load(self) -> None:
        if self._journal is None or self._cursor_file is None:
            return
        now = time.time()
        try:
            with open(self._journal) as handle:
                for line in handle:
                    self._journal_lines += 1
                    until, _, session_id = line.strip().partition(" ")
                    if until.isdigit() and SESSION_ID_RE.match(session_id) and int(until) > now:
                        self._add(session_id, int(until))
            self.cursor = float(self._cursor_file.read_text())
        except FileNotFoundError:
            pass
        except (OSError, ValueError) as exc:
            logger.warning("revocation list %s unreadable, asking for the whole list: %s", self._journal, exc)
            self.cursor = None

    def _save(self, *, added: list[tuple[str, int]], rewrite: bool) -> None:
        if self._journal is None:
            return
        # Rewritten when replaced, or once mostly expired lines; else appended.
        if rewrite or self._journal_lines > 2 * len(self._until) + 1024:
            tmp = self._journal.with_suffix(".tmp")
            with open(tmp, "w") as handle:
                handle.writelines(f"{until} {sid}\n" for sid, until in self._until.items())
            os.replace(tmp, self._journal)
            self._journal_lines = len(self._until)
        elif added:
            with open(self._journal, "a") as handle:
                handle.writelines(f"{until} {sid}\n" for sid, until in added)
            self._journal_lines += len(added)

    def _cursor_save(self) -> None:
        # After the journal: a crash between the two only makes the next answer repeat some entries.
        if self._cursor_file is None or self.cursor is None:
            return
        tmp = self._cursor_file.with_suffix(".tmp")
        tmp.write_text(repr(self.cursor))
        os.replace(tmp, self._cursor_file)
