"""Which windows have a folder open: `.labeler/windows/<host>-<pid>.json`, each held under an OS lock.

A window enters when it opens a folder and leaves when it closes it. Another window that finds entries
says so: both may edit, saves merge image by image (project_merge.py). An entry whose lock can be taken
belongs to a window that ended without leaving (killed): it is removed.
"""

from __future__ import annotations

import os
from pathlib import Path

from labeler.core.folder_lock import LockHolder, LocksUnsupportedError, labeler_dir, release_lock, try_lock

WINDOWS_DIR = "windows"


class WindowPresence:
    _count = 0  # windows of one process get entries of their own

    def __init__(self, folder: str | Path):
        WindowPresence._count += 1
        self.folder = Path(folder)
        self.me = LockHolder.me()
        name = f"{_safe(self.me.host)}-{self.me.pid}-{WindowPresence._count}.json"
        self.path = self.folder / ".labeler" / WINDOWS_DIR / name
        self._fd: int | None = None

    def enter(self) -> WindowPresence:
        """Register this window (no-op where .labeler cannot be written: a read-only folder)."""
        try:
            (labeler_dir(self.folder) / WINDOWS_DIR).mkdir(exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o666)
        except OSError:
            return self
        try:
            locked = try_lock(fd)
        except LocksUnsupportedError:  # no locks on this file system: other windows cannot be told apart
            locked = False
        if not locked:
            os.close(fd)
            return self
        os.write(fd, self.me.to_bytes())
        self._fd = fd
        return self

    def others(self) -> list[LockHolder]:
        """The other windows that have this folder open now (entries of dead ones are removed)."""
        folder = self.folder / ".labeler" / WINDOWS_DIR
        try:
            entries = sorted(folder.glob("*.json"))
        except OSError:
            return []
        found = []
        for entry in entries:
            if entry == self.path:
                continue
            holder = _live_holder(entry)
            if holder is not None:
                found.append(holder)
        return found

    def leave(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.unlink(self.path)
        except OSError:
            pass
        release_lock(fd)
        os.close(fd)


def _live_holder(entry: Path) -> LockHolder | None:
    try:
        fd = os.open(entry, os.O_RDWR)
    except OSError:
        return None
    try:
        try:
            free = try_lock(fd)
        except LocksUnsupportedError:
            return None
        if free:  # nobody holds it: that window ended without leaving
            try:
                os.unlink(entry)
            except OSError:
                pass
            release_lock(fd)
            return None
        return LockHolder.from_bytes(os.read(fd, 4096))
    finally:
        os.close(fd)


def _safe(host: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in host)[:64] or "host"
