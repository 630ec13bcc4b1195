"""The revocation list beside an nginx edge (see edge.revocation), kept by
edge_agent as files that njs can test on every request.

njs 0.7 (Debian 12) has no memory shared between requests (js_shared_dict_zone
came with njs 0.8) and nginx's keyval is nginx Plus, so the list lives in a
folder: one empty file per revoked session, named by its id, its
modification time the moment its tokens have all expired. The token check
in njs asks for ``<folder>/<session id>`` (one ``access()`` call, answered
from the kernel's dentry cache): present means revoked. No reload, no
request to anyone. The folder is 0711: nginx's workers can test a name
but not list the sessions.

The agent applies each heartbeat answer's ``revoked`` section, removes the
files whose time has passed, and keeps its cursor beside the folder, so a
restarted agent asks only for what is new."""
from __future__ import annotations

import heapq
import logging
import os
import time
from pathlib import Path
from typing import Any

from edge.server.revoked import SESSION_ID_RE, revoked_entries

logger = logging.getLogger("edge.agent")


class RevokedFiles:
    def __init__(self, folder: Path):
        self.folder = folder
        self.cursor_file = folder.with_name(folder.name + ".cursor")
        self.cursor: float | None = None
        self._until: dict[str, float] = {}
        self._heap: list[tuple[float, str]] = []
        folder.mkdir(parents=True, exist_ok=True)
        try:
            os.chmod(folder, 0o711)
        except PermissionError:  # made by another account: its mode is the operator's
            logger.warning("cannot set the mode of %s (not its owner); nginx's workers need search "
                           "permission on it", folder)
        self._load()

    def __len__(self) -> int:
        return len(self._until)

    def __contains__(self, session_id: object) -> bool:
        return session_id in self._until

    def _load(self) -> None:
        for entry in os.scandir(self.folder):
            if SESSION_ID_RE.match(entry.name):
                self._until[entry.name] = entry.stat().st_mtime
                heapq.heappush(self._heap, (entry.stat().st_mtime, entry.name))
        try:
            self.cursor = float(self.cursor_file.read_text())
        except FileNotFoundError:
            self.cursor = None
        except (OSError, ValueError) as exc:
            logger.warning("revocation cursor %s unreadable, asking for the whole list: %s", self.cursor_file, exc)
            self.cursor = None

    def apply(self, section: Any, *, now: float | None = None) -> bool:
        """Apply a heartbeat answer's ``revoked`` section; False if it had none."""
        parsed = revoked_entries(section)
        if parsed is None:
            return False
        cursor, full, entries = parsed
        now = time.time() if now is None else now
        wanted = {sid: float(until) for sid, until in entries if until > now}
        if full:
            for session_id in [sid for sid in self._until if sid not in wanted]:
                self._remove(session_id)
            self._until, self._heap = {}, []
        for session_id, until in wanted.items():
            if self._until.get(session_id, -1.0) >= until:
                continue
            path = self.folder / session_id
            # Created empty, then dated: njs needs only its existence.
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o644))
            os.utime(path, (until, until))
            self._until[session_id] = until
            heapq.heappush(self._heap, (until, session_id))
        self._prune(now)
        self.cursor = cursor
        tmp = self.cursor_file.with_suffix(".tmp")
        tmp.write_text(repr(cursor))
        os.replace(tmp, self.cursor_file)
        return True

    def _prune(self, now: float) -> None:
        while self._heap and self._heap[0][0] <= now:
            until, session_id = heapq.heappop(self._heap)
            if self._until.get(session_id) == until:
                self._remove(session_id)

    def _remove(self, session_id: str) -> None:
        self._until.pop(session_id, None)
        (self.folder / session_id).unlink(missing_ok=True)
