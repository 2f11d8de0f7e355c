"""What a folder's PPOCRLabel files held when a project last read or wrote them, line by line.

Shared by open and save (ppocrlabel_project.py) and the record-level merge (project_merge.py):
- `SourceFile` / `SourceLine`: a file's lines as bytes, each tied to the record it belongs to.
- `FileStamp`: the file's identity and size/times, so a writer sees at once whether another one replaced it.
- `RecordOnDisk`: one record as the three files describe it (status + the line its regions come from);
  two of them compare equal when the files say the same thing about the image, whatever its key's folder.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from labeler.core.edit_times import EditTimes
from labeler.core.errors import FileError, LabelFormatError
from labeler.core.model import ImageRecord, ImageStatus, TextRegion
from labeler.core.ppocrlabel_format import key_file_name, scan_label_bytes
from labeler.core.table_store import TableFiles

LABEL_FILE = "Label.txt"
CACHE_FILE = "Cache.cach"
STATE_FILE = "fileState.txt"


@dataclass
class SourceLine:
    """A line as last read or written (no newline). `record`: the image it belongs to, None for a bad line or
    one whose image is not in the folder; `winner`: the line the record's data came from (others are shadowed).
    """

    raw: bytes
    key: str | None
    record: ImageRecord | None = None
    winner: bool = False
    line_no: int = 0
    parsed: list[TextRegion] | None = None  # regions parsed at open (non-canonical lines); cleared after
    is_source: bool = False  # the line a not-yet-loaded record will parse its regions from
    # Canonical (passed the fast check) or written by us: if re-formatting its regions gives other bytes,
    # the regions differ. Otherwise a changed record's line is parsed to compare (see _decide).
    canonical: bool = False

    @property
    def payload(self) -> bytes:
        """The line without its key: what it says about the image, whatever folder name the key carries."""
        tab = self.raw.find(b"\t")
        return self.raw[tab:] if tab >= 0 else self.raw


@dataclass(frozen=True)
class FileStamp:
    """Identity, size and times of a file: every atomic save replaces the inode, so any write changes it."""

    inode: int
    size: int
    mtime_ns: int
    ctime_ns: int

    @classmethod
    def of(cls, st: os.stat_result) -> FileStamp:
        return cls(st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)

    @classmethod
    def of_path(cls, path: Path) -> FileStamp | None:
        try:
            return cls.of(os.stat(path))
        except FileNotFoundError:
            return None


@dataclass
class SourceFile:
    path: Path
    lines: list[SourceLine] = field(default_factory=list)
    bom: bytes = b""
    existed: bool = False
    stamp: FileStamp | None = None  # as last read or written; None: absent (or never looked at)


@dataclass(frozen=True)
class RecordOnDisk:
    """What the files say about one image: its status and the line its regions come from (None: no regions)."""

    status: ImageStatus
    line: SourceLine | None = None
    file: Path | None = field(default=None, compare=False)  # the file `line` is in

    def same_as(self, other: RecordOnDisk) -> bool:
        if self.status is not other.status:
            return False
        if self.line is None or other.line is None:
            return self.line is other.line
        return self.line.payload == other.line.payload


NOTHING_ON_DISK = RecordOnDisk(ImageStatus.NEW)


@dataclass
class PPOCRLabelSource:
    """What a project's files held at the last open, merge or save; kept on Project.source.

    `base[path]`: what the files said about each record when its in-memory state was last in step with
    them (read, reloaded or written). A record whose files say something else now was changed by another
    writer since.
    """

    label: SourceFile
    cache: SourceFile
    state: SourceFile
    settings_saved: dict = field(default_factory=dict)
    save_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    base: dict[str, RecordOnDisk] = field(default_factory=dict)
    edit_times: EditTimes = field(init=False)
    tables: TableFiles = field(init=False)  # .labeler/tables/, written with the records (table_store.py)

    def __post_init__(self) -> None:
        self.edit_times = EditTimes(self.label.path.parent)
        self.tables = TableFiles(self.label.path.parent)

    @property
    def files(self) -> tuple[SourceFile, SourceFile, SourceFile]:
        return (self.label, self.cache, self.state)


def empty_source(folder: Path) -> PPOCRLabelSource:
    return PPOCRLabelSource(
        SourceFile(folder / LABEL_FILE), SourceFile(folder / CACHE_FILE), SourceFile(folder / STATE_FILE)
    )


# ------------------------------------------------------------------------------------------- reading


def read_file(path: Path, errors: list[FileError]) -> tuple[bytes | None, FileStamp | None]:
    """The file's bytes and the stamp of exactly what was read; (None, None) if absent or unreadable."""
    try:
        with open(path, "rb") as f:
            stamp = FileStamp.of(os.fstat(f.fileno()))
            return f.read(), stamp
    except FileNotFoundError:
        return None, None
    except OSError as exc:
        errors.append(FileError(path, f"cannot read ({exc.strerror or exc})"))
        return None, None


def read_label_source(
    path: Path,
    errors: list[FileError],
    skip: Callable[[str], bool] | None = None,
    previous: SourceFile | None = None,
) -> SourceFile:
    """Read and check a Label.txt / Cache.cach. With `previous` (the same file as read before), lines whose
    bytes are unchanged and were canonical are taken over instead of checked again: another writer's save
    changes a few lines of 10,000, and re-checking them all would cost a second."""
    data, stamp = read_file(path, errors)
    src = SourceFile(path, stamp=stamp)
    if data is None:
        return src
    src.existed = True
    reused: dict[int, SourceLine] = {}
    if previous is not None and previous.lines:
        data, reused = _take_over_unchanged(data, previous)
    scanned = scan_label_bytes(data, path, skip)
    src.bom = scanned.bom
    errors.extend(scanned.errors)
    fresh = [
        SourceLine(ln.raw, ln.key, line_no=ln.line_no, parsed=ln.regions, canonical=ln.regions is None and ln.checked)
        for ln in scanned.lines
    ]
    if reused:
        fresh.extend(reused.values())
        fresh.sort(key=lambda ln: ln.line_no)
    src.lines = fresh
    return src


def _take_over_unchanged(data: bytes, previous: SourceFile) -> tuple[bytes, dict[int, SourceLine]]:
    """The file with its unchanged canonical lines blanked (line numbers stay), and those lines by number."""
    pool: dict[bytes, list[SourceLine]] = {}
    for ln in previous.lines:
        if ln.canonical and ln.key is not None:
            pool.setdefault(ln.raw, []).append(ln)
    bom = b"\xef\xbb\xbf" if data.startswith(b"\xef\xbb\xbf") else b""
    parts = data[len(bom) :].split(b"\n")
    reused: dict[int, SourceLine] = {}
    for i, raw in enumerate(parts):
        olds = pool.get(raw)
        if olds:
            ln = olds.pop()
            ln.line_no = i + 1
            reused[i + 1] = ln
            parts[i] = b""
    return bom + b"\n".join(parts), reused


def read_state_source(path: Path, errors: list[FileError]) -> SourceFile:
    data, stamp = read_file(path, errors)
    src = SourceFile(path, stamp=stamp)
    if data is None:
        return src
    src.existed = True
    if data.startswith(b"\xef\xbb\xbf"):
        src.bom, data = data[:3], data[3:]
    for i, raw in enumerate(data.split(b"\n"), start=1):
        if not raw or raw.isspace():
            continue
        key_bytes, tab, _state = raw.partition(b"\t")
        key: str | None = None
        try:
            key = key_bytes.decode("utf-8")
        except UnicodeDecodeError as exc:
            errors.append(LabelFormatError(path, f"not UTF-8 (byte {exc.start})", i))
        else:
            if not tab or not key.strip():
                errors.append(LabelFormatError(path, "expected `<image key or path>\\t1`", i))
                key = None
        # PPOCRLabel marks an image checked whatever the state field says; so do we.
        src.lines.append(SourceLine(raw, key, line_no=i))
    return src


def match_lines(
    src: SourceFile, by_name: dict[str, ImageRecord], key_folder: str, missing: list[str] | None = None
) -> dict[str, SourceLine]:
    """Tie lines to records by file name; per record the last exact-key line wins, else the last by name."""
    found: dict[str, SourceLine] = {}
    exact_found: set[str] = set()
    for ln in src.lines:
        ln.winner = False
        ln.record = None
        if ln.key is None:
            continue
        rec = by_name.get(key_file_name(ln.key.rstrip("\r")))
        if rec is None:
            if missing is not None:
                missing.append(ln.key)
            continue
        ln.record = rec
        exact = ln.key == f"{key_folder}/{rec.path}"
        if exact or rec.path not in exact_found:
            found[rec.path] = ln
            if exact:
                exact_found.add(rec.path)
    for ln in found.values():
        ln.winner = True
    return found


def records_by_name(records: list[ImageRecord]) -> dict[str, ImageRecord]:
    by_name: dict[str, ImageRecord] = {}
    for rec in records:
        by_name.setdefault(key_file_name(rec.path), rec)
    return by_name


def disk_views(
    label: SourceFile,
    label_win: dict[str, SourceLine],
    cache: SourceFile,
    cache_win: dict[str, SourceLine],
    state_hit: dict[str, SourceLine],
) -> dict[str, RecordOnDisk]:
    """Per record path: PPOCRLabel's reading of the three files (Label.txt wins over Cache.cach)."""
    views: dict[str, RecordOnDisk] = {}
    for path in {*label_win, *cache_win, *state_hit}:
        status = ImageStatus.CONFIRMED if path in label_win or path in state_hit else ImageStatus.PRELABELLED
        if path in label_win:
            views[path] = RecordOnDisk(status, label_win[path], label.path)
        elif path in cache_win:
            views[path] = RecordOnDisk(status, cache_win[path], cache.path)
        else:
            views[path] = RecordOnDisk(status)
    return views
