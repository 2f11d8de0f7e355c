"""Helpers shared by the interchange formats: per-image file names, image references, sizes, XML-safe text.

Per-image formats (PAGE, ALTO, labelme, ICDAR) mirror the image's subfolder under the output folder and
refer to the image by its file name, so the files line up with the images when written into the image
folder itself (labelme's own convention). Paths that are absolute or climb out with '..' are written in
full instead, and their file goes to the top of the output folder.
"""

from __future__ import annotations

import json
import math
import posixpath
import re
from collections import Counter
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path, PurePosixPath

from lxml import etree

from labeler.core.errors import InterchangeFormatError, LabelerError
from labeler.core.formats._output import OutputPlan, PlannedFile
from labeler.core.image_io import read_image_size
from labeler.core.model import ImageRecord, Point

# XML 1.0 forbids most C0 controls, lone surrogates and U+FFFE/U+FFFF; lxml refuses them outright.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def warn(warnings: list[str] | None, message: str) -> None:
    if warnings is not None:
        warnings.append(message)


def is_clean_relative(path: str) -> bool:
    """True for 'a.jpg' or 'sub/a.jpg'; False for absolute paths, Windows drives and '..' escapes."""
    p = PurePosixPath(path.replace("\\", "/"))
    return bool(path) and not p.is_absolute() and ".." not in p.parts and not re.match(r"^[A-Za-z]:", path)


def resolve_reference(ref: str, rel_dir: str = ".") -> str:
    """An image reference read from a file in `rel_dir` (relative to the input folder) -> record path."""
    ref = ref.replace("\\", "/")
    if PurePosixPath(ref).is_absolute() or re.match(r"^[A-Za-z]:/", ref):
        return ref
    return posixpath.normpath(posixpath.join(rel_dir, ref))


def per_image_targets(
    records: Iterable[ImageRecord], out_dir: Path, suffix: str, prefix: str = ""
) -> list[tuple[Path, str]]:
    """For each record: the file to write and the image reference to put in it (relative to that file).

    `a.jpg` -> `<out>/<prefix>a<suffix>`; when two images share a stem (a.jpg, a.png) both keep their
    extension (`a.jpg<suffix>`) so neither file overwrites the other.
    """
    plans = []
    for rec in records:
        if is_clean_relative(rec.path):
            p = PurePosixPath(rec.path.replace("\\", "/"))
            subdir, name, ref = str(p.parent), p.name, p.name
        else:
            subdir, name, ref = ".", PurePosixPath(rec.path.replace("\\", "/")).name or "image", rec.path
        plans.append((subdir, name, ref))
    stems = Counter((subdir, PurePosixPath(name).stem) for subdir, name, _ in plans)
    used: set[str] = set()
    targets = []
    for subdir, name, ref in plans:
        stem = PurePosixPath(name).stem if stems[(subdir, PurePosixPath(name).stem)] == 1 else name
        rel = posixpath.normpath(posixpath.join(subdir, f"{prefix}{stem}{suffix}"))
        n = 1
        while rel in used:  # the same image listed twice: keep both, numbered
            n += 1
            rel = posixpath.normpath(posixpath.join(subdir, f"{prefix}{stem}_{n}{suffix}"))
        used.add(rel)
        targets.append((out_dir / rel, ref))
    return targets


def check_out_dir(out_dir: Path) -> None:
    """An output folder may exist or not (it is made when the files are written), but must not be a file."""
    if out_dir.exists() and not out_dir.is_dir():
        raise InterchangeFormatError(out_dir, "output must be a folder for this format, but a file is there")


def files_under(in_dir: Path, suffix: str) -> list[Path]:
    """Files with `suffix` (any case) under `in_dir`, sorted; hidden files (our temp files) and hidden
    folders (`.labeler/` with its backups and project.json, `.git`) skipped."""
    if not in_dir.is_dir():
        raise InterchangeFormatError(in_dir, "input must be a folder for this format")
    found = [
        p
        for p in in_dir.rglob("*")
        if p.is_file()
        and p.suffix.lower() == suffix
        and not any(part.startswith(".") for part in p.relative_to(in_dir).parts)
    ]
    return sorted(found, key=lambda p: p.relative_to(in_dir).as_posix())


def rel_dir_of(file: Path, in_dir: Path) -> str:
    return file.parent.relative_to(in_dir).as_posix()


def image_file(record_path: str, image_dir: Path | None) -> Path | None:
    p = Path(record_path)
    if not p.is_absolute():
        if image_dir is None:
            return None
        p = image_dir / record_path
    return p


def fill_image_sizes(records: Iterable[ImageRecord], image_dir: Path | None, warnings: list[str] | None) -> None:
    """Read width/height (as displayed, EXIF applied) from the image files that exist, where no size is known."""
    for rec in records:
        if rec.width and rec.height:
            continue
        p = image_file(rec.path, image_dir)
        if p is None or not p.is_file():
            continue
        try:
            rec.width, rec.height = (int(v) for v in read_image_size(p))
        except LabelerError as exc:
            warn(warnings, f"{rec.path}: image size unreadable ({exc})")


def size_or_bbox(rec: ImageRecord, warnings: list[str] | None) -> tuple[int, int]:
    """The image size, or when unknown (no image file found) the regions' bounding box, which still
    encloses every region so the file stays consistent."""
    if rec.width and rec.height:
        return int(rec.width), int(rec.height)
    xs = [x for r in rec.regions for x, _ in r.points]
    ys = [y for r in rec.regions for _, y in r.points]
    w = max(1, math.ceil(max(xs, default=1)))
    h = max(1, math.ceil(max(ys, default=1)))
    warn(warnings, f"{rec.path}: image size unknown, used the regions' bounding box ({w}x{h})")
    return w, h


def xml_safe(text: str, warnings: list[str] | None, where: str) -> str:
    clean = _XML_INVALID.sub("\ufffd", text)
    if clean != text:
        warn(warnings, f"{where}: characters XML cannot hold replaced by U+FFFD")
    return clean


def safe_xml_parser() -> etree.XMLParser:
    """No entity expansion, no network: a crafted file can neither read local files nor phone home."""
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)


def parse_xml_file(path: Path) -> etree._Element:
    """The root element of an XML file; errors name the file (and line)."""
    try:
        return etree.parse(str(path), safe_xml_parser()).getroot()
    except etree.XMLSyntaxError as exc:
        raise InterchangeFormatError(path, f"not well-formed XML: {exc.msg}", exc.lineno) from None
    except OSError as exc:
        raise InterchangeFormatError(path, f"cannot read: {exc}") from None


def fmt_num(v: float) -> str:
    """Shortest text that reads back to the same float; integers without '.0'."""
    f = float(v)
    return str(int(f)) if f.is_integer() else repr(f)


def number(v: float) -> float | int:
    """Keep integral values integral so an integer file converts to an integer file."""
    f = float(v)
    return int(f) if f.is_integer() else f


def bbox(points: list[Point]) -> tuple[float, float, float, float]:
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    return min(xs), min(ys), max(xs), max(ys)


def axis_rectangle(points: list[Point]) -> tuple[float, float, float, float] | None:
    """(x0, y0, x1, y1) when the points are exactly [tl, tr, br, bl] of an upright rectangle, else None."""
    if len(points) != 4:
        return None
    (ax, ay), (bx, by), (cx, cy), (dx, dy) = points
    if ay == by and cy == dy and ax == dx and bx == cx and ax < bx and ay < dy:
        return ax, ay, bx, dy
    return None


def check_points(raw: object, path: Path, where: str, line: int | None = None, minimum: int = 3) -> list[Point]:
    """Validate a JSON list of [x, y] pairs; raises InterchangeFormatError naming file and element."""
    if not isinstance(raw, list) or len(raw) < minimum:
        raise InterchangeFormatError(path, f"{where}: needs a list of at least {minimum} [x, y] points", line)
    pts = []
    for pt in raw:
        if (
            not isinstance(pt, (list, tuple))
            or len(pt) != 2
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in pt)
        ):
            raise InterchangeFormatError(path, f"{where}: bad point {pt!r}", line)
        pts.append((number(pt[0]), number(pt[1])))
    return pts


def plan_per_image(
    records: list[ImageRecord],
    out_dir: str | Path,
    suffix: str,
    to_bytes: Callable[[ImageRecord, str], bytes],
    prefix: str = "",
) -> OutputPlan:
    """One `<prefix><stem><suffix>` per image under `out_dir` (mirroring subfolders); nothing is written yet."""
    out_dir = Path(out_dir)
    check_out_dir(out_dir)
    files = [
        PlannedFile(target, partial(to_bytes, rec, ref))
        for rec, (target, ref) in zip(records, per_image_targets(records, out_dir, suffix, prefix))
    ]
    return OutputPlan(files, out_dir)


def read_json_file(path: Path) -> object:
    """Parsed JSON of a UTF-8 file (BOM allowed); errors name the file and line."""
    try:
        return json.loads(path.read_bytes().decode("utf-8-sig"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InterchangeFormatError(path, f"cannot read: {exc}") from None
    except json.JSONDecodeError as exc:
        raise InterchangeFormatError(path, f"invalid JSON ({exc.msg}, column {exc.colno})", exc.lineno) from None
