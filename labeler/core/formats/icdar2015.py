"""ICDAR 2015 (Incidental Scene Text) ground truth, import and export.

One `gt_<image stem>.txt` per image, one region per line: `x1,y1,x2,y2,x3,y3,x4,y4,transcription`,
clockwise, integer pixels, UTF-8 (a BOM is accepted; written only in the "official" style). The
transcription is everything after the eighth comma, so it may itself contain commas. `###` marks
don't-care text.

What the official reader and validator (the RRC's rrc_evaluation_funcs.py) do, and so what we write:
- a line is 8 integers (optionally signed, spaces around them allowed), each followed by a comma, then the
  transcription to the end of the line; lines split on LF (CRLF files too: every CR is dropped);
- the quad must be clockwise on screen (y down): the sum of (x2 - x1) * (y2 + y1) over its edges, on the
  integer points, must not be positive ("Points are not clockwise"). A counter-clockwise quad is
  written in the reverse order from the same first corner (same shape; clockwise());
- a transcription wrapped in double quotes loses them, and inside them \\\\ -> \\ then \\" -> ".
  A text the reader would alter that way (`"Hello"`) is written quoted and escaped
  (`"\\"Hello\\""`), so it reads back unchanged (encode_transcription); import applies the same
  unquoting (official_transcription). Commas need nothing: all after the eighth comma is the text.
Styles: "plain" (UTF-8, LF, no BOM) or "official" (a UTF-8 BOM and CRLF, byte for byte the layout of the
official ICDAR 2015 gt files; `convert --icdar-style official`).

Export: coordinates rounded to integers; a polygon with other than 4 points (curved text) is written as
its minimum-area rectangle, clockwise from the top-left (reported); a difficult region is written as
`###`, the format's only don't-care mark (its text is lost; on import `###` stays the transcription and
difficult stays false, as in PaddleOCR's own ICDAR 2015 labels, so it remains don't-care); line breaks
in a transcription become spaces (reported). Other fields (key_cls, score, ...) have no place here.

Import: the image of `gt_img_1.txt` is the file with stem `img_1` in the image folder (default: the
ground-truth folder, same subfolder). The file names only the stem, so when no such image is there its
extension is unknown: with `guess_image_names` (the default of read_icdar2015) it is taken to be
`img_1.jpg`, as in ICDAR 2015 itself; without it (`convert`) that is an ImageReadError naming the missing
images, since a guessed `.jpg` would silently rename every `.png` image. Looking through sibling folders
instead would be ambiguous: ICDAR 2015's training and test image folders both hold an `img_1.jpg`.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import cv2
import numpy as np

from labeler.core.crop import order_quad
from labeler.core.errors import ImageReadError, InterchangeFormatError
from labeler.core.formats._common import (
    files_under,
    fill_image_sizes,
    plan_per_image,
    rel_dir_of,
    warn,
)
from labeler.core.formats._output import OutputPlan, write_plan
from labeler.core.image_io import IMAGE_EXTENSIONS
from labeler.core.model import ImageRecord, ImageStatus, Point, TextRegion

DONT_CARE = "###"
GT_PREFIX = "gt_"
DEFAULT_IMAGE_SUFFIX = ".jpg"
_IMAGE_ORDER = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp")
STYLES = ("plain", "official")  # plain: UTF-8, LF; official: UTF-8 with a BOM, CRLF (the ICDAR 2015 gt files)
BOM = b"\xef\xbb\xbf"
_QUOTED = re.compile(r"^\s*\"(.*)\"\s*$")  # the official reader's quoted transcription


# ---------------------------------------------------------------------------------------------- export


def quad_for(points: list[Point]) -> list[Point]:
    """The 4 points to write: the region's own quad, or the minimum-area rectangle of any other polygon."""
    if len(points) == 4:
        return list(points)
    rect = cv2.minAreaRect(np.asarray(points, dtype=np.float32))
    return [(float(x), float(y)) for x, y in order_quad(cv2.boxPoints(rect))]


def shoelace_sum(quad: list[tuple[int, int]]) -> int:
    """Sum of (x2 - x1) * (y2 + y1) over the edges: > 0 is counter-clockwise on screen (y down), the
    order the official validator rejects ("Points are not clockwise")."""
    return sum((quad[(i + 1) % 4][0] - x) * (quad[(i + 1) % 4][1] + y) for i, (x, y) in enumerate(quad))


def clockwise(quad: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The same quad listed clockwise on screen: a counter-clockwise one is walked backwards from the same
    start point (p1, p4, p3, p2), so its shape and first corner stay."""
    if shoelace_sum(quad) > 0:
        return [quad[0], quad[3], quad[2], quad[1]]
    return quad


def official_transcription(field: str) -> str:
    """What the official reader makes of a transcription field: one wrapped in double quotes (spaces
    around them allowed) loses them, and then its \\\\ and \\" become \\ and " (in that order)."""
    m = _QUOTED.match(field)
    if m is None:
        return field
    return m.group(1).replace("\\\\", "\\").replace('\\"', '"')


def encode_transcription(text: str) -> str | None:
    """The field to write so that the official reader (and ours) gives `text` back, or None when no
    field can: a text the reader would alter is quoted, with \\ and " escaped."""
    if official_transcription(text) == text:
        return text
    quoted = '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return quoted if official_transcription(quoted) == text else None


def format_icdar_line(region: TextRegion, warnings: list[str] | None = None, where: str = "") -> str:
    """One line without its newline."""
    if len(region.points) != 4:
        warn(warnings, f"{where}: {len(region.points)}-point polygon written as its minimum-area rectangle")
    quad = clockwise([(int(round(x)), int(round(y))) for x, y in quad_for(region.points)])
    coords = [str(v) for pt in quad for v in pt]
    if region.difficult:
        text = DONT_CARE
    else:
        text = region.transcription
        if "\n" in text or "\r" in text:
            warn(warnings, f"{where}: line break in the transcription written as a space")
            text = re.sub(r"\r\n|\r|\n", " ", text)
        encoded = encode_transcription(text)
        if encoded is None:
            warn(warnings, f"{where}: the official ICDAR reader cannot read {text!r} back unchanged; written as is")
        text = text if encoded is None else encoded
    return ",".join(coords) + "," + text


def icdar_bytes(record: ImageRecord, warnings: list[str] | None = None, style: str = "plain") -> bytes:
    """The gt file of one image: UTF-8 and LF ("plain"), or with a BOM and CRLF like the official files."""
    lines = [format_icdar_line(r, warnings, f"{record.path} region {i}") for i, r in enumerate(record.regions, 1)]
    if style == "official":
        return BOM + "".join(line + "\r\n" for line in lines).encode("utf-8")
    return "".join(line + "\n" for line in lines).encode("utf-8")


def plan_icdar2015(
    records: list[ImageRecord], out_dir: str | Path, *, warnings: list[str] | None = None, style: str = "plain"
) -> OutputPlan:
    """One `gt_<stem>.txt` per image under `out_dir` (mirroring subfolders), not written yet; `style` is
    one of STYLES (module docstring)."""
    if style not in STYLES:
        raise ValueError(f"ICDAR style {style!r}; known: {', '.join(STYLES)}")
    return plan_per_image(
        records, out_dir, ".txt", lambda rec, _ref: icdar_bytes(rec, warnings, style), prefix=GT_PREFIX
    )


def write_icdar2015(
    records: list[ImageRecord],
    out_dir: str | Path,
    *,
    warnings: list[str] | None = None,
    force: bool = False,
    style: str = "plain",
) -> list[Path]:
    """plan_icdar2015, written all or nothing: an existing file needs `force` and is backed up (_output.py)."""
    return write_plan(plan_icdar2015(records, out_dir, warnings=warnings, style=style), force=force).written


# ---------------------------------------------------------------------------------------------- import


def _coordinate(text: str) -> float | int:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(text)
    return int(value) if value.is_integer() else value


def parse_icdar_line(line: str, path: str | Path = "<string>", line_no: int | None = None) -> TextRegion:
    """`x1,y1,...,x4,y4,text` -> TextRegion; raises InterchangeFormatError naming file and line."""
    fields = line.split(",", 8)
    if len(fields) < 8:
        message = f"expected 8 coordinates and a transcription, got {len(fields)} fields"
        raise InterchangeFormatError(path, message, line_no)
    try:
        values = [_coordinate(f) for f in fields[:8]]
    except ValueError:
        raise InterchangeFormatError(path, f"coordinates must be numbers: {','.join(fields[:8])!r}", line_no) from None
    text = official_transcription(fields[8]) if len(fields) == 9 else ""  # unquoted as the official reader does
    points = [(values[i], values[i + 1]) for i in range(0, 8, 2)]
    return TextRegion(points=points, transcription=text)


def read_icdar_file(path: str | Path) -> list[TextRegion]:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InterchangeFormatError(path, f"cannot read: {exc}") from None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    regions = []
    # Split on \n only: str.splitlines would also break inside a transcription on U+2028 and the like.
    for line_no, raw in enumerate(data.split(b"\n"), start=1):
        try:
            line = raw.decode("utf-8").rstrip("\r")
        except UnicodeDecodeError as exc:
            raise InterchangeFormatError(path, f"not UTF-8 (byte {exc.start})", line_no) from None
        if line.strip():
            regions.append(parse_icdar_line(line, path, line_no))
    return regions


MAX_MISSING_NAMED = 3  # images named in the error when their extension is unknown; the rest are counted


def _image_name(stem: str, folder: Path) -> str | None:
    """The image's file name; None when the stem alone is known (no image of that stem in `folder`)."""
    if Path(stem).suffix.lower() in IMAGE_EXTENSIONS:
        return stem  # written as gt_<name with extension>.txt when two images shared a stem
    for suffix in _IMAGE_ORDER:
        for candidate in (stem + suffix, stem + suffix.upper()):
            if (folder / candidate).is_file():
                return candidate
    return None


def _unknown_images_error(missing: list[Path], given_folder: bool) -> ImageReadError:
    shown = ", ".join(p.name for p in missing[:MAX_MISSING_NAMED])
    more = f" and {len(missing) - MAX_MISSING_NAMED} more" if len(missing) > MAX_MISSING_NAMED else ""
    where = "there" if given_folder else "beside the ground truth"
    return ImageReadError(
        missing[0].parent,
        f"no image {shown}{more} {where}; an ICDAR 2015 file names only its "
        "image's stem, so the extension is known only from the image file: give the images' "
        "folder (convert --images DIR)",
    )


def read_icdar2015(
    in_dir: str | Path,
    *,
    image_dir: str | Path | None = None,
    warnings: list[str] | None = None,
    guess_image_names: bool = True,
) -> list[ImageRecord]:
    """Every `*.txt` under `in_dir` (subfolders too); images looked up in `image_dir` (default `in_dir`).
    An image not found there is `<stem>.jpg` with `guess_image_names`, else an ImageReadError (see above)."""
    in_dir = Path(in_dir)
    if in_dir.is_file():
        files, root = [in_dir], in_dir.parent
    else:
        files, root = files_under(in_dir, ".txt"), in_dir
    images = Path(image_dir) if image_dir is not None else root
    records, missing = [], []
    for file in files:
        rel = rel_dir_of(file, root)
        stem = file.stem[len(GT_PREFIX) :] if file.stem.startswith(GT_PREFIX) else file.stem
        name = _image_name(stem, images / rel)
        if name is None:
            missing.append(images / rel / f"{stem}.*")
            name = stem + DEFAULT_IMAGE_SUFFIX
        rec_path = name if rel == "." else f"{rel}/{name}"
        records.append(ImageRecord(path=rec_path, status=ImageStatus.CONFIRMED, regions=read_icdar_file(file)))
    if missing and not guess_image_names:
        raise _unknown_images_error(missing, image_dir is not None)
    fill_image_sizes(records, images, warnings)
    return records
