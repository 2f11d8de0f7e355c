"""Problems found in a folder's label files, tied to the images they are about. No Qt, no I/O.

A bad line of Label.txt / Cache.cach / fileState.txt is kept as it is and written back unchanged
(ppocrlabel_project.py); its image loads without it, often "confirmed" (through fileState.txt) with no
regions. `project_problems` says which image each of `project.errors` is about, matched by file name as
the files' keys are (ppocrlabel_format.key_file_name), so a window can list the problems and mark those images.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from labeler.core.errors import FileError
from labeler.core.model import ImageRecord
from labeler.core.ppocrlabel_format import key_file_name


@dataclass(frozen=True)
class Problem:
    """One problem: the file and line, what is wrong, and the record (path in the project) it is about, if any.

    `late`: found when the record's regions were first parsed (lazily, on display), not when the folder opened.
    """

    path: str
    line: int | None
    reason: str
    record: str | None = None
    key: str | None = None
    late: bool = False

    @property
    def file_name(self) -> str:
        return Path(self.path).name

    @property
    def where(self) -> str:
        """`Label.txt:3`, or just the file name when no line is known."""
        return self.file_name if self.line is None else f"{self.file_name}:{self.line}"


def records_by_file_name(records: Iterable[ImageRecord]) -> dict[str, str]:
    """File name -> record path; the first record wins, as when the files are read (project_source.records_by_name)."""
    by_name: dict[str, str] = {}
    for rec in records:
        by_name.setdefault(key_file_name(rec.path), rec.path)
    return by_name


def key_of_raw_line(raw: bytes) -> str | None:
    """The image key a stored line starts with: the text before its tab (the whole line without one), if UTF-8."""
    head = raw.split(b"\t", 1)[0].rstrip(b"\r")
    try:
        key = head.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return key if key.strip() else None


def _raw_lines(source: Any) -> dict[tuple[str, int], bytes]:
    # The lines as read (project.source, a PPOCRLabelSource); read by attribute so any other source gives none.
    found: dict[tuple[str, int], bytes] = {}
    for src in getattr(source, "files", ()) or ():
        for ln in getattr(src, "lines", ()):
            line_no, raw = getattr(ln, "line_no", 0), getattr(ln, "raw", None)
            if line_no and isinstance(raw, bytes):
                found[(str(src.path), line_no)] = raw
    return found


def error_key(error: FileError, raw_lines: dict[tuple[str, int], bytes] | None = None) -> str | None:
    """The key of the line an error is about: set on it when the file was scanned, else read from the line."""
    key = getattr(error, "key", None)
    if key is None and raw_lines and error.line is not None:
        raw = raw_lines.get((str(error.path), error.line))
        key = key_of_raw_line(raw) if raw is not None else None
    return key


def record_for_key(key: str | None, by_name: dict[str, str]) -> str | None:
    if not key:
        return None
    return by_name.get(key_file_name(key.strip()))


def problem_of(error: FileError, by_name: dict[str, str], raw_lines: dict | None = None) -> Problem:
    key = error_key(error, raw_lines)
    return Problem(str(error.path), error.line, error.reason, record_for_key(key, by_name), key)


def project_problems(project, errors: Iterable[FileError] | None = None) -> list[Problem]:
    """The problems of `errors` (default: `project.errors`, from open_project), each with the record it is
    about when there is one. Also for the errors of a refresh (MergeReport.errors): project.source then
    holds the lines just read."""
    errors = list(getattr(project, "errors", ()) if errors is None else errors)
    if not errors:
        return []
    by_name = records_by_file_name(project.records)
    needs_line = any(getattr(e, "key", None) is None and e.line is not None for e in errors)
    raw_lines = _raw_lines(getattr(project, "source", None)) if needs_line else None
    return [problem_of(error, by_name, raw_lines) for error in errors]


def after_reread(problems: list[Problem], reread: Iterable[str], found: list[Problem]) -> list[Problem]:
    """The problems once files were read again (another writer saved them): those of the files read again
    are replaced by what was `found` in them; the others, and the late ones (records not reloaded), stay."""
    again = {str(Path(p)) for p in reread}
    return [p for p in problems if p.late or str(Path(p.path)) not in again] + list(found)


def late_problem(error: FileError, record_path: str) -> Problem:
    """A record's line that failed to parse when it was first shown (the record is known, whatever the key)."""
    return Problem(str(error.path), error.line, error.reason, record_path, getattr(error, "key", None), late=True)


def problems_by_record(problems: Iterable[Problem]) -> dict[str, list[Problem]]:
    """Record path -> its problems, in order; problems about no record are left out."""
    out: dict[str, list[Problem]] = {}
    for problem in problems:
        if problem.record is not None:
            out.setdefault(problem.record, []).append(problem)
    return out
