"""The in-memory project: one image folder, a record per image, and project settings. No Qt, no I/O here.

Reading and writing PPOCRLabel's files is project.py's (open_project / save_project / refresh_project).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from labeler.core.errors import FileError
from labeler.core.model import ImageRecord, ImageStatus


@dataclass
class Project:
    """An image folder and its records, in the order the image list shows them.

    `errors` are the problems found when the folder was opened (bad lines, named by file and line; those
    lines are kept and written back unchanged). `missing` lists label keys whose image is not in the folder
    (their lines are kept too). `lock` guards the records against the autosave thread: history.py takes it
    for every edit and save_project while it collects what to write.
    """

    folder: Path
    records: list[ImageRecord] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    errors: list[FileError] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)
    source: Any = field(default=None, repr=False, compare=False)  # what was read, for byte-identical saves
    _by_path: dict[str, ImageRecord] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Absolute and normalised: the key's folder name must be the real one, never "" or "..".
        self.folder = Path(os.path.abspath(self.folder))
        self._reindex()

    # ------------------------------------------------------------------ lookup

    @property
    def by_path(self) -> dict[str, ImageRecord]:
        """Records by their path relative to the folder (read-only use; add/remove through the methods)."""
        if len(self._by_path) != len(self.records):
            self._reindex()  # the list was changed directly
        return self._by_path

    def _reindex(self) -> None:
        self._by_path = {r.path: r for r in self.records}

    def record(self, path: str) -> ImageRecord:
        return self.by_path[path]

    def __len__(self) -> int:
        return len(self.records)

    def __iter__(self) -> Iterator[ImageRecord]:
        return iter(self.records)

    def __contains__(self, path: object) -> bool:
        return path in self.by_path

    @property
    def key_folder(self) -> str:
        """The folder name PPOCRLabel puts in front of every key: always the current one (renamed folders load)."""
        return self.folder.name

    def key_for(self, record: ImageRecord | str) -> str:
        """PPOCRLabel's key for an image: `<folder name>/<path>`."""
        path = record if isinstance(record, str) else record.path
        return f"{self.key_folder}/{path}"

    def image_path(self, record: ImageRecord | str) -> Path:
        path = record if isinstance(record, str) else record.path
        return self.folder / path

    # ------------------------------------------------------------------ changes (outside history.py)

    def add_record(self, record: ImageRecord) -> ImageRecord:
        """Add an image that appeared in the folder; it is saved with the next save."""
        with self.lock:
            if record.path in self.by_path:
                raise ValueError(f"{record.path} is already in the project")
            self.records.append(record)
            self._by_path[record.path] = record
            record.dirty = True
        return record

    def remove_record(self, path: str) -> ImageRecord:
        """Forget an image (deleted from disk); its lines go from the files at the next save."""
        with self.lock:
            rec = self.by_path[path]
            self.records.remove(rec)
            del self._by_path[path]
        return rec

    def mark_all_dirty(self) -> None:
        """Re-serialise every record at the next save (e.g. to normalise a folder's files)."""
        with self.lock:
            for rec in self.records:
                rec.dirty = True

    # ------------------------------------------------------------------ state

    def dirty_records(self) -> list[ImageRecord]:
        return [r for r in self.records if r.dirty]

    @property
    def is_dirty(self) -> bool:
        return any(r.dirty for r in self.records)

    def status_counts(self) -> dict[ImageStatus, int]:
        counts = dict.fromkeys(ImageStatus, 0)
        for rec in self.records:
            counts[rec.status] += 1
        return counts

    def records_with_status(self, *statuses: ImageStatus) -> list[ImageRecord]:
        return [r for r in self.records if r.status in statuses]
