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
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from labeler.core.errors import UnsupportedConversionError
from labeler.core.formats.alto import write_alto
from labeler.core.formats.icdar2015 import read_icdar2015, write_icdar2015
from labeler.core.formats.labelme import read_labelme, write_labelme
from labeler.core.formats.labelstudio import read_labelstudio, write_labelstudio
from labeler.core.formats.page_xml import read_page_xml, write_page_xml
from labeler.core.formats.ppocrlabel import read_ppocrlabel, write_ppocrlabel
from labeler.core.model import ImageRecord

FORMAT_NAMES = ("ppocrlabel", "page", "alto", "labelstudio", "labelme", "icdar2015")
READABLE = ("ppocrlabel", "page", "labelstudio", "labelme", "icdar2015")
WRITABLE = FORMAT_NAMES

__all__ = ["FORMAT_NAMES", "READABLE", "WRITABLE", "ConversionResult", "convert", "read_records", "write_records"]


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


def write_records(
    fmt: str,
    records: list[ImageRecord],
    path: str | Path,
    *,
    image_url_prefix: str = "",
    warnings: list[str] | None = None,
) -> None:
    """Write `records` to `path` in format `fmt`; every file goes through an atomic replace."""
    _check(fmt, WRITABLE, "written")
    if fmt == "ppocrlabel":
        write_ppocrlabel(records, path, warnings=warnings)
    elif fmt == "page":
        write_page_xml(records, path, warnings=warnings)
    elif fmt == "alto":
        write_alto(records, path, warnings=warnings)
    elif fmt == "labelstudio":
        write_labelstudio(records, path, image_url_prefix=image_url_prefix, warnings=warnings)
    elif fmt == "labelme":
        write_labelme(records, path, warnings=warnings)
    else:
        write_icdar2015(records, path, warnings=warnings)


@dataclass
class ConversionResult:
    images: int
    regions: int
    warnings: list[str] = field(default_factory=list)


def convert(
    src_fmt: str,
    dst_fmt: str,
    src: str | Path,
    dst: str | Path,
    *,
    image_dir: str | Path | None = None,
    image_url_prefix: str = "",
) -> ConversionResult:
    """Read `src` as `src_fmt`, write it to `dst` as `dst_fmt`; both directions are checked before reading."""
    _check(src_fmt, READABLE, "read")
    _check(dst_fmt, WRITABLE, "written")
    warnings: list[str] = []
    records = read_records(src_fmt, src, image_dir=image_dir, image_url_prefix=image_url_prefix, warnings=warnings)
    write_records(dst_fmt, records, dst, image_url_prefix=image_url_prefix, warnings=warnings)
    return ConversionResult(len(records), sum(len(r.regions) for r in records), warnings)
