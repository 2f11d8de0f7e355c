"""Record-level merge with what other writers saved: run under the folder lock before every save, and on refresh.

Several writers may share a folder (two windows, `labeler prelabel` beside a window). Each keeps, per
record, what the files said when its in-memory state was last in step with them (`PPOCRLabelSource.base`).
When a file changed on disk since this writer last read or wrote it (its stamp differs), the files are
read again and, record by record:
- changed on disk, not edited here: the record is reloaded from disk (its undo history is dropped);
- changed on disk and edited here: a conflict. The newer edit wins (this writer's last edit time against
  the other's, from edit_times.py; pre-labels count as oldest, so a person's edit beats them); the losing
  version is kept in `.labeler/conflicts/` as JSON holding its PPOCRLabel line, never dropped.
  `ConflictRule.PRELABELS` (the prelabel command's own saves) always yields to the other writer;
- not changed on disk: nothing happens; an edit here is written over the line as it is on disk now.
Lines of other images (and bad lines) are taken as they are on disk now, so another writer's work stays.
"""

from __future__ import annotations

import json
import os
import re
import socket
import time
from dataclasses import dataclass, field
from enum import Enum
from functools import partial
from pathlib import Path

from labeler.core.atomic import atomic_write_text
from labeler.core.errors import FileError, LabelFormatError
from labeler.core.folder_lock import labeler_dir
from labeler.core.model import ImageRecord, ImageStatus
from labeler.core.ppocrlabel_format import encode_label_line, format_regions, key_file_name, parse_regions
from labeler.core.project_model import Project
from labeler.core.project_source import (
    NOTHING_ON_DISK,
    FileStamp,
    PPOCRLabelSource,
    RecordOnDisk,
    SourceFile,
    disk_views,
    match_lines,
    read_label_source,
    read_state_source,
    records_by_name,
)

CONFLICTS_DIR = "conflicts"


class ConflictRule(str, Enum):
    NEWER = "newer"  # people: the later edit wins, the other is kept in .labeler/conflicts/
    PRELABELS = "prelabels"  # machine output: written to Cache.cach only, never over another writer's save


@dataclass(frozen=True)
class Conflict:
    """One image both this writer and another one changed. `kept`: "here" or "other writer"."""

    path: str
    kept: str
    saved_to: Path | None  # the losing version's file; None when it was machine output not worth keeping

    def describe(self) -> str:
        other = "this writer's" if self.kept == "other writer" else "the other writer's"
        where = f"; {other} version is kept in {self.saved_to}" if self.saved_to is not None else ""
        winner = "the other writer's" if self.kept == "other writer" else "this writer's"
        return f"{self.path} was changed by another writer too: kept {winner} newer edit{where}"


@dataclass
class MergeReport:
    """What a merge found: records reloaded from disk, conflicts, and the files another writer had changed."""

    reloaded: list[str] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    files_changed: list[Path] = field(default_factory=list)
    errors: list[FileError] = field(default_factory=list)

    def extend(self, other: MergeReport) -> None:
        self.reloaded += other.reloaded
        self.conflicts += other.conflicts
        self.files_changed += other.files_changed
        self.errors += other.errors


def changed_files(src: PPOCRLabelSource) -> list[SourceFile]:
    """The files another writer replaced since this one last read or wrote them (a stat each)."""
    return [f for f in src.files if FileStamp.of_path(f.path) != f.stamp]


def merge_from_disk(project: Project, src: PPOCRLabelSource, rule: ConflictRule = ConflictRule.NEWER) -> MergeReport:
    """Bring `src` and the records in step with the files on disk (call under the folder lock and src.save_lock)."""
    report = MergeReport()
    changed = changed_files(src)
    if not changed:
        return report
    report.files_changed = [f.path for f in changed]
    label, cache, state, views = _reread(project, src, {f.path for f in changed}, report.errors)
    edit_times = src.edit_times
    edit_times.refresh()
    # Without a recorded edit time (PPOCRLabel itself wrote it), the time the file was saved stands in.
    now_s = time.time()
    saved_time = max((f.stamp.mtime_ns for f in (label, cache, state) if f.stamp is not None), default=0) / 1e9
    with project.lock:
        for rec in project.records:
            before = src.base.get(rec.path, NOTHING_ON_DISK)
            now = views.get(rec.path, NOTHING_ON_DISK)
            if now.same_as(before):
                if before.line is not None and now.line is not None and before.line.is_source:
                    now.line.is_source = True  # a lazy record still parses these very bytes
                continue
            if not rec.dirty or _same_content(rec, before, project.key_for(rec)):
                _reload(rec, now)
                report.reloaded.append(rec.path)
            elif _same_content(rec, now, project.key_for(rec)):
                rec.dirty = False  # both sides made the same change
            elif rule is ConflictRule.PRELABELS or edit_times.get(rec.path, saved_time) > (rec.edited_at or now_s):
                saved = None if rule is ConflictRule.PRELABELS else _keep_ours(project, rec, now)
                _reload(rec, now)
                report.reloaded.append(rec.path)
                report.conflicts.append(Conflict(rec.path, "other writer", saved))
            else:
                saved = _keep_theirs(project, rec, now)
                report.conflicts.append(Conflict(rec.path, "here", saved))  # stays dirty: written over theirs
        src.label, src.cache, src.state = label, cache, state
        src.base = views
        for f in src.files:
            for ln in f.lines:
                ln.parsed = None  # the records own their regions now
    return report


def _reread(
    project: Project, src: PPOCRLabelSource, changed: set[Path], errors: list[FileError]
) -> tuple[SourceFile, SourceFile, SourceFile, dict[str, RecordOnDisk]]:
    alive = project.by_path
    by_name = records_by_name(project.records)
    # Records removed here since the last save (deleted images): their lines must stay tied to them, so the
    # save drops those lines instead of keeping them as lines of images not in the folder.
    for f in src.files:
        for ln in f.lines:
            rec = ln.record
            if rec is not None and alive.get(rec.path) is not rec:
                by_name.setdefault(key_file_name(rec.path), rec)
    folder = project.key_folder
    label = read_label_source(src.label.path, errors, previous=src.label) if src.label.path in changed else src.label
    label_win = match_lines(label, by_name, folder)
    in_label = {key_file_name(p) for p in label_win}
    if src.cache.path in changed:
        cache = read_label_source(src.cache.path, errors, lambda key: key_file_name(key) in in_label, src.cache)
    else:
        cache = src.cache
    cache_win = match_lines(cache, by_name, folder)
    state = read_state_source(src.state.path, errors) if src.state.path in changed else src.state
    state_hit = match_lines(state, by_name, folder)
    views = disk_views(label, label_win, cache, cache_win, state_hit)
    views = {p: v for p, v in views.items() if alive.get(p) is not None}
    return label, cache, state, views


def adopt_disk_view(rec: ImageRecord, view: RecordOnDisk) -> None:
    """Give a record what the files say: status, and regions parsed from the line on first access."""
    rec.status = view.status
    line = view.line
    if line is None:
        rec.regions = []
        return
    line.is_source = True
    if line.parsed is not None:
        rec.regions = line.parsed
    else:
        rec.set_regions_loader(partial(parse_regions, line.raw, view.file or "<label file>", line.line_no))


def _reload(rec: ImageRecord, view: RecordOnDisk) -> None:
    adopt_disk_view(rec, view)
    rec.dirty = False
    rec.revision += 1  # its undo history no longer applies


def _same_content(rec: ImageRecord, view: RecordOnDisk, key: str) -> bool:
    """Whether the record in memory says what `view` says (status and regions, compared as they'd be written)."""
    if rec.status is not view.status:
        return False
    if view.line is None:
        return not rec.regions
    if not rec.regions_loaded and view.line.is_source:
        return True
    try:
        theirs = parse_regions(view.line.raw)
    except LabelFormatError:
        return False
    integer = view.status is ImageStatus.CONFIRMED
    return format_regions(theirs, integer) == format_regions(rec.regions, integer)


# ----------------------------------------------------------------------------------- kept versions


def _keep_ours(project: Project, rec: ImageRecord, theirs: RecordOnDisk) -> Path:
    ours = _line_of(project, rec)
    return _write_conflict(project, rec.path, "the other writer's", (rec.status, ours), _version(theirs))


def _keep_theirs(project: Project, rec: ImageRecord, theirs: RecordOnDisk) -> Path:
    ours = _line_of(project, rec)
    return _write_conflict(project, rec.path, "this writer's", _version(theirs), (rec.status, ours))


def _line_of(project: Project, rec: ImageRecord) -> bytes:
    return encode_label_line(project.key_for(rec), rec.regions, rec.status is ImageStatus.CONFIRMED)


def _version(view: RecordOnDisk) -> tuple[ImageStatus, bytes | None]:
    return view.status, (view.line.raw if view.line is not None else None)


_seq = 0


def _write_conflict(
    project: Project,
    path: str,
    kept: str,
    discarded: tuple[ImageStatus, bytes | None],
    winner: tuple[ImageStatus, bytes | None],
) -> Path:
    """The losing version of an image as JSON in .labeler/conflicts/: status and PPOCRLabel line (re-importable)."""
    global _seq
    _seq += 1
    folder = labeler_dir(project.folder) / CONFLICTS_DIR
    folder.mkdir(exist_ok=True)
    safe = re.sub(r"[^\w.-]+", "_", key_file_name(path))[:80]
    target = folder / f"{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{_seq}-{safe}.json"

    def version(v: tuple[ImageStatus, bytes | None]) -> dict:
        return {"status": v[0].value, "line": None if v[1] is None else v[1].decode("utf-8", "replace")}

    data = {
        "image": path,
        "kept": f"{kept} version (the newer edit)",
        "written_by": {"pid": os.getpid(), "host": socket.gethostname(), "time": time.time()},
        "discarded": version(discarded),
        "kept_version": version(winner),
    }
    atomic_write_text(target, json.dumps(data, ensure_ascii=False, indent=1) + "\n")
    return target
