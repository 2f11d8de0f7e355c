"""PPOCRLabel's Label.txt as a conversion format: `<folder>/<file>\\t<JSON regions>` per image.

Record paths are the key without its first component (the image folder's name), so a moved or renamed
folder still converts. Written keys use the folder holding the new Label.txt, as PPOCRLabel expects.
Images without regions are left out, as PPOCRLabel does; a written Label.txt gets the fileState.txt that
lists the same images. Conversions are strict: the first malformed line stops them with its file and line,
rather than dropping a user's labels silently.

Status, as in a PPOCRLabel folder: Label.txt (and fileState.txt) hold confirmed images only; pre-labels,
i.e. images not confirmed (pre-labelled ones, or new ones that have regions), go to the Cache.cach beside
it, where PPOCRLabel and labeler keep OCR output waiting for review. Reading takes Label.txt's images as
confirmed and the Cache.cach lines of other images as pre-labelled (a folder with only a Cache.cach is
pre-labels only).
"""

from __future__ import annotations

from pathlib import Path

from labeler.core.errors import LabelFormatError
from labeler.core.formats._common import fill_image_sizes, is_clean_relative, warn
from labeler.core.formats._output import OutputPlan, PlannedFile, write_plan
from labeler.core.model import ImageRecord, ImageStatus, TextRegion
from labeler.core.ppocrlabel_format import format_label_line, key_file_name, read_label_file

LABEL_FILE = "Label.txt"
STATE_FILE = "fileState.txt"
CACHE_FILE = "Cache.cach"


def label_file_path(path: str | Path) -> Path:
    """A Label.txt path, or a folder meaning the Label.txt inside it."""
    path = Path(path)
    return path / LABEL_FILE if path.is_dir() else path


def output_label_file(path: str | Path) -> Path:
    """Where to write: a folder (or a path with no suffix that does not exist yet, a folder to make)
    means the Label.txt inside it, so `convert ... out/imgs` makes a PPOCRLabel folder, not a file `imgs`."""
    path = Path(path)
    if path.is_dir() or (not path.exists() and not path.suffix):
        return path / LABEL_FILE
    return path


def record_path_from_key(key: str) -> str:
    """`imgs/a.jpg` -> `a.jpg`; `imgs/sub/a.jpg` (our own subfolder keys) -> `sub/a.jpg`; absolute -> file name."""
    key = key.replace("\\", "/")
    if not is_clean_relative(key):
        return key_file_name(key)
    _folder, sep, rest = key.partition("/")
    return rest if sep and rest else key


def key_for(record_path: str, label_file: Path) -> str:
    folder = label_file.resolve().parent.name
    name = record_path if is_clean_relative(record_path) else key_file_name(record_path)
    return f"{folder}/{name}"


def read_ppocrlabel(
    path: str | Path, *, image_dir: str | Path | None = None, warnings: list[str] | None = None
) -> list[ImageRecord]:
    """Records from a Label.txt (confirmed) and the Cache.cach beside it (pre-labelled, images Label.txt
    does not hold); sizes from the images in `image_dir` (default: its folder)."""
    label_file = label_file_path(path)
    cache_file = label_file.parent / CACHE_FILE
    records: dict[str, ImageRecord] = {}
    if label_file.is_file() or not cache_file.is_file():
        for key, line_no, regions in _lines(label_file):
            _add(records, key, ImageStatus.CONFIRMED, regions, f"{label_file}:{line_no}", warnings)
    confirmed = set(records)
    if cache_file.is_file() and cache_file != label_file:
        for key, line_no, regions in _lines(cache_file):
            if record_path_from_key(key) not in confirmed:  # Label.txt wins, as in PPOCRLabel
                _add(records, key, ImageStatus.PRELABELLED, regions, f"{cache_file}:{line_no}", warnings)
    result = list(records.values())
    fill_image_sizes(result, Path(image_dir) if image_dir is not None else label_file.parent, warnings)
    return result


def _lines(label_file: Path) -> list[tuple[str, int | None, list[TextRegion]]]:
    try:
        content = read_label_file(label_file)
    except OSError as exc:
        raise LabelFormatError(label_file, f"cannot read ({exc.strerror or exc})") from None
    if content.errors:
        raise content.errors[0]
    return [(line.key, line.line_no, line.regions) for line in content.lines]


def _add(
    records: dict[str, ImageRecord],
    key: str,
    status: ImageStatus,
    regions: list[TextRegion],
    where: str,
    warnings: list[str] | None,
) -> None:
    rec_path = record_path_from_key(key)
    if rec_path in records:
        warn(warnings, f"{where}: {key} listed again; the later line wins")
    records[rec_path] = ImageRecord(path=rec_path, status=status, regions=regions)


def plan_ppocrlabel(records: list[ImageRecord], path: str | Path, *, warnings: list[str] | None = None) -> OutputPlan:
    """One Label.txt line per confirmed record with regions and, when the file is a Label.txt, the
    fileState.txt beside it listing exactly those images (PPOCRLabel keeps only the Label.txt lines of
    images listed there when it saves); unconfirmed records with regions go to the Cache.cach beside it
    (see the module docstring). The writes hold the folder's lock. Nothing is written yet."""
    label_file = output_label_file(path)
    if label_file.is_dir():
        raise LabelFormatError(label_file, "a folder is there, where the label file goes")
    confirmed = [rec for rec in records if rec.regions and rec.status == ImageStatus.CONFIRMED]
    prelabelled = [rec for rec in records if rec.regions and rec.status != ImageStatus.CONFIRMED]
    label_lines, keys = _label_lines(confirmed, label_file, warnings)
    label_bytes = "".join(label_lines).encode("utf-8")
    files = [PlannedFile(label_file, lambda: label_bytes)]
    if label_file.name == LABEL_FILE:
        # Label.txt first, as a project save does: a crash between the two replaces leaves a Label.txt
        # line without its fileState line at worst, and such a line alone already means "confirmed".
        state_bytes = "".join(f"{key}\t1\n" for key in keys).encode("utf-8")
        files.append(PlannedFile(label_file.parent / STATE_FILE, lambda: state_bytes))
    if prelabelled:
        cache_lines, _cache_keys = _label_lines(prelabelled, label_file, warnings)
        cache_bytes = "".join(cache_lines).encode("utf-8")
        files.append(PlannedFile(label_file.parent / CACHE_FILE, lambda: cache_bytes))
    return OutputPlan(files, label_file.parent, lock_folder=label_file.parent)


def _label_lines(
    records: list[ImageRecord], label_file: Path, warnings: list[str] | None
) -> tuple[list[str], dict[str, None]]:
    lines: list[str] = []
    keys: dict[str, None] = {}  # ordered set: an image listed twice gets one fileState line
    for rec in records:
        key = key_for(rec.path, label_file)
        if not is_clean_relative(rec.path):
            warn(warnings, f"{rec.path}: PPOCRLabel keys hold a file name only; wrote {key}")
        lines.append(format_label_line(key, rec.regions) + "\n")
        keys[key] = None
    return lines, keys


def write_ppocrlabel(
    records: list[ImageRecord], path: str | Path, *, warnings: list[str] | None = None, force: bool = False
) -> Path:
    """plan_ppocrlabel, written all or nothing: an existing file needs `force` and is backed up (_output.py).
    Returns the label file written."""
    return write_plan(plan_ppocrlabel(records, path, warnings=warnings), force=force).written[0]
