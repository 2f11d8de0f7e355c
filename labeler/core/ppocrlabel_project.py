"""Open and save a PPOCRLabel folder: Label.txt, Cache.cach, fileState.txt (+ our .labeler/project.json).

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
- Label.txt: a line per confirmed image with regions, integer points (PPOCRLabel's rule).
- fileState.txt: `<key>\t1` for every confirmed image (PPOCRLabel keeps only those Label.txt lines).
- Cache.cach: regions of images not confirmed (so unconfirmed work is never lost: an image that was
  "new" comes back pre-labelled); the OCR lines of confirmed images stay as they are.
"""

from __future__ import annotations

import copy
import json
import os
import threading
import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Callable, Iterable

from labeler.core.atomic import atomic_write_bytes
from labeler.core.errors import FileError, LabelFormatError
from labeler.core.model import ImageRecord, ImageStatus, TextRegion
from labeler.core.ppocrlabel_format import (
    encode_label_line,
    gc_paused,
    key_file_name,
    parse_regions,
    scan_label_bytes,
)
from labeler.core.project import Project

LABEL_FILE = "Label.txt"
CACHE_FILE = "Cache.cach"
STATE_FILE = "fileState.txt"
SETTINGS_FILE = ".labeler/project.json"
STALE_TEMP_AGE_S = 3600.0  # temp files of a crashed save older than this are removed at open

_KEEP = object()  # "keep whatever line the file has" (cache lines of confirmed images)


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


@dataclass
class SourceFile:
    path: Path
    lines: list[SourceLine] = field(default_factory=list)
    bom: bytes = b""
    existed: bool = False


@dataclass
class PPOCRLabelSource:
    """What a project's files held at the last open or save; kept on Project.source."""

    label: SourceFile
    cache: SourceFile
    state: SourceFile
    settings_saved: dict = field(default_factory=dict)
    save_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)


@dataclass
class SaveResult:
    """Which files a save wrote, and how many changed records it serialised."""

    written: list[Path] = field(default_factory=list)
    records: int = 0


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
    records = [ImageRecord(path=n) for n in names]
    by_name: dict[str, ImageRecord] = {}
    for rec in records:
        by_name.setdefault(key_file_name(rec.path), rec)
    project = Project(folder=folder, records=records)
    errors: list[FileError] = []
    missing: list[str] = []
    label = _read_label_source(folder / LABEL_FILE, errors)
    label_win = _match(label, by_name, project.key_folder, missing)
    # Cache.cach lines of images Label.txt holds are never used (Label.txt wins): kept, but not checked.
    in_label = {key_file_name(p) for p in label_win}
    cache = _read_label_source(folder / CACHE_FILE, errors, skip=lambda key: key_file_name(key) in in_label)
    cache_win = _match(cache, by_name, project.key_folder, missing)
    state = _read_state_source(folder / STATE_FILE, errors)
    state_hit = _match(state, by_name, project.key_folder, missing)
    for rec in records:
        if rec.path in state_hit or rec.path in label_win:
            rec.status = ImageStatus.CONFIRMED
        elif rec.path in cache_win:
            rec.status = ImageStatus.PRELABELLED
        line = label_win.get(rec.path) or cache_win.get(rec.path)
        if line is None:
            continue
        src = label if rec.path in label_win else cache
        line.is_source = True
        if line.parsed is not None:
            rec.regions = line.parsed
        else:
            rec.set_regions_loader(partial(parse_regions, line.raw, src.path, line.line_no))
    for src in (label, cache, state):
        for ln in src.lines:
            ln.parsed = None  # the records own their regions now
    project.settings, settings_error = _read_settings(folder / SETTINGS_FILE)
    if settings_error is not None:
        errors.append(settings_error)
    project.errors = errors
    project.missing = list(dict.fromkeys(missing))
    project.source = PPOCRLabelSource(label, cache, state, copy.deepcopy(project.settings))
    return project


def _read_label_source(path: Path, errors: list[FileError], skip: Callable[[str], bool] | None = None) -> SourceFile:
    src = SourceFile(path)
    data = _read_optional(path, errors)
    if data is None:
        return src
    src.existed = True
    scanned = scan_label_bytes(data, path, skip)
    src.bom = scanned.bom
    errors.extend(scanned.errors)
    src.lines = [
        SourceLine(ln.raw, ln.key, line_no=ln.line_no, parsed=ln.regions, canonical=ln.regions is None and ln.checked)
        for ln in scanned.lines
    ]
    return src


def _read_state_source(path: Path, errors: list[FileError]) -> SourceFile:
    src = SourceFile(path)
    data = _read_optional(path, errors)
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


def _read_optional(path: Path, errors: list[FileError]) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        errors.append(FileError(path, f"cannot read ({exc.strerror or exc})"))
        return None


def _match(
    src: SourceFile, by_name: dict[str, ImageRecord], key_folder: str, missing: list[str]
) -> dict[str, SourceLine]:
    """Tie lines to records by file name; per record the last exact-key line wins, else the last by name."""
    found: dict[str, SourceLine] = {}
    exact_found: set[str] = set()
    for ln in src.lines:
        if ln.key is None:
            continue
        rec = by_name.get(key_file_name(ln.key.rstrip("\r")))
        if rec is None:
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


def save_ppocrlabel_folder(project: Project) -> SaveResult:
    src = project.source
    if not isinstance(src, PPOCRLabelSource):
        folder = project.folder
        files = (SourceFile(folder / name) for name in (LABEL_FILE, CACHE_FILE, STATE_FILE))
        src = PPOCRLabelSource(*files)
        project.source = src
    with src.save_lock:  # one save at a time (autosave thread vs. an explicit save)
        with project.lock:
            dirty = [r for r in project.records if r.dirty]
            for rec in dirty:
                rec.dirty = False  # an edit from here on marks it again and is saved next time
            try:
                plans = _plan_all(project, src, {id(r) for r in dirty})
                settings = copy.deepcopy(project.settings)
            except BaseException:
                _remark(project, dirty)
                raise
        result = SaveResult(records=len(dirty))
        try:
            for target, lines, changed in plans:
                if changed:
                    atomic_write_bytes(target.path, _file_bytes(target.bom, lines))
                    result.written.append(target.path)
            if settings != src.settings_saved:
                path = project.folder / SETTINGS_FILE
                path.parent.mkdir(exist_ok=True)
                text = json.dumps(settings, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
                atomic_write_bytes(path, text.encode("utf-8"))
                result.written.append(path)
        except BaseException:
            _remark(project, dirty)
            raise
        for target, lines, changed in plans:
            if changed:
                target.lines, target.existed = lines, True
        src.settings_saved = settings
    return result


def _remark(project: Project, records: list[ImageRecord]) -> None:
    with project.lock:
        for rec in records:
            rec.dirty = True


def _file_bytes(bom: bytes, lines: list[SourceLine]) -> bytes:
    if not lines:
        return b""
    return bom + b"\n".join([ln.raw for ln in lines]) + b"\n"


def _plan_all(
    project: Project, src: PPOCRLabelSource, dirty: set[int]
) -> list[tuple[SourceFile, list[SourceLine], bool]]:
    # Written in this order: a crash in between leaves a Label.txt line without its fileState line at worst,
    # and a Label.txt line alone already means "confirmed".
    key_of = project.key_for
    return [
        (src.cache, *_plan_labels(src.cache, project, dirty, _want_cache, lambda rec: True)),
        (src.label, *_plan_labels(src.label, project, dirty, _want_label, _is_confirmed)),
        (src.state, *_plan_state(src.state, project, key_of)),
    ]


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
) -> tuple[list[SourceLine], bool]:
    """The file's new lines and whether they differ. `want(rec, key)`: the line a changed record needs (bytes),
    None for no line, or _KEEP. `keep_unloaded(rec)`: for a changed record whose regions were never loaded
    (only its status changed), whether its source line stays as it is.
    """
    alive = project.by_path
    decided: dict[int, tuple[SourceLine | None, bool]] = {}  # record -> (its new line or None, raw kept)
    for ln in src.lines:
        rec = ln.record
        if rec is not None and ln.winner and alive.get(rec.path) is rec:
            key = project.key_for(rec)
            if id(rec) in dirty and ln.is_source and not rec.regions_loaded:
                # Its regions are this line's, unchanged: decide on the status, without parsing 50 regions.
                decided[id(rec)] = (_rekeyed(ln, key), True) if keep_unloaded(rec) else (None, False)
            else:
                decided[id(rec)] = _decide(ln, rec, key, id(rec) in dirty, want)
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
