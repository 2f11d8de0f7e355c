"""Open and save a PPOCRLabel folder: Label.txt, Cache.cach, fileState.txt (+ our .labeler/project.json and
.labeler/tables/, table_store.py).

Reading (PPOCRLabel's rules, minus its faults):
- Label.txt: confirmed regions; Cache.cach: OCR pre-labels; Label.txt wins for an image in both.
- fileState.txt: `<key>\\t1` or `<absolute path>\\t1` (old versions), any separator style.
- Keys carry the folder name at the time of writing. An image matches a line by its file name, so a moved or
  renamed folder still loads; a line with the exact current key beats one that only matches by file name.
- Status: confirmed if in fileState.txt or Label.txt, pre-labelled if in Cache.cach, else new.
- A bad line is an error naming file and line; the rest loads; the line is written back unchanged.
  (Cache.cach lines of images that Label.txt holds are never used, so they are kept but not checked.)
- Regions are parsed when a record is first shown (model.ImageRecord.set_regions_loader).

Writing: files are rebuilt from the lines read. Lines of records not changed since the last save are kept
byte-for-byte (only a stale key is replaced by the current one, so PPOCRLabel finds it); changed records are
re-serialised; bad lines, lines of images not in the folder and unknown keys stay. A file whose lines are all
unchanged is not rewritten. Every write is atomic (temp + fsync + os.replace).
Several writers may share the folder (windows, `labeler prelabel`): a save holds the folder lock
(folder_lock.py), first takes in what the others saved, record by record (project_merge.py), then writes
only the records changed here over the files as they are now.
- Label.txt: a line per confirmed image with regions, integer points (PPOCRLabel's rule).
- fileState.txt: `<key>\t1` for every confirmed image (PPOCRLabel keeps only those Label.txt lines).
- Cache.cach: regions of images not confirmed (so unconfirmed work is never lost: an image that was
  "new" comes back pre-labelled); the OCR lines of confirmed images stay as they are.
"""

from __future__ import annotations

import copy
import json
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from labeler.core.atomic import atomic_write_bytes
from labeler.core.errors import FileError, LabelFormatError, UnusableFileNameError
from labeler.core.folder_lock import FolderLock, LockHolder
from labeler.core.model import ImageRecord, ImageStatus
from labeler.core.ppocrlabel_format import encode_label_line, gc_paused, key_file_name, parse_regions
from labeler.core.project_merge import ConflictRule, MergeReport, adopt_disk_view, merge_from_disk
from labeler.core.project_model import Project
from labeler.core.project_source import (
    CACHE_FILE,
    LABEL_FILE,
    STATE_FILE,
    FileStamp,
    PPOCRLabelSource,
    RecordOnDisk,
    SourceFile,
    SourceLine,
    disk_views,
    empty_source,
    match_lines,
    read_label_source,
    read_state_source,
    records_by_name,
)

SETTINGS_FILE = ".labeler/project.json"
STALE_TEMP_AGE_S = 3600.0  # temp files of a crashed save older than this are removed at open
REFRESH_LOCK_TIMEOUT_S = 2.0  # a refresh is retried later rather than wait long for a writer

_KEEP = object()  # "keep whatever line the file has" (cache lines of confirmed images)


@dataclass
class SaveResult:
    """Which files a save wrote, how many changed records it serialised, and what it merged from other writers."""

    written: list[Path] = field(default_factory=list)
    records: int = 0
    merge: MergeReport = field(default_factory=MergeReport)
    took_over: LockHolder | None = None  # a writer that died holding the folder lock

    def messages(self) -> list[str]:
        out = []
        if self.took_over is not None:
            out.append(f"took over the folder lock of {self.took_over.describe()}, which ended without releasing it")
        out += [c.describe() for c in self.merge.conflicts]
        return out


# ------------------------------------------------------------------------------------------- open


def open_ppocrlabel_folder(folder: str | Path, images: Iterable[str] | None = None) -> Project:
    with gc_paused():  # ~100,000 small objects: collections triggered midway would only scan them in vain
        return _open(folder, images)


def _open(folder: str | Path, images: Iterable[str] | None) -> Project:
    folder = Path(folder).absolute()
    if not folder.is_dir():
        raise FileError(folder, "not a folder" if folder.exists() else "folder not found")
    _remove_stale_temp_files(folder)
    if images is None:
        from labeler.core.image_io import list_images  # imported here: it pulls in OpenCV

        names = [p.name for p in list_images(folder)]
    else:
        names = [str(p).replace("\\", "/") for p in images]
    errors: list[FileError] = []
    names = _usable_names(folder, names, errors)
    records = [ImageRecord(path=n) for n in names]
    by_name = records_by_name(records)
    project = Project(folder=folder, records=records)
    missing: list[str] = []
    label = read_label_source(folder / LABEL_FILE, errors)
    label_win = match_lines(label, by_name, project.key_folder, missing)
    # Cache.cach lines of images Label.txt holds are never used (Label.txt wins): kept, but not checked.
    in_label = {key_file_name(p) for p in label_win}
    cache = read_label_source(folder / CACHE_FILE, errors, skip=lambda key: key_file_name(key) in in_label)
    cache_win = match_lines(cache, by_name, project.key_folder, missing)
    state = read_state_source(folder / STATE_FILE, errors)
    state_hit = match_lines(state, by_name, project.key_folder, missing)
    views = disk_views(label, label_win, cache, cache_win, state_hit)
    for rec in records:
        view = views.get(rec.path)
        if view is not None:
            adopt_disk_view(rec, view)
    for src in (label, cache, state):
        for ln in src.lines:
            ln.parsed = None  # the records own their regions now
    project.settings, settings_error = _read_settings(folder / SETTINGS_FILE)
    if settings_error is not None:
        errors.append(settings_error)
    project.errors = errors
    project.missing = list(dict.fromkeys(missing))
    project.source = PPOCRLabelSource(label, cache, state, copy.deepcopy(project.settings), base=views)
    project.errors += project.source.tables.load(records)  # .labeler/tables/ (table_store.py)
    return project


def _usable_names(folder: Path, names: list[str], errors: list[FileError]) -> list[str]:
    """Names that fit a `<key>\\t<json>` UTF-8 line; each other one is an error saying what to do, and left out."""
    usable = []
    for name in names:
        problem = file_name_problem(name)
        if problem is None:
            usable.append(name)
        else:
            shown = name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
            shown = shown.replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
            errors.append(UnusableFileNameError(folder / shown, f"{problem}; left out until it is renamed"))
    return usable


def file_name_problem(name: str) -> str | None:
    """Why an image name cannot go into the label files, or None."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return (
            "file name is not valid UTF-8 (e.g. from a zip made on Chinese Windows); rename it, "
            "e.g. `convmv -f gbk -t utf-8 --notest FILE`"
        )
    if any(c in name for c in "\t\n\r"):
        return "file name holds a tab or line break, which the tab-separated label files cannot store; rename it"
    return None


def _read_settings(path: Path) -> tuple[dict, FileError | None]:
    try:
        data = json.loads(path.read_bytes().decode("utf-8"))
    except FileNotFoundError:
        return {}, None
    except (OSError, ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        return {}, FileError(path, f"project settings ignored: {exc}")
    if not isinstance(data, dict):
        return {}, FileError(path, "project settings ignored: not a JSON object")
    return data, None


def _remove_stale_temp_files(folder: Path) -> None:
    # A save killed between mkstemp and os.replace leaves `.<name>.<random>.tmp`; the real file is intact.
    prefixes = tuple(f".{name}." for name in (LABEL_FILE, CACHE_FILE, STATE_FILE))
    now = time.time()
    try:
        entries = [e for e in os.scandir(folder) if e.name.startswith(prefixes) and e.name.endswith(".tmp")]
    except OSError:
        return
    for entry in entries:
        try:
            if now - entry.stat().st_mtime > STALE_TEMP_AGE_S:
                os.unlink(entry.path)
        except OSError:
            pass


# ------------------------------------------------------------------------------------------- save


def save_ppocrlabel_folder(project: Project, rule: ConflictRule = ConflictRule.NEWER) -> SaveResult:
    """Merge with what other writers saved (under the folder lock), then write this writer's changed records."""
    src = _source_of(project)
    with src.save_lock, FolderLock(project.folder) as lock:  # one save at a time, in-process and across
        result = SaveResult(took_over=lock.took_over)
        result.merge = merge_from_disk(project, src, rule)
        with project.lock:
            project.errors += src.tables.refresh(project.records)
            dirty = [r for r in project.records if r.dirty]
            for rec in dirty:
                rec.dirty = False  # an edit from here on marks it again and is saved next time
            new_lines = _NewLines(status={id(r): r.status for r in dirty})
            try:
                plans = _plan_all(project, src, {id(r) for r in dirty}, new_lines, rule)
                settings, settings_changed = _merged_settings(project, src)
            except BaseException:
                _remark(project, dirty)
                raise
        result.records = len(dirty)
        try:
            for target, lines, changed in plans:
                if changed:
                    atomic_write_bytes(target.path, _file_bytes(target.bom, lines))
                    result.written.append(target.path)
            if settings_changed:
                path = project.folder / SETTINGS_FILE
                path.parent.mkdir(exist_ok=True)
                text = json.dumps(settings, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
                atomic_write_bytes(path, text.encode("utf-8"))
                result.written.append(path)
            result.written += src.tables.save(dirty)
        except BaseException:
            _remark(project, dirty)
            raise
        for target, lines, changed in plans:
            if changed:
                target.lines, target.existed = lines, True
                target.stamp = FileStamp.of_path(target.path)
        _rebase(src, dirty, new_lines)
        machine = rule is ConflictRule.PRELABELS
        src.edit_times.record([(r.path, 0.0 if machine else r.edited_at or time.time()) for r in dirty])
        src.settings_saved = settings
    return result


def refresh_ppocrlabel_folder(project: Project) -> MergeReport:
    """Take in what other writers saved: reload the records not edited here, settle conflicts. Writes nothing
    but conflict copies; returns an empty report when another writer holds the lock (try again later)."""
    src = _source_of(project)
    from labeler.core.folder_lock import FolderLockedError

    with src.save_lock:
        try:
            with FolderLock(project.folder, timeout=REFRESH_LOCK_TIMEOUT_S):
                report = merge_from_disk(project, src)
                with project.lock:
                    project.errors += src.tables.refresh(project.records)
        except FolderLockedError:
            return MergeReport()
        settings, _ = _merged_settings(project, src)
        with project.lock:
            project.settings = settings
    return report


def _source_of(project: Project) -> PPOCRLabelSource:
    if not isinstance(project.source, PPOCRLabelSource):
        project.source = empty_source(project.folder)  # a project built in memory: merges with whatever is there
    return project.source


def _merged_settings(project: Project, src: PPOCRLabelSource) -> tuple[dict, bool]:
    """Project settings: the keys changed here over the file as it is now (another writer may have changed others)."""
    ours = copy.deepcopy(project.settings)
    mine = {k: v for k, v in ours.items() if src.settings_saved.get(k, _KEEP) != v}
    gone = [k for k in src.settings_saved if k not in ours]
    disk, _error = _read_settings(project.folder / SETTINGS_FILE)
    if disk == src.settings_saved:
        return ours, bool(mine or gone)
    merged = {k: v for k, v in disk.items() if k not in gone}
    merged.update(mine)
    return merged, merged != disk


def _rebase(src: PPOCRLabelSource, written: list[ImageRecord], new_lines: _NewLines) -> None:
    """After a save: the written records are in step with the lines just written (read as disk_views would)."""
    for rec in written:
        rid = id(rec)
        label = new_lines.label.get(rid)  # none planned (a Cache.cach-only save): records without a Label.txt line
        line, file = (label, src.label.path) if label is not None else (new_lines.cache.get(rid), src.cache.path)
        confirmed = label is not None or new_lines.status[rid] is ImageStatus.CONFIRMED
        status = ImageStatus.CONFIRMED if confirmed else ImageStatus.PRELABELLED if line else ImageStatus.NEW
        src.base[rec.path] = RecordOnDisk(status, line, file if line is not None else None)


def _remark(project: Project, records: list[ImageRecord]) -> None:
    with project.lock:
        for rec in records:
            rec.dirty = True


def _file_bytes(bom: bytes, lines: list[SourceLine]) -> bytes:
    if not lines:
        return b""
    return bom + b"\n".join([ln.raw for ln in lines]) + b"\n"


def _plan_all(
    project: Project, src: PPOCRLabelSource, dirty: set[int], new_lines: _NewLines, rule: ConflictRule
) -> list[tuple[SourceFile, list[SourceLine], bool]]:
    cache = (
        src.cache,
        *_plan_labels(
            src.cache,
            project,
            dirty,
            _want_cache,
            lambda rec: True,
            rekey=rule is not ConflictRule.PRELABELS,
            winners=new_lines.cache,
        ),
    )
    if rule is ConflictRule.PRELABELS:
        return [cache]  # machine output: Cache.cach only, every other line as it is
    # Written in this order: a crash in between leaves a Label.txt line without its fileState line at worst,
    # and a Label.txt line alone already means "confirmed".
    return [
        cache,
        (src.label, *_plan_labels(src.label, project, dirty, _want_label, _is_confirmed, winners=new_lines.label)),
        (src.state, *_plan_state(src.state, project, project.key_for)),
    ]


@dataclass
class _NewLines:
    """The line each changed record got in Label.txt and Cache.cach (None: none), and its status when planned."""

    label: dict[int, SourceLine | None] = field(default_factory=dict)
    cache: dict[int, SourceLine | None] = field(default_factory=dict)
    status: dict[int, ImageStatus] = field(default_factory=dict)


def _is_confirmed(rec: ImageRecord) -> bool:
    return rec.status is ImageStatus.CONFIRMED


def _want_label(rec: ImageRecord, key: str) -> object:
    if rec.status is ImageStatus.CONFIRMED and rec.regions:
        return encode_label_line(key, rec.regions, integer_points=True)  # integers, as PPOCRLabel writes
    return None


def _want_cache(rec: ImageRecord, key: str) -> object:
    if rec.status is ImageStatus.CONFIRMED:
        return _KEEP  # the OCR output an image was confirmed from stays, as in PPOCRLabel
    if rec.regions or rec.status is ImageStatus.PRELABELLED:
        return encode_label_line(key, rec.regions)
    return None


def _plan_labels(
    src: SourceFile,
    project: Project,
    dirty: set[int],
    want: Callable[[ImageRecord, str], object],
    keep_unloaded: Callable[[ImageRecord], bool],
    rekey: bool = True,
    winners: dict[int, SourceLine | None] | None = None,
) -> tuple[list[SourceLine], bool]:
    """The file's new lines and whether they differ. `want(rec, key)`: the line a changed record needs (bytes),
    None for no line, or _KEEP. `keep_unloaded(rec)`: for a changed record whose regions were never loaded
    (only its status changed), whether its source line stays as it is. `winners` gets each changed record's
    new line (None: none).
    """
    alive = project.by_path
    prefix = project.key_folder + "/"  # project.key_for, without a pathlib call per line
    decided: dict[int, tuple[SourceLine | None, bool]] = {}  # record -> (its new line or None, raw kept)
    for ln in src.lines:
        rec = ln.record
        if rec is not None and ln.winner and alive.get(rec.path) is rec:
            key = prefix + rec.path
            if id(rec) in dirty and ln.is_source and not rec.regions_loaded:
                # Its regions are this line's, unchanged: decide on the status, without parsing 50 regions.
                decided[id(rec)] = (_rekeyed(ln, key), True) if keep_unloaded(rec) else (None, False)
            else:
                is_dirty = id(rec) in dirty
                line_key = key if rekey or is_dirty or ln.key is None else ln.key
                decided[id(rec)] = _decide(ln, rec, line_key, is_dirty, want)
    out: list[SourceLine] = []
    changed = False
    for ln in src.lines:
        rec = ln.record
        if rec is None:
            out.append(ln)  # bad line, or its image is not in the folder: never dropped
            continue
        fate = decided.get(id(rec))
        if fate is None:  # record removed from the project
            changed = True
            continue
        new, kept_raw = fate
        if not ln.winner:
            # A shadowed duplicate stays only while the line that beats it stays, or it could come back.
            if kept_raw:
                out.append(ln)
            else:
                changed = True
            continue
        if new is None:
            changed = True
            continue
        changed = changed or new.raw != ln.raw
        out.append(new)
    for rec in project.records:
        if id(rec) in dirty and id(rec) not in decided:
            new_raw = want(rec, project.key_for(rec))
            if isinstance(new_raw, bytes):
                out.append(SourceLine(new_raw, project.key_for(rec), rec, True, canonical=True))
                changed = True
                if winners is not None:
                    winners[id(rec)] = out[-1]
    if winners is not None:
        for rid in dirty:
            if rid in decided:
                winners[rid] = decided[rid][0]
    return out, changed


def _decide(
    ln: SourceLine, rec: ImageRecord, key: str, is_dirty: bool, want: Callable[[ImageRecord, str], object]
) -> tuple[SourceLine | None, bool]:
    if not is_dirty:
        return _rekeyed(ln, key), True
    new_raw = want(rec, key)
    if new_raw is _KEEP:
        return _rekeyed(ln, key), True
    if new_raw is None:
        return None, False
    assert isinstance(new_raw, bytes)
    if new_raw == ln.raw:
        return ln, True
    if not ln.canonical and _same_regions(ln, rec):
        return _rekeyed(ln, key), True  # e.g. edited and undone: keep the line exactly as it was
    return SourceLine(new_raw, key, rec, True, canonical=True), False


def _same_regions(ln: SourceLine, rec: ImageRecord) -> bool:
    try:
        return parse_regions(ln.raw) == rec.regions
    except LabelFormatError:
        return False


def _rekeyed(ln: SourceLine, key: str) -> SourceLine:
    """The line with the current key (a moved or renamed folder), payload bytes untouched."""
    if ln.key == key:
        return ln
    tail = ln.raw[ln.raw.index(b"\t") :]
    raw = key.encode("utf-8", "surrogateescape") + tail
    return SourceLine(raw, key, ln.record, ln.winner, is_source=ln.is_source, canonical=ln.canonical)


def _plan_state(
    src: SourceFile, project: Project, key_of: Callable[[ImageRecord], str]
) -> tuple[list[SourceLine], bool]:
    alive = project.by_path
    out: list[SourceLine] = []
    changed = False
    seen: set[int] = set()
    for ln in src.lines:
        rec = ln.record
        if rec is None:
            out.append(ln)
            continue
        if alive.get(rec.path) is not rec or rec.status is not ImageStatus.CONFIRMED:
            changed = True
            continue
        new = _rekeyed(ln, key_of(rec))
        changed = changed or new is not ln
        out.append(new)
        seen.add(id(rec))
    # Every confirmed image gets a line, also one confirmed through Label.txt alone: PPOCRLabel only
    # keeps the Label.txt lines of images listed here when it saves.
    for rec in project.records:
        if rec.status is ImageStatus.CONFIRMED and id(rec) not in seen:
            key = key_of(rec)
            out.append(SourceLine(key.encode("utf-8", "surrogateescape") + b"\t1", key, rec, True))
            changed = True
    return out, changed
