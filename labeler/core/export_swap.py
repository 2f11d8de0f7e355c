"""Transactional export folders: the next version of OUT is written beside it and swapped in at the end.

    with ExportSwap(out, is_export) as swap:   # takes OUT's lock, cleans what killed exports left behind
        ...                                    # write everything under swap.work
        swap.commit()                          # swap.work becomes OUT; without commit it is deleted

Names beside OUT (same parent, so every rename stays on one file system):

    .OUT.export.lock            OS lock held for the whole export: one export into OUT at a time, so any
                                folder below found while holding it belongs to an export that died
    .OUT.export-<pid>-<hex>     the folder being written; a leftover (killed export) is deleted
    .OUT.old-<ns>-<pid>         the previous OUT between the two renames of the fallback swap

On Linux the swap is one renameat2(RENAME_EXCHANGE): OUT is at every instant the old or the new export,
and the old one then sits under the work name until it is deleted. Elsewhere (or on a file system without
it) it is two renames, OUT -> .OUT.old-*, work -> OUT: a kill between them leaves no OUT but a complete
.OUT.old-*, which the next export (or recover()) renames back before anything else. Before the swap the
new files are flushed to disk (syncfs), so a power cut cannot swap in a folder of empty crops either.
"""

from __future__ import annotations

import ctypes
import errno
import os
import re
import secrets
import shutil
import socket
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from labeler.core.atomic import fsync_dir
from labeler.core.errors import ExportError, UsageError
from labeler.core.folder_lock import release_lock, try_lock

USE_EXCHANGE = True  # tests set False to exercise the two-rename swap and its crash window
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
_LOCK_TRIES = 5
_libc: ctypes.CDLL | None = None


def _c_library() -> ctypes.CDLL | None:
    global _libc
    if _libc is None and sys.platform.startswith("linux"):
        try:
            _libc = ctypes.CDLL(None, use_errno=True)
        except OSError:
            return None
    return _libc


class OutFolderError(ExportError, UsageError):
    """OUT may not be exported into (a file, a foreign non-empty folder, files beside an earlier export, the
    image folder or one holding it): nothing was done, and the CLI exits 2 as for any wrong argument."""


@dataclass(frozen=True)
class SwapNames:
    """Where OUT's lock, work folder and set-aside folder live (all beside OUT)."""

    out: Path

    @property
    def lock(self) -> Path:
        return self.out.parent / f".{self.out.name}.export.lock"

    def new_work(self) -> Path:
        return self.out.parent / f".{self.out.name}.export-{os.getpid()}-{secrets.token_hex(4)}"

    def new_aside(self) -> Path:
        return self.out.parent / f".{self.out.name}.old-{time.time_ns()}-{os.getpid()}"

    def leftovers(self) -> tuple[list[Path], list[Path]]:
        """(work folders, set-aside folders, oldest first) found beside OUT."""
        name = re.escape(self.out.name)
        work_re = re.compile(rf"\.{name}\.export-\d+-[0-9a-f]{{8}}")
        aside_re = re.compile(rf"\.{name}\.old-(\d+)-\d+")
        works, asides = [], []
        try:
            entries = list(os.scandir(self.out.parent))
        except FileNotFoundError:
            return [], []
        for entry in entries:
            if work_re.fullmatch(entry.name):
                works.append(Path(entry.path))
            elif match := aside_re.fullmatch(entry.name):
                asides.append((int(match.group(1)), Path(entry.path)))
        return works, [path for _, path in sorted(asides)]


def target_of(out: str | Path) -> Path:
    """The folder that is swapped: OUT itself, or where OUT points when it is a symlink (the link stays)."""
    path = Path(os.path.abspath(out))
    return Path(os.path.realpath(path)) if path.is_symlink() else path


@dataclass
class ExportSwap:
    """One export into `out`: the lock, the work folder, and the swap. See the module docstring."""

    out: Path
    is_export: Callable[[Path], bool]  # does this non-empty folder hold an earlier export of ours?
    allowed: frozenset[str] | None = None  # top-level names an earlier export may hold (others block it)
    target: Path = field(init=False)
    names: SwapNames = field(init=False)
    work: Path = field(init=False)
    previous: bool = False  # OUT held an earlier export, which the swap replaces
    notes: list[str] = field(default_factory=list)  # what was cleaned up or restored first
    _lock_fd: int | None = None
    _committed: bool = False

    def __post_init__(self) -> None:
        self.target = target_of(self.out)
        self.names = SwapNames(self.target)
        self.work = self.names.new_work()

    def __enter__(self) -> ExportSwap:
        try:
            self.target.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ExportError(f"{self.out}: cannot create its parent folder ({exc.strerror or exc})") from exc
        self._lock_fd = _take_lock(self.out, self.names.lock)
        try:
            try:
                self.notes = _recover_locked(self.out, self.names)
            except OSError as exc:
                raise ExportError(f"{self.out}: cannot clean up after an earlier killed export ({exc})") from exc
            self.previous = self._check_out()
            try:
                os.mkdir(self.work)
                if self.previous:
                    os.chmod(self.work, self.target.stat().st_mode & 0o7777)  # the swap keeps OUT's mode
            except OSError as exc:
                raise ExportError(
                    f"{self.out}: cannot create the work folder {self.work.name} beside it ({exc.strerror or exc})"
                ) from exc
        except BaseException:
            _drop_lock(self.names.lock, self._lock_fd)
            self._lock_fd = None
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        try:
            if not self._committed:
                shutil.rmtree(self.work, ignore_errors=True)  # failed or cancelled: OUT stays as it was
        finally:
            if self._lock_fd is not None:
                _drop_lock(self.names.lock, self._lock_fd)
                self._lock_fd = None

    def _check_out(self) -> bool:
        """True when OUT holds an earlier export; raises when OUT may not be replaced."""
        if not os.path.lexists(self.target):
            return False
        if not self.target.is_dir():
            raise OutFolderError(f"{self.out}: exists and is not a folder")
        entries = sorted(os.listdir(self.target))
        if not entries:
            return False
        if not self.is_export(self.target):
            raise OutFolderError(
                f"{self.out}: folder is not empty and holds no earlier export (no report.json of ours)"
            )
        allowed = self.allowed if self.allowed is not None else frozenset(entries)
        foreign = [n for n in entries if n not in allowed and not (n.startswith(".") and n.endswith(".tmp"))]
        if foreign:
            shown = ", ".join(foreign[:5]) + (", ..." if len(foreign) > 5 else "")
            raise OutFolderError(
                f"{self.out}: holds {shown} besides an earlier export; a re-export replaces the "
                "whole folder, so move them out first"
            )
        return True

    def clear_work(self) -> None:
        """Empty the work folder (a cancelled export into a new OUT keeps only its report)."""
        shutil.rmtree(self.work)
        os.mkdir(self.work)

    def commit(self) -> None:
        """Make the work folder OUT: flushed to disk, swapped in, the previous export deleted."""
        _flush_file_system(self.work)
        parent = self.target.parent
        if not os.path.lexists(self.target):
            os.rename(self.work, self.target)
            self._committed = True
            fsync_dir(parent)
            return
        if USE_EXCHANGE and exchange_paths(self.work, self.target):
            self._committed = True
            old = self.work  # after the exchange the work name holds the previous export
        else:
            old = self.names.new_aside()
            os.rename(self.target, old)
            try:
                os.rename(self.work, self.target)
            except OSError:
                os.rename(old, self.target)  # put the previous export back before reporting the failure
                raise
            self._committed = True
        fsync_dir(parent)
        shutil.rmtree(old, ignore_errors=True)  # a leftover is deleted by the next export


def recover(out: str | Path) -> list[str]:
    """Clean up after exports into `out` that were killed (see the module docstring); what was done."""
    names = SwapNames(target_of(out))
    if not names.out.parent.is_dir():
        return []
    fd = _take_lock(Path(out), names.lock)
    try:
        return _recover_locked(Path(out), names)
    finally:
        _drop_lock(names.lock, fd)


def _recover_locked(out: Path, names: SwapNames) -> list[str]:
    notes = []
    works, asides = names.leftovers()
    if asides and not os.path.lexists(names.out):
        newest = asides.pop()  # killed between the two renames: the previous export is complete, put it back
        os.rename(newest, names.out)
        fsync_dir(names.out.parent)
        notes.append(f"restored {out} from {newest.name} (an export killed while swapping folders)")
    for path in works + asides:
        shutil.rmtree(path, ignore_errors=True)
        if not os.path.lexists(path):
            notes.append(f"removed {path.name} (left by a killed export)")
    return notes


def _take_lock(out: Path, path: Path) -> int:
    """An OS lock on OUT's lock file; the kernel drops it when this process dies, also on SIGKILL."""
    for _ in range(_LOCK_TRIES):
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as exc:
            raise ExportError(f"{out}: cannot create the lock file {path} ({exc.strerror or exc})") from exc
        if not try_lock(fd):
            holder = _read_holder(fd)
            os.close(fd)
            raise ExportError(f"{out}: another export into this folder is running ({holder or 'lock ' + str(path)})")
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(path))
        except FileNotFoundError:
            same = False
        if same:
            _write_holder(fd)
            return fd
        os.close(fd)  # the previous holder deleted the file as we opened it: lock the new one
    raise ExportError(f"{out}: could not take the export lock {path}")


def _drop_lock(path: Path, fd: int) -> None:
    try:
        os.unlink(path)  # while still holding it: a waiter that opened it sees the unlink and retries
    except OSError:
        pass
    try:
        release_lock(fd)
    except OSError:
        pass
    os.close(fd)


def _write_holder(fd: int) -> None:
    text = f"pid {os.getpid()} on {socket.gethostname()} since {time.strftime('%Y-%m-%d %H:%M:%S')}"
    try:
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, text.encode("utf-8"))
    except OSError:
        pass  # only for messages


def _read_holder(fd: int) -> str:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        return os.read(fd, 200).decode("utf-8", "replace").strip()
    except OSError:
        return ""


def exchange_paths(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2); False where that is not available.

    Looked up at each commit, so the export kill tests replace it to die right after the swap.
    """
    libc = _c_library()
    fn = getattr(libc, "renameat2", None) if libc is not None else None
    if fn is None:
        return False
    if fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False  # this kernel or file system cannot exchange: two renames instead
    raise OSError(code, os.strerror(code), str(b))


def _flush_file_system(folder: Path) -> None:
    # One syncfs of OUT's file system instead of an fsync per crop (tens of thousands of files).
    libc = _c_library()
    if libc is not None and hasattr(libc, "syncfs"):
        fd = os.open(folder, os.O_RDONLY)
        try:
            if libc.syncfs(fd) != 0:
                code = ctypes.get_errno()
                raise OSError(code, os.strerror(code), str(folder))
        finally:
            os.close(fd)
    elif hasattr(os, "sync"):
        os.sync()
