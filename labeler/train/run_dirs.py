"""Work folders of training runs, PROJECT/.labeler/runs/<time>/, and the removal of those whose run was killed.

    claim = new_run_dir(project_dir, keep=False)   # the folder, owned by this process
    ...                                            # the run writes into claim.folder
    claim.release(remove=True)                     # the folder goes (keep=True runs keep it)

    report = clean_dead_runs(project_dir)          # at the start of the next run
    if report.removed: print(report.summary())

A run owns its folder through an OS lock (flock on POSIX, msvcrt on Windows) on the folder's owner.json,
held for the run's lifetime. The kernel drops that lock when the process dies, also on SIGKILL, so a folder
whose lock can be taken has no live owner: its run was killed before it could delete it (a run that ends,
fails, or is cancelled with Ctrl+C / SIGTERM deletes its own folder). owner.json also holds the owner's pid,
host and start time, for messages, and whether the folder is kept on purpose (--keep-run): such folders are
never removed. Folders without an owner.json (older versions, the PaddleOCR engine's paddle-* runs, a run
that is just starting) are left alone.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from labeler.core.errors import LabelerError
from labeler.core.folder_lock import LocksUnsupportedError, try_lock

RUNS_DIR = Path(".labeler") / "runs"
OWNER_NAME = "owner.json"
_MB = 1_000_000


def _lock(fd: int, wait: bool) -> bool:
    """The folder lock's OS lock (labeler.core.folder_lock); `wait`: until the holder lets go."""
    try:
        while not try_lock(fd):
            if not wait:
                return False
            time.sleep(0.01)
    except LocksUnsupportedError:  # no locks here: the run goes ahead, and looks alive to cleaners
        return False
    return True


class RunDirError(LabelerError):
    """A run folder cannot be made or claimed (message says why)."""


@dataclass(frozen=True)
class RunOwner:
    """Who owns a run folder, as its owner.json says (for messages; the lock alone says whether it lives)."""

    pid: int
    host: str
    started: float  # wall time the run began
    program: str = ""
    keep: bool = False  # kept on purpose (--keep-run): never removed by clean_dead_runs

    @classmethod
    def me(cls, keep: bool = False) -> RunOwner:
        prog = " ".join([os.path.basename(sys.argv[0])] + sys.argv[1:2]) if sys.argv and sys.argv[0] else ""
        return cls(os.getpid(), socket.gethostname(), time.time(), prog[:60], keep)

    def describe(self) -> str:
        when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(self.started))
        prog = f" ({self.program})" if self.program else ""
        return f"process {self.pid}{prog} on {self.host}, since {when}"

    def to_bytes(self) -> bytes:
        return json.dumps(
            {"pid": self.pid, "host": self.host, "started": self.started, "program": self.program, "keep": self.keep}
        ).encode("utf-8")

    @classmethod
    def from_bytes(cls, data: bytes) -> RunOwner | None:
        try:
            d = json.loads(data.decode("utf-8"))
            return cls(
                int(d["pid"]),
                str(d["host"]),
                float(d["started"]),
                str(d.get("program", "")),
                bool(d.get("keep", False)),
            )
        except (ValueError, KeyError, TypeError, AttributeError):
            return None


class RunClaim:
    """This process's hold on a run folder: the lock on its owner.json, until release() or the process ends."""

    def __init__(self, folder: Path, owner: RunOwner, fd: int):
        self.folder, self.owner = folder, owner
        self._fd: int | None = fd

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self, remove: bool) -> None:
        """Delete the folder (when `remove`) while still holding it, then drop the lock. Idempotent."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            if remove:
                if os.name == "nt":  # pragma: no cover - Windows cannot delete a folder with an open file
                    os.close(fd)
                    fd = None
                shutil.rmtree(self.folder, ignore_errors=True)
                _remove_if_empty(self.folder.parent)
        finally:
            if fd is not None:
                os.close(fd)  # closing the last descriptor releases the lock

    def __enter__(self) -> RunClaim:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release(remove=not self.owner.keep)


def claim_run_dir(folder: Path, keep: bool = False) -> RunClaim:
    """Own an existing, empty run folder: create its owner.json, lock it, then write who owns it.

    A cleaner that opens owner.json before the owner line is written finds it empty and leaves the folder
    alone, so the short window between creating and locking the file is safe.
    """
    path = Path(folder) / OWNER_NAME
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as exc:
        raise RunDirError(f"{folder}: cannot claim the run folder ({exc})") from exc
    try:
        # A cleaner may hold the new, empty file for an instant; wait it out. Without OS locks the
        # run still goes ahead: its folder then only looks alive to cleaners (they cannot lock it either).
        _lock(fd, wait=True)
        owner = RunOwner.me(keep)
        os.write(fd, owner.to_bytes())
    except BaseException:
        os.close(fd)
        raise
    return RunClaim(Path(folder), owner, fd)


def new_run_dir(project_dir: Path, keep: bool = False) -> RunClaim:
    """A fresh PROJECT/.labeler/runs/<time>[-n]/ owned by this process."""
    root = Path(project_dir) / RUNS_DIR
    root.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    for n in range(1000):
        candidate = root / (stamp if n == 0 else f"{stamp}-{n}")
        try:
            candidate.mkdir()
        except FileExistsError:
            continue
        return claim_run_dir(candidate, keep)
    raise RunDirError(f"{root}: cannot make a run folder")


# ------------------------------------------------------------------------------------------- cleanup


@dataclass
class CleanupReport:
    """What clean_dead_runs found in PROJECT/.labeler/runs."""

    runs_dir: Path
    removed: dict[Path, RunOwner] = field(default_factory=dict)  # dead runs' folders, now gone
    freed_bytes: int = 0  # of the removed folders (hard-linked files, e.g. exported images, free nothing)
    kept: list[Path] = field(default_factory=list)  # dead but kept on purpose (--keep-run)
    live: list[Path] = field(default_factory=list)  # owned by a running process (or not lockable here)
    unowned: list[Path] = field(default_factory=list)  # no readable owner line: not ours to judge
    failed: dict[Path, str] = field(default_factory=dict)  # dead, but not (fully) removed: why
    seconds: float = 0.0

    def summary(self) -> str | None:
        """One line for the log when something was removed or could not be (None: nothing to say)."""
        if not self.removed and not self.failed:
            return None
        names = ", ".join(p.name for p in list(self.removed)[:3]) + (", ..." if len(self.removed) > 3 else "")
        n = len(self.removed)
        line = (
            f"removed {n} work folder{'s' if n != 1 else ''} of killed runs ({self.freed_bytes / _MB:.1f} MB) "
            f"from {self.runs_dir}" + (f": {names}" if names else "")
        )
        if self.failed:
            path, why = next(iter(self.failed.items()))
            line += f"; could not remove {len(self.failed)} ({path.name}: {why})"
        return line


def clean_dead_runs(project_dir: Path) -> CleanupReport:
    """Remove the run folders whose owner process is dead, except those kept on purpose; never a live run's."""
    started = time.perf_counter()
    root = Path(project_dir) / RUNS_DIR
    report = CleanupReport(root)
    try:
        folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.is_symlink())
    except OSError:  # no runs folder yet (or unreadable): nothing to clean
        folders = []
    for folder in folders:
        _clean_one(folder, report)
    if report.removed:
        _remove_if_empty(root)
    report.seconds = time.perf_counter() - started
    return report


def _clean_one(folder: Path, report: CleanupReport) -> None:
    try:
        fd = _open_owner(folder / OWNER_NAME)
    except OSError:  # none (not a run of this engine or version), or not ours to open: not ours to judge
        report.unowned.append(folder)
        return
    try:
        if not _lock(fd, wait=False):
            report.live.append(folder)
            return
        if os.name != "nt" and os.fstat(fd).st_nlink == 0:
            return  # another cleaner removed it while we waited for the file
        owner = RunOwner.from_bytes(_read_all(fd))
        if owner is None:  # a run that is just claiming its folder (or a damaged file): leave it
            report.unowned.append(folder)
            return
        if owner.keep:
            report.kept.append(folder)
            return
        size = _freed_bytes(folder)
        if os.name == "nt":  # pragma: no cover - Windows cannot delete a folder with an open file
            os.close(fd)
            fd = -1
        try:
            shutil.rmtree(folder)
        except OSError as exc:
            report.failed[folder] = f"{exc.filename or folder}: {exc.strerror or exc}"
        else:
            report.removed[folder] = owner
            report.freed_bytes += size
    finally:
        if fd >= 0:
            os.close(fd)


def _open_owner(path: Path) -> int:
    try:
        return os.open(path, os.O_RDWR)  # NFS emulates flock with write locks: a read-only file cannot be locked
    except PermissionError:
        return os.open(path, os.O_RDONLY)


def _read_all(fd: int) -> bytes:
    os.lseek(fd, 0, os.SEEK_SET)
    chunks = []
    while chunk := os.read(fd, 65536):
        chunks.append(chunk)
    return b"".join(chunks)


def _freed_bytes(folder: Path) -> int:
    """Bytes removing `folder` frees: its files' sizes, links not followed, hard-linked files not counted."""
    total = 0
    for dirpath, _dirs, files in os.walk(folder):
        for name in files:
            try:
                st = os.lstat(os.path.join(dirpath, name))
            except OSError:
                continue
            if st.st_nlink <= 1:
                total += st.st_size
    return total


def _remove_if_empty(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass
