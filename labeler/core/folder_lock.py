"""One writer at a time in a project folder: an OS file lock on `.labeler/lock`, held only while writing.

    with FolderLock(folder) as lock:
        ...  # re-read, merge, write the project's files
    if lock.took_over is not None: print(lock.took_over.describe())

The OS lock (flock on POSIX, msvcrt on Windows) is released by the kernel when its process dies, so a
killed writer never blocks the folder. The file also holds who took it (pid, host, start time) for
messages: a holder that died without releasing leaves its line behind, and the next writer reports that
it took the lock over. Locks are per open file, so two threads or two projects of one process on the same
folder also exclude each other.
"""

from __future__ import annotations

import errno
import json
import os
import socket
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from labeler.core.errors import LabelerError

LOCK_DIR = ".labeler"
LOCK_NAME = "lock"
DEFAULT_TIMEOUT_S = 30.0
_POLL_S = 0.01


class LocksUnsupportedError(OSError):
    """The file system offers no locks (some network mounts): writers go on unlocked, merging still."""


_NO_LOCKS = {errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS}

# try_lock / release_lock: a non-blocking exclusive OS lock on an open file, freed by the kernel at exit.
if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def try_lock(fd: int) -> bool:
        try:
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False

    def release_lock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False
        except OSError as exc:
            if exc.errno in _NO_LOCKS:
                raise LocksUnsupportedError(exc.errno, f"this file system has no file locks ({exc.strerror})") from exc
            raise

    def release_lock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


class FolderLockedError(LabelerError):
    """Another writer held the folder's lock for longer than the timeout."""

    def __init__(self, folder: Path, holder: LockHolder | None, waited: float):
        self.folder, self.holder = folder, holder
        who = holder.describe() if holder is not None else "another writer"
        lock = folder / LOCK_DIR / LOCK_NAME
        super().__init__(f"{folder}: {who} has been writing for over {waited:.0f} s (lock {lock})")


@dataclass(frozen=True)
class LockHolder:
    pid: int
    host: str
    started: float  # wall time the lock was taken
    program: str = ""

    @classmethod
    def me(cls) -> LockHolder:
        return cls(os.getpid(), socket.gethostname(), time.time(), _program())

    def describe(self) -> str:
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.started))
        prog = f" ({self.program})" if self.program else ""
        return f"process {self.pid}{prog} on {self.host}, since {when}"

    def to_bytes(self) -> bytes:
        data = {"pid": self.pid, "host": self.host, "started": self.started, "program": self.program}
        return json.dumps(data).encode("utf-8")

    @classmethod
    def from_bytes(cls, data: bytes) -> LockHolder | None:
        try:
            d = json.loads(data.decode("utf-8"))
            return cls(int(d["pid"]), str(d["host"]), float(d["started"]), str(d.get("program", "")))
        except (ValueError, KeyError, TypeError, AttributeError):
            return None


def _program() -> str:
    argv = [os.path.basename(sys.argv[0])] + sys.argv[1:2] if sys.argv and sys.argv[0] else []
    return " ".join(argv)[:60]


def labeler_dir(folder: str | Path) -> Path:
    """The folder's `.labeler/`, created if needed."""
    path = Path(folder) / LOCK_DIR
    path.mkdir(exist_ok=True)
    return path


class FolderLock:
    """Exclusive write lock of one project folder (re-entrant within one FolderLock object)."""

    def __init__(self, folder: str | Path, timeout: float = DEFAULT_TIMEOUT_S):
        self.folder = Path(folder)
        self.path = self.folder / LOCK_DIR / LOCK_NAME
        self.timeout = timeout
        self.took_over: LockHolder | None = None  # a holder that died without releasing, found at acquire
        self.unlocked = False  # the file system has no locks: held in name only (saves still merge)
        self._fd: int | None = None
        self._depth = 0

    def acquire(self) -> FolderLock:
        if self._fd is not None:
            self._depth += 1
            return self
        labeler_dir(self.folder)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
        start = time.monotonic()
        try:
            while not self._try(fd):
                waited = time.monotonic() - start
                if waited >= self.timeout:
                    raise FolderLockedError(self.folder, _read_holder(fd), waited)
                time.sleep(_POLL_S)
            # Locked. A line still there means its writer ended without releasing (killed): say so.
            self.took_over = _read_holder(fd)
            os.lseek(fd, 0, os.SEEK_SET)
            os.ftruncate(fd, 0)
            os.write(fd, LockHolder.me().to_bytes())
        except BaseException:
            os.close(fd)
            raise
        self._fd, self._depth = fd, 1
        return self

    def release(self) -> None:
        if self._fd is None:
            return
        self._depth -= 1
        if self._depth > 0:
            return
        fd, self._fd = self._fd, None
        try:
            os.ftruncate(fd, 0)  # an empty file: released cleanly
            if not self.unlocked:
                release_lock(fd)
        finally:
            os.close(fd)

    def _try(self, fd: int) -> bool:
        try:
            return try_lock(fd)
        except LocksUnsupportedError:
            self.unlocked = True
            return True

    @property
    def held(self) -> bool:
        return self._fd is not None

    def __enter__(self) -> FolderLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def _read_holder(fd: int) -> LockHolder | None:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        data = os.read(fd, 4096)
    except OSError:
        return None
    return LockHolder.from_bytes(data) if data.strip() else None
