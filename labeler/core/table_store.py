"""The folder's tables: `.labeler/tables/<image path>.json`, one file per image that has tables.

Why there and not in Label.txt: see labeler/core/table.py. Read when the folder is opened (only images that
have tables have a file), written by save_project under the folder lock, each file atomically, and only for
records whose tables changed here since they were read or written (`base`: the bytes last in step with disk).
Nothing a user made is lost: a file that cannot be read is reported and never deleted or overwritten without a
`.bad-<time>` copy; a file another writer changed since is kept as `.conflict-<time>` before ours replaces it.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from labeler.core.atomic import atomic_write_bytes
from labeler.core.errors import FileError, LabelFormatError
from labeler.core.model import ImageRecord
from labeler.core.table import TABLE_FORMAT, Table, TableError

TABLES_DIR = ".labeler/tables"


def tables_bytes(path: str, tables: list[Table]) -> bytes:
    data = {"format": TABLE_FORMAT, "image": path, "tables": [t.to_json() for t in tables]}
    return (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def parse_tables(data: bytes, where: Path) -> list[Table]:
    """The tables of one file; LabelFormatError (naming the file and the table) if it cannot be read whole."""
    try:
        doc = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise LabelFormatError(where, f"not a JSON table file: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("tables"), list):
        raise LabelFormatError(where, "a table file must be an object with a 'tables' list")
    if not isinstance(doc.get("format", TABLE_FORMAT), int) or doc.get("format", TABLE_FORMAT) > TABLE_FORMAT:
        raise LabelFormatError(where, f"table file format {doc.get('format')!r} is newer than this labeler reads")
    tables = []
    for i, item in enumerate(doc["tables"]):
        try:
            tables.append(Table.from_json(item))
        except TableError as exc:
            raise LabelFormatError(where, f"table {i + 1}: {exc}") from None
    return tables


@dataclass
class TableFiles:
    """The table files of one folder and what each held when last in step with the records."""

    folder: Path
    base: dict[str, bytes] = field(default_factory=dict)  # image path -> bytes read or written
    broken: set[str] = field(default_factory=set)  # image paths whose file could not be read
    stamps: dict[str, tuple[int, int, int]] = field(default_factory=dict)  # (inode, mtime ns, size) of base

    def file_for(self, image_path: str) -> Path:
        return self.folder / TABLES_DIR / f"{image_path}.json"

    def load(self, records: Iterable[ImageRecord]) -> list[FileError]:
        """Give each record the tables its file holds; the errors name the files that could not be read."""
        root = self.folder / TABLES_DIR
        if not root.is_dir():
            return []
        by_path = {r.path: r for r in records}
        errors: list[FileError] = []
        for file in sorted(root.rglob("*.json")):
            image = self._image_of(file)
            record = by_path.get(image)
            if record is None:
                continue  # an image no longer in the folder: its file stays untouched
            try:
                data = file.read_bytes()
                record.tables = parse_tables(data, file)
                self.base[image] = data
                self.stamps[image] = _stamp(file)
            except OSError as exc:
                errors.append(FileError(file, f"cannot read: {exc.strerror or exc}"))
                self.broken.add(image)
            except FileError as exc:
                errors.append(exc)
                self.broken.add(image)
        return errors

    def refresh(self, records: Iterable[ImageRecord]) -> list[FileError]:
        """Take in the table files another writer changed since: a record whose tables were not changed here
        gets theirs (and its revision grows, which drops its undo history); one changed here keeps its own,
        and the save that follows keeps theirs as `.conflict-*`."""
        root = self.folder / TABLES_DIR
        on_disk = {self._image_of(f): f for f in root.rglob("*.json")} if root.is_dir() else {}
        errors: list[FileError] = []
        for record in records:
            path = record.path
            file = on_disk.get(path)
            if file is None and path not in self.base:
                continue
            if path in self.broken:
                continue  # reported at open; the file stays as it is until a save backs it up
            if file is not None and self.stamps.get(path) == _stamp(file):
                continue  # unchanged since read or written: not read again (autosave runs this often)
            data = _read_or_none(file) if file is not None else None
            base = self.base.get(path)
            ours = tables_bytes(path, record.tables) if record.tables else None
            if data == base or ours != base:
                continue  # nothing new, or changed here too (the save settles it)
            try:
                record.tables = parse_tables(data, file) if data is not None and file is not None else []
            except FileError as exc:
                errors.append(exc)
                self.broken.add(path)
                continue
            if data is None or file is None:
                self.base.pop(path, None)
            else:
                self.base[path], self.stamps[path] = data, _stamp(file)
            self.broken.discard(path)
            record.revision += 1
        return errors

    def _image_of(self, file: Path) -> str:
        return PurePosixPath(file.relative_to(self.folder / TABLES_DIR).as_posix()).with_suffix("").as_posix()

    def save(self, records: Iterable[ImageRecord]) -> list[Path]:
        """Write the tables of `records` that changed here; returns the files written or removed."""
        written = []
        for record in records:
            path = record.path
            if not inside_path(path):
                continue  # never written outside the folder (such a record is not saved by the label files either)
            want = tables_bytes(path, record.tables) if record.tables else None
            if want == self.base.get(path) or (want is None and path in self.broken):
                continue
            target = self.file_for(path)
            current = _read_or_none(target)
            if current is not None and current != self.base.get(path) and current != want:
                # Another writer's version (or a file we could not read): kept beside ours, never lost.
                suffix = "bad" if path in self.broken else "conflict"
                atomic_write_bytes(target.with_name(f"{target.name}.{suffix}-{time.time_ns()}"), current)
            if want is None:
                if current is not None:
                    os.unlink(target)
                self.base.pop(path, None)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                atomic_write_bytes(target, want)
                self.base[path], self.stamps[path] = want, _stamp(target)
            self.broken.discard(path)
            written.append(target)
        return written


def inside_path(image_path: str) -> bool:
    """Whether a record path can name a file under .labeler/tables/ (relative, no '..', no drive)."""
    path = PurePosixPath(image_path.replace("\\", "/"))
    return bool(image_path) and not path.is_absolute() and ".." not in path.parts and ":" not in image_path


def _stamp(path: Path) -> tuple[int, int, int]:
    try:
        st = path.stat()
    except OSError:
        return (-1, -1, -1)
    return (st.st_ino, st.st_mtime_ns, st.st_size)  # atomic writes make a new inode: a same-size rewrite shows


def _read_or_none(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
