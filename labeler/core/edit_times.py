"""When each image was last edited, by any writer: `.labeler/edit_times.jsonl`, appended at every save.

The label files cannot carry it (PaddleOCR reads them), and a file's mtime is when it was saved, not when the
edit was made: conflicts between writers are settled on these times (project_merge.py). Machine pre-labels
are logged as time 0, so a person's edit always wins over them. Read incrementally from the last offset.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from labeler.core.atomic import atomic_write_text

EDIT_TIMES_FILE = "edit_times.jsonl"
COMPACT_BYTES = 4 << 20  # past this size the log is rewritten with the latest time per image


class EditTimes:
    def __init__(self, folder: Path):
        self.path = Path(folder) / ".labeler" / EDIT_TIMES_FILE
        self.times: dict[str, float] = {}
        self._offset = 0
        self._inode: int | None = None

    def get(self, path: str, default: float) -> float:
        return self.times.get(path, default)

    def refresh(self) -> None:
        """Read what other writers appended since the last call."""
        try:
            with open(self.path, "rb") as f:
                st = os.fstat(f.fileno())
                if st.st_ino != self._inode or st.st_size < self._offset:
                    self.times.clear()  # compacted (replaced) by another writer: read it whole
                    self._offset, self._inode = 0, st.st_ino
                f.seek(self._offset)
                data = f.read()
        except FileNotFoundError:
            return
        end = data.rfind(b"\n") + 1  # a line cut short by a kill mid-append is skipped below
        for line in data[:end].splitlines():
            try:
                entry = json.loads(line)
                self.times[str(entry["p"])] = float(entry["t"])
            except (ValueError, KeyError, TypeError):
                continue  # the label files are the truth; a lost time only makes a conflict fall back to mtime
        self._offset += end

    def record(self, edits: list[tuple[str, float]]) -> None:
        """Append the edit times of the records a save just wrote (call under the folder lock)."""
        if not edits:
            return
        self.refresh()
        self.times.update(edits)
        self.path.parent.mkdir(exist_ok=True)
        data = "".join(json.dumps({"p": p, "t": t}, ensure_ascii=False) + "\n" for p, t in edits).encode("utf-8")
        if self._offset + len(data) > COMPACT_BYTES:
            text = "".join(json.dumps({"p": p, "t": t}, ensure_ascii=False) + "\n" for p, t in self.times.items())
            atomic_write_text(self.path, text)
            self._offset, self._inode = 0, None
            self.refresh()
            return
        with open(self.path, "ab") as f:
            f.write(b"\n" if self._torn_tail(f) else b"")
            f.write(data)
        self.refresh()

    def _torn_tail(self, f) -> bool:
        # A writer killed mid-append left a line without its newline: start ours on a fresh line.
        size = f.seek(0, os.SEEK_END)
        if size == 0:
            return False
        with open(self.path, "rb") as r:
            r.seek(size - 1)
            return r.read(1) != b"\n"
