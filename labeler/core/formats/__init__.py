"""Interchange formats: pure read/write functions on lists of ImageRecord, one module per format.

| name        | read | write | IN / OUT                                  | status kept as                     | module      |
|-------------|------|-------|-------------------------------------------|------------------------------------|-------------|
| ppocrlabel  | yes  | yes   | a Label.txt (or the folder holding it)    | Label.txt vs Cache.cach            | ppocrlabel  |
| page        | yes  | yes   | a folder of PAGE-XML 2019 files           | Metadata UserAttribute             | page_xml    |
| alto        | yes  | yes   | a folder of ALTO 4.4 files                | -                                  | alto        |
| labelstudio | yes  | yes   | one JSON file: a list of tasks            | annotations vs predictions         | labelstudio |
| labelme     | yes  | yes   | a folder of labelme JSON files            | -                                  | labelme     |
| icdar2015   | yes  | yes   | a folder of gt_<stem>.txt files           | -                                  | icdar2015   |

Status: whether an image's regions were confirmed by a person or are pre-labels (OCR output waiting for
review). Formats with a place for it keep it both ways, so converting Label Studio predictions to
ppocrlabel puts them in Cache.cach, never in Label.txt. Formats without one (alto, labelme, icdar2015)
read back as confirmed: `convert` leaves pre-labelled images out of them unless asked to include them
(`include_unconfirmed`, `--include-unconfirmed`), and writing such images to them is reported (one warning
per run).

Record paths are relative to the image folder. Readers of formats that carry no image size read it
from the image files (under `image_dir`, default the input's folder) when they exist; writers that need
a size and have none use the regions' bounding box and report it. Every warning (lossy mappings, sizes
guessed, characters replaced) is appended to the optional `warnings` list.

Writing never destroys labels: every file of a conversion is written or none is; a file that exists is
refused (OverwriteRefusedError) unless `force`, and with it is backed up to
`<output folder>/.labeler/backups/<YYYYmmdd-HHMMSS>/` before it is replaced (_output.py says why there).

`convert` checks its arguments before reading anything: an unknown format, a direction a format lacks, an
input that does not exist or is of the wrong kind, an output of the wrong kind and an image folder that is
not a folder, and an --icdar-style other than plain for anything but icdar2015 output are UsageErrors
(the CLI's exit 2). An input that yields no labels is a NoLabelsFoundError,
and ICDAR 2015 image names are never guessed there (read_icdar2015's `guess_image_names`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from labeler.core.errors import NoLabelsFoundError, UnsupportedConversionError, UsageError
from labeler.core.formats._output import OutputPlan, OverwriteRefusedError, PlannedFile, WriteReport, write_plan
from labeler.core.formats.alto import plan_alto, read_alto
from labeler.core.formats.icdar2015 import STYLES as ICDAR_STYLES
from labeler.core.formats.icdar2015 import plan_icdar2015, read_icdar2015
from labeler.core.formats.labelme import plan_labelme, read_labelme
from labeler.core.formats.labelstudio import plan_labelstudio, read_labelstudio
from labeler.core.formats.page_xml import plan_page_xml, read_page_xml
from labeler.core.formats.ppocrlabel import plan_ppocrlabel, read_ppocrlabel
from labeler.core.model import ImageRecord, ImageStatus

FORMAT_NAMES = ("ppocrlabel", "page", "alto", "labelstudio", "labelme", "icdar2015")
READABLE = FORMAT_NAMES
WRITABLE = FORMAT_NAMES
STATUS_FORMATS = ("ppocrlabel", "page", "labelstudio")  # keep confirmed vs pre-labelled (docstring)
ONE_FILE = ("labelstudio",)  # one JSON file in and out; the others read a file or a folder, write a folder
PER_IMAGE = ("page", "alto", "labelme", "icdar2015")  # write one file per image into a folder

__all__ = [
    "FORMAT_NAMES",
    "ICDAR_STYLES",
    "READABLE",
    "WRITABLE",
    "ConversionResult",
    "check_conversion",
    "OutputPlan",
    "OverwriteRefusedError",
    "PlannedFile",
    "WriteReport",
    "convert",
    "plan_records",
    "read_records",
    "write_plan",
    "write_records",
]


def _check(fmt: str, allowed: tuple[str, ...], direction: str) -> None:
    if fmt not in FORMAT_NAMES:
        raise UnsupportedConversionError(f"unknown format {fmt!r}; known: {', '.join(FORMAT_NAMES)}")
    if fmt not in allowed:
        raise UnsupportedConversionError(
            f"{fmt} cannot be {direction} (it is export only); {direction} formats: {', '.join(allowed)}"
        )


def read_records(
    fmt: str,
    path: str | Path,
    *,
    image_dir: str | Path | None = None,
    image_url_prefix: str = "",
    warnings: list[str] | None = None,
    guess_image_names: bool = True,
) -> list[ImageRecord]:
    """Read `path` in format `fmt` (see the table above). `guess_image_names`: icdar2015 only, see there."""
    _check(fmt, READABLE, "read")
    if fmt == "ppocrlabel":
        return read_ppocrlabel(path, image_dir=image_dir, warnings=warnings)
    if fmt == "page":
        return read_page_xml(path, warnings=warnings)
    if fmt == "alto":
        return read_alto(path, warnings=warnings)
    if fmt == "labelstudio":
        return read_labelstudio(path, image_dir=image_dir, image_url_prefix=image_url_prefix, warnings=warnings)
    if fmt == "labelme":
        return read_labelme(path, image_dir=image_dir, warnings=warnings)
    return read_icdar2015(path, image_dir=image_dir, warnings=warnings, guess_image_names=guess_image_names)


def plan_records(
    fmt: str,
    records: list[ImageRecord],
    path: str | Path,
    *,
    image_url_prefix: str = "",
    warnings: list[str] | None = None,
    icdar_style: str = "plain",
) -> OutputPlan:
    """The files writing `records` to `path` in format `fmt` would make; nothing is written.
    `icdar_style`: icdar2015 only, one of ICDAR_STYLES (icdar2015's docstring)."""
    _check(fmt, WRITABLE, "written")
    _warn_status_lost(fmt, records, warnings)
    if fmt == "ppocrlabel":
        return plan_ppocrlabel(records, path, warnings=warnings)
    if fmt == "page":
        return plan_page_xml(records, path, warnings=warnings)
    if fmt == "alto":
        return plan_alto(records, path, warnings=warnings)
    if fmt == "labelstudio":
        return plan_labelstudio(records, path, image_url_prefix=image_url_prefix, warnings=warnings)
    if fmt == "labelme":
        return plan_labelme(records, path, warnings=warnings)
    return plan_icdar2015(records, path, warnings=warnings, style=icdar_style)


def _warn_status_lost(fmt: str, records: list[ImageRecord], warnings: list[str] | None) -> None:
    if fmt in STATUS_FORMATS or warnings is None:
        return
    unconfirmed = [rec.path for rec in records if rec.regions and rec.status != ImageStatus.CONFIRMED]
    if unconfirmed:
        shown = ", ".join(unconfirmed[:3]) + (f" and {len(unconfirmed) - 3} more" if len(unconfirmed) > 3 else "")
        warnings.append(
            f"{len(unconfirmed)} image(s) not confirmed ({shown}) written to {fmt}, which cannot say so: "
            "read back, their pre-labels count as confirmed labels"
        )


def _without_prelabels(records: list[ImageRecord], dst_fmt: str, warnings: list[str]) -> list[ImageRecord]:
    left = [rec.path for rec in records if rec.regions and rec.status != ImageStatus.CONFIRMED]
    if left:
        shown = ", ".join(left[:3]) + (f" and {len(left) - 3} more" if len(left) > 3 else "")
        warnings.append(
            f"{len(left)} pre-labelled image(s) left out ({shown}): {dst_fmt} cannot mark them as unchecked; "
            "--include-unconfirmed writes them as labels"
        )
    return [rec for rec in records if not (rec.regions and rec.status != ImageStatus.CONFIRMED)]


def write_records(
    fmt: str,
    records: list[ImageRecord],
    path: str | Path,
    *,
    image_url_prefix: str = "",
    warnings: list[str] | None = None,
    force: bool = False,
    icdar_style: str = "plain",
) -> WriteReport:
    """Write `records` to `path` in format `fmt`, all files or none. An existing file is an
    OverwriteRefusedError without `force`; with it, it is backed up first (see _output.py)."""
    plan = plan_records(
        fmt, records, path, image_url_prefix=image_url_prefix, warnings=warnings, icdar_style=icdar_style
    )
    return write_plan(plan, force=force)


def check_conversion(
    src_fmt: str,
    dst_fmt: str,
    src: str | Path,
    dst: str | Path,
    image_dir: str | Path | None = None,
    icdar_style: str = "plain",
) -> None:
    """What is wrong with a conversion's arguments, before anything is read: UsageError (see the docstring);
    a ppocrlabel input folder without a Label.txt holds no labels (NoLabelsFoundError)."""
    _check(src_fmt, READABLE, "read")
    _check(dst_fmt, WRITABLE, "written")
    src, dst = Path(src), Path(dst)
    if not src.exists():
        raise UsageError(f"{src}: no such file or folder")
    if src_fmt in ONE_FILE and src.is_dir():
        raise UsageError(f"{src}: a folder, but {src_fmt} input is one JSON file")
    if src_fmt == "ppocrlabel" and src.is_dir() and not any((src / n).is_file() for n in ("Label.txt", "Cache.cach")):
        raise NoLabelsFoundError(src, src_fmt, "no Label.txt (nor Cache.cach) in that folder")
    if dst_fmt in PER_IMAGE and dst.exists() and not dst.is_dir():
        raise UsageError(f"{dst}: a file, but {dst_fmt} output is a folder (one file per image)")
    if dst_fmt in ONE_FILE and dst.is_dir():
        raise UsageError(f"{dst}: a folder, but {dst_fmt} output is one JSON file")
    if image_dir is not None and not Path(image_dir).is_dir():
        raise UsageError(f"--images {image_dir}: not a folder")
    if icdar_style not in ICDAR_STYLES:
        raise UsageError(f"--icdar-style {icdar_style}: one of {', '.join(ICDAR_STYLES)}")
    if icdar_style != "plain" and dst_fmt != "icdar2015":
        raise UsageError(f"--icdar-style is for --to icdar2015, not {dst_fmt}")


@dataclass
class ConversionResult:
    images: int
    regions: int
    warnings: list[str] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    replaced: list[Path] = field(default_factory=list)  # existing files overwritten (force), all backed up
    backup_dir: Path | None = None  # where the replaced files' old versions are


def convert(
    src_fmt: str,
    dst_fmt: str,
    src: str | Path,
    dst: str | Path,
    *,
    image_dir: str | Path | None = None,
    image_url_prefix: str = "",
    force: bool = False,
    icdar_style: str = "plain",
    include_unconfirmed: bool = False,
) -> ConversionResult:
    """Read `src` as `src_fmt`, write it to `dst` as `dst_fmt`; formats and paths are checked before reading
    (check_conversion). Existing output files are refused unless `force`, which backs each up first
    (see write_records). Reading no labels at all is a NoLabelsFoundError, and nothing is written.
    A format without a status (see above) gets the pre-labelled images only with `include_unconfirmed`:
    else they are left out (reported), so OCR output nobody checked never turns into labels."""
    check_conversion(src_fmt, dst_fmt, src, dst, image_dir, icdar_style)
    warnings: list[str] = []
    records = read_records(
        src_fmt, src, image_dir=image_dir, image_url_prefix=image_url_prefix, warnings=warnings, guess_image_names=False
    )
    if not records:
        raise NoLabelsFoundError(src, src_fmt)
    if dst_fmt not in STATUS_FORMATS and not include_unconfirmed:
        records = _without_prelabels(records, dst_fmt, warnings)
        if not records:
            raise NoLabelsFoundError(src, src_fmt, "only pre-labels, which --include-unconfirmed converts")
    report = write_records(
        dst_fmt,
        records,
        dst,
        image_url_prefix=image_url_prefix,
        warnings=warnings,
        force=force,
        icdar_style=icdar_style,
    )
    regions = sum(len(r.regions) for r in records)
    return ConversionResult(len(records), regions, warnings, report.written, report.replaced, report.backup_dir)
