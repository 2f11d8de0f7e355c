"""The output of a conversion, all or nothing: existing files are never replaced without `force`, never
without a backup.

A writer plans its files (`OutputPlan`: target paths, each with a function giving its bytes) and
`write_plan` then:
1. refuses (OverwriteRefusedError, naming the files) when a target exists and `force` is off, before it
   creates anything;
2. writes every new file to a temp name beside its target (`.<name>.<random>.tmp`, fsynced); a failure
   here removes the temps and leaves the folder as it was;
3. puts the files in place: an existing one is first hard-linked (copied where links are impossible) into
   one backup folder per run, `<root>/.labeler/backups/<YYYYmmdd-HHMMSS>/` mirroring its relative path,
   then replaced with os.replace; a new one is placed with os.link, which fails rather than clobber a file
   that appeared since step 1;
4. on a failure in step 3, puts back what it had replaced and removes what it had created.
Steps 2-4 hold the plan's folder lock (folder_lock.py) when it names one (PPOCRLabel project folders).

Why one backup folder per run rather than `<name>.bak-<time>` beside each file: a labelme or PAGE
conversion into an image folder replaces one file per image, which would scatter a thousand .bak files
among the images; one folder holds a whole run, so restoring it is one copy
(`cp -a .labeler/backups/<time>/. .`); `.labeler/` is where a project keeps its own state already; and
readers skip hidden folders, so a backup is never read back as labels.
"""

from __future__ import annotations

import os
import secrets
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from labeler.core.atomic import fsync_dir
from labeler.core.errors import FileError, LabelerError
from labeler.core.folder_lock import LOCK_DIR, FolderLock

BACKUP_DIR = "backups"
MAX_NAMED = 5  # files named in a refusal; the rest are counted


class OverwriteRefusedError(LabelerError):
    """Files the conversion would replace exist and overwriting was not asked for; nothing was written."""

    def __init__(self, paths: list[Path], root: Path):
        self.paths = list(paths)
        shown = ", ".join(str(p) for p in self.paths[:MAX_NAMED])
        more = f" and {len(self.paths) - MAX_NAMED} more" if len(self.paths) > MAX_NAMED else ""
        backups = root / LOCK_DIR / BACKUP_DIR
        super().__init__(
            f"{len(self.paths)} existing file(s) would be replaced: {shown}{more}; nothing was written. "
            f"--force overwrites them, keeping a backup of each in {backups}/<time>/"
        )


@dataclass(frozen=True)
class PlannedFile:
    path: Path
    render: Callable[[], bytes]  # called once, in step 2, so only one file's bytes are held at a time


@dataclass
class OutputPlan:
    files: list[PlannedFile]
    root: Path  # the output folder: backups go to root/.labeler/backups/<time>/
    lock_folder: Path | None = None  # a project folder whose write lock the writes hold


@dataclass
class WriteReport:
    written: list[Path] = field(default_factory=list)
    replaced: list[Path] = field(default_factory=list)
    backup_dir: Path | None = None  # None when nothing was replaced


def existing_targets(plan: OutputPlan) -> list[Path]:
    """Targets that exist now; a folder where a file goes is an error naming it."""
    found = []
    for f in plan.files:
        if f.path.is_dir() and not f.path.is_symlink():
            raise FileError(f.path, "a folder is there, where the output file goes")
        if os.path.lexists(f.path):
            found.append(f.path)
    return found


def write_plan(plan: OutputPlan, *, force: bool = False) -> WriteReport:
    """Write every planned file or none (see the module docstring)."""
    existing = existing_targets(plan)
    if existing and not force:
        raise OverwriteRefusedError(existing, plan.root)
    if plan.lock_folder is None:
        return _write(plan, force)
    plan.lock_folder.mkdir(parents=True, exist_ok=True)
    with FolderLock(plan.lock_folder):
        return _write(plan, force)


def _write(plan: OutputPlan, force: bool) -> WriteReport:
    temps: dict[Path, Path] = {}
    done: list[tuple[Path, Path | None]] = []  # (target, its backup or None when it was new)
    made: list[Path] = []  # folders this write created, outermost first
    try:
        for f in plan.files:
            temps[f.path] = _write_temp(f, made)
        backups = _Backups(plan.root)
        for f in plan.files:
            backup = _place(temps.pop(f.path), f.path, backups, force, plan.root)
            done.append((f.path, backup))
        for folder in {f.path.parent for f in plan.files} | backups.folders:
            fsync_dir(folder)
    except BaseException:
        _roll_back(done)
        for tmp in temps.values():
            _unlink_quietly(tmp)
        for folder in reversed(made):
            try:
                folder.rmdir()  # only if still empty
            except OSError:
                pass
        raise
    replaced = [target for target, backup in done if backup is not None]
    return WriteReport([f.path for f in plan.files], replaced, backups.dir)


def _write_temp(f: PlannedFile, made: list[Path]) -> Path:
    data = f.render()
    try:
        _make_folders(f.path.parent, made)
    except FileExistsError as exc:
        raise FileError(f.path, f"cannot write: a file is there, where its folder goes ({exc.filename})") from None
    except OSError as exc:
        raise FileError(f.path, f"cannot make its folder ({exc.strerror or exc})") from None
    try:
        # Mode 0o666 less the umask, as open() gives a new file; a replaced file keeps its own mode.
        mode = f.path.stat().st_mode & 0o7777 if f.path.is_file() else 0o666
        while True:
            tmp = f.path.parent / f".{f.path.name}.{secrets.token_hex(4)}.tmp"
            try:
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), mode)
                break
            except FileExistsError:
                continue
        try:
            if f.path.is_file() and os.chmod in os.supports_fd:
                os.chmod(fd, mode)
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        except BaseException:
            os.close(fd)
            _unlink_quietly(tmp)
            raise
        os.close(fd)
    except OSError as exc:
        raise FileError(f.path, f"cannot write ({exc.strerror or exc})") from None
    return tmp


def _make_folders(folder: Path, made: list[Path]) -> None:
    missing = []
    while not folder.is_dir():
        missing.append(folder)
        if folder.parent == folder:
            break
        folder = folder.parent
    for m in reversed(missing):
        try:
            m.mkdir()
        except FileExistsError:
            if not m.is_dir():
                raise
            continue  # made by another process meanwhile: not ours to remove
        made.append(m)


class _Backups:
    """The run's backup folder, made when the first file needs it (`-2`, `-3`... when the second is taken)."""

    def __init__(self, root: Path):
        self.root = root
        self.stamp = time.strftime("%Y%m%d-%H%M%S")
        self.dir: Path | None = None
        self.folders: set[Path] = set()

    def path_for(self, target: Path) -> Path:
        if self.dir is None:
            parent = self.root / LOCK_DIR / BACKUP_DIR
            parent.mkdir(parents=True, exist_ok=True)
            n = 1
            while True:
                candidate = parent / (self.stamp if n == 1 else f"{self.stamp}-{n}")
                try:
                    candidate.mkdir()
                    break
                except FileExistsError:
                    n += 1
            self.dir = candidate
            self.folders.add(parent)
        try:
            rel = target.relative_to(self.root)
        except ValueError:
            rel = Path(target.name)
        backup = self.dir / rel
        backup.parent.mkdir(parents=True, exist_ok=True)
        self.folders.add(backup.parent)
        return backup


def _place(tmp: Path, target: Path, backups: _Backups, force: bool, root: Path) -> Path | None:
    """Put `tmp` at `target`; returns the backup of what was there, None when there was nothing."""
    try:
        if not os.path.lexists(target):
            try:
                os.link(tmp, target)  # fails rather than replace a file created since the check
            except FileExistsError:
                pass
            except OSError:
                # No hard links on this file system (FAT, some shares): the check just made has to do.
                os.replace(tmp, target)
                return None
            else:
                _unlink_quietly(tmp)
                return None
        if not force:
            _unlink_quietly(tmp)
            raise OverwriteRefusedError([target], root)
        backup = backups.path_for(target)
        _copy_exact(target, backup)
        os.replace(tmp, target)
        return backup
    except OSError as exc:
        _unlink_quietly(tmp)
        raise FileError(target, f"cannot write ({exc.strerror or exc})") from None


def _copy_exact(src: Path, dst: Path) -> None:
    # A hard link is instant and holds the exact old bytes: the os.replace that follows gives `src` a new inode.
    try:
        os.link(src, dst, follow_symlinks=False)
        return
    except (OSError, NotImplementedError):
        pass
    shutil.copy2(src, dst, follow_symlinks=False)
    if not dst.is_symlink():
        with open(dst, "rb+") as fh:
            os.fsync(fh.fileno())


def _roll_back(done: list[tuple[Path, Path | None]]) -> None:
    # Best effort: the backups stay in any case, so what cannot be put back here can be by hand.
    for target, backup in reversed(done):
        try:
            if backup is None:
                os.unlink(target)
            else:
                tmp = target.parent / f".{target.name}.{secrets.token_hex(4)}.tmp"
                _copy_exact(backup, tmp)
                os.replace(tmp, target)
        except OSError:
            pass


def _unlink_quietly(path: Path) -> None:
    # Only temps come here: one left behind is harmless (hidden, so no reader takes it for labels).
    try:
        os.unlink(path)
    except OSError:
        pass
