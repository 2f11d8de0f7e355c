"""Interchange formats: pure read/write functions on lists of ImageRecord, one module per format.

| name        | read | write | IN / OUT                                  | module        |
|-------------|------|-------|-------------------------------------------|---------------|
| ppocrlabel  | yes  | yes   | a Label.txt (or the folder holding it)    | ppocrlabel    |
| page        | yes  | yes   | a folder of PAGE-XML 2019 files           | page_xml      |
| alto        | no   | yes   | a folder of ALTO 4.4 files                | alto          |
| labelstudio | yes  | yes   | one JSON file: a list of tasks            | labelstudio   |
| labelme     | yes  | yes   | a folder of labelme JSON files            | labelme       |
| icdar2015   | yes  | yes   | a folder of gt_<stem>.txt files           | icdar2015     |

Record paths are relative to the image folder. Readers of formats that carry no image size read it
from the image files (under `image_dir`, default the input's folder) when they exist; writers that need
a size and have none use the regions' bounding box and report it. Every warning (lossy mappings, sizes
guessed, characters replaced) is appended to the optional `warnings` list.

Writing never destroys labels: every file of a conversion is written or none is; a file that exists is
refused (OverwriteRefusedError) unless `force`, and with it is backed up to
`<output folder>/.labeler/backups/<YYYYmmdd-HHMMSS>/` before it is replaced (_output.py says why there).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from labeler.core.errors import UnsupportedConversionError
from labeler.core.formats._output import OutputPlan, OverwriteRefusedError, WriteReport, write_plan
from labeler.core.formats.alto import plan_alto
from labeler.core.formats.icdar2015 import plan_icdar2015, read_icdar2015
from labeler.core.formats.labelme import plan_labelme, read_labelme
from labeler.core.formats.labelstudio import plan_labelstudio, read_labelstudio
from labeler.core.formats.page_xml import plan_page_xml, read_page_xml
from labeler.core.formats.ppocrlabel import plan_ppocrlabel, read_ppocrlabel
from labeler.core.model import ImageRecord

FORMAT_NAMES = ("ppocrlabel", "page", "alto", "labelstudio", "labelme", "icdar2015")
READABLE = ("ppocrlabel", "page", "labelstudio", "labelme", "icdar2015")
WRITABLE = FORMAT_NAMES

__all__ = [
    "FORMAT_NAMES",
    "READABLE",
    "WRITABLE",
    "ConversionResult",
    "OverwriteRefusedError",
    "WriteReport",
    "convert",
    "plan_records",
    "read_records",
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
) -> list[ImageRecord]:
    """Read `path` in format `fmt` (see the table above)."""
    _check(fmt, READABLE, "read")
    if fmt == "ppocrlabel":
        return read_ppocrlabel(path, image_dir=image_dir, warnings=warnings)
    if fmt == "page":
        return read_page_xml(path, warnings=warnings)
    if fmt == "labelstudio":
        return read_labelstudio(path, image_dir=image_dir, image_url_prefix=image_url_prefix, warnings=warnings)
    if fmt == "labelme":
        return read_labelme(path, image_dir=image_dir, warnings=warnings)
    return read_icdar2015(path, image_dir=image_dir, warnings=warnings)


def plan_records(
    fmt: str,
    records: list[ImageRecord],
    path: str | Path,
    *,
    image_url_prefix: str = "",
    warnings: list[str] | None = None,
) -> OutputPlan:
    """The files writing `records` to `path` in format `fmt` would make; nothing is written."""
    _check(fmt, WRITABLE, "written")
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
    return plan_icdar2015(records, path, warnings=warnings)


def write_records(
    fmt: str,
    records: list[ImageRecord],
    path: str | Path,
    *,
    image_url_prefix: str = "",
    warnings: list[str] | None = None,
    force: bool = False,
) -> WriteReport:
    """Write `records` to `path` in format `fmt`, all files or none. An existing file is an
    OverwriteRefusedError without `force`; with it, it is backed up first (see _output.py)."""
    plan = plan_records(fmt, records, path, image_url_prefix=image_url_prefix, warnings=warnings)
    return write_plan(plan, force=force)


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
) -> ConversionResult:
    """Read `src` as `src_fmt`, write it to `dst` as `dst_fmt`; both directions are checked before reading.
    Existing output files are refused unless `force`, which backs each up first (see write_records)."""
    _check(src_fmt, READABLE, "read")
    _check(dst_fmt, WRITABLE, "written")
    warnings: list[str] = []
    records = read_records(src_fmt, src, image_dir=image_dir, image_url_prefix=image_url_prefix, warnings=warnings)
    report = write_records(dst_fmt, records, dst, image_url_prefix=image_url_prefix, warnings=warnings, force=force)
    regions = sum(len(r.regions) for r in records)
    return ConversionResult(len(records), regions, warnings, report.written, report.replaced, report.backup_dir)
