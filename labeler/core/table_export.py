"""Export the tables of confirmed images as PaddleOCR table training data, HTML and .xlsx.

Layout of OUT (every label path relative to OUT, so PaddleOCR's data_dir = OUT):

    OUT/images/<stem>_table<i>.png    the table's crop (its outline's bounding box): table models train on crops
    OUT/{train,val,test}.txt          PubTabDataSet JSON lines (table_format.paddle_label), boxes in crop pixels
    OUT/gt.txt                        all splits together
    OUT/table_structure_dict.txt      PaddleOCR's structure dict + the span tokens (> 10) it lacks, appended
    OUT/html/<stem>_table<i>.html     one page per table
    OUT/xlsx/<stem>.xlsx              one workbook per image, a sheet per table, spans merged (the `tables` extra)
    OUT/report.json                   counts per split, skipped tables and images with the reason

Splits come from export.image_splits with the same ExportOptions (split, seed, include_unconfirmed), so an
image's tables land in the split its det lines and rec crops land in. The folder appears whole or not at all
(export_swap.ExportSwap); an image that cannot be read or a table that does not validate is reported and the
rest goes on.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2

from labeler.core.atomic import atomic_write_text
from labeler.core.errors import ExportError, FileError
from labeler.core.export import ExportOptions, image_splits
from labeler.core.export_rec import crop_stems
from labeler.core.export_swap import ExportSwap
from labeler.core.extras import require_extra
from labeler.core.image_io import read_image
from labeler.core.model import ImageRecord, ImageStatus
from labeler.core.split import SPLIT_NAMES, assign_splits
from labeler.core.table import Table, TableError
from labeler.core.table_format import (
    BOX_FORMATS,
    PADDLE_STRUCTURE_TOKENS,
    TABLES_EXTRA,
    paddle_label,
    structure_dict,
    table_html,
    xlsx_bytes,
)
from labeler.core.table_store import inside_path

TABLE_REPORT_FORMAT = "labeler-table-export/1"
TABLE_ENTRIES = frozenset(
    {"images", "html", "xlsx", "gt.txt", "report.json", "table_structure_dict.txt", *(f"{n}.txt" for n in SPLIT_NAMES)}
)


@dataclass(frozen=True)
class TableExportOptions:
    base: ExportOptions = ExportOptions()  # split, seed, include_unconfirmed: the same as the det / rec export
    html: bool = True
    xlsx: bool = False  # needs openpyxl (pip install labeler[tables])
    box_format: str = "xyxy"  # "xyxyxyxy" for SLANet_ch-style configs (loc_reg_num 8)


@dataclass
class TableExportReport:
    out_dir: str
    tables: dict[str, int] = field(default_factory=lambda: {n: 0 for n in SPLIT_NAMES})
    images: int = 0
    skipped: list[str] = field(default_factory=list)  # "path[#table]: reason"
    extra_tokens: list[str] = field(default_factory=list)  # span tokens PaddleOCR's default structure dict lacks

    def to_json(self) -> dict[str, Any]:
        return {"format": TABLE_REPORT_FORMAT, "out_dir": self.out_dir, "tables": self.tables,
                "images": self.images, "skipped": self.skipped, "extra_tokens": self.extra_tokens}  # fmt: skip


def table_splits(records: Sequence[ImageRecord], options: ExportOptions) -> dict[str, str]:
    """{path: split} for the images with tables: the det / rec split where the image is in that export; images
    only the table export has (tables without text regions) are split among themselves with the same rule."""
    det = image_splits(records, options)
    rest = [r.path for r in records if r.tables and r.path not in det]
    return {**assign_splits(rest, options.split, options.seed), **det}


def export_tables(
    records: Sequence[ImageRecord],
    image_dir: str | Path,
    out_dir: str | Path,
    options: TableExportOptions | None = None,
) -> TableExportReport:
    options = options or TableExportOptions()
    if options.box_format not in BOX_FORMATS:
        raise ExportError(f"table box format must be one of {BOX_FORMATS}, got {options.box_format!r}")
    if options.xlsx:
        require_extra(TABLES_EXTRA)  # fail before anything is written: MissingExtraError names the extra
    image_dir, out = Path(image_dir), Path(out_dir)
    wanted = {ImageStatus.CONFIRMED} | ({ImageStatus.PRELABELLED} if options.base.include_unconfirmed else set())
    report = TableExportReport(out_dir=str(out))
    chosen = []
    for record in records:
        if not record.tables or record.status not in wanted:
            continue
        if inside_path(record.path) and not any(c in record.path for c in "\t\r\n"):
            chosen.append(record)
        else:
            report.skipped.append(f"{record.path}: path must be relative, inside the folder, without line breaks")
    splits = table_splits(chosen, options.base)
    stems = crop_stems(r.path for r in chosen)
    with ExportSwap(out, _is_table_export, TABLE_ENTRIES) as swap:
        work = swap.work
        lines: dict[str, list[str]] = {n: [] for n in SPLIT_NAMES}
        try:
            for record in chosen:
                written = _export_image(record, image_dir, work, stems[record.path], options, report)
                for line in written:
                    lines[splits[record.path]].append(line)
                    report.tables[splits[record.path]] += 1
                report.images += bool(written)
            for name in SPLIT_NAMES:
                atomic_write_text(work / f"{name}.txt", "".join(lines[name]))
            atomic_write_text(work / "gt.txt", "".join(lines["train"] + lines["val"] + lines["test"]))
            used = {t for name in SPLIT_NAMES for line in lines[name] for t in _span_tokens(line)}
            tokens = structure_dict(used)
            report.extra_tokens = tokens[len(PADDLE_STRUCTURE_TOKENS) :]
            atomic_write_text(work / "table_structure_dict.txt", "\n".join(tokens) + "\n")
            atomic_write_text(work / "report.json", json.dumps(report.to_json(), ensure_ascii=False, indent=1) + "\n")
            swap.commit()
        except OSError as exc:
            raise ExportError(f"{out}: cannot write the table export: {exc}; nothing in {out} was changed") from exc
    return report


def _export_image(
    record: ImageRecord, image_dir: Path, work: Path, stem: str, options: TableExportOptions, report: TableExportReport
) -> list[str]:
    """Crops, HTML and workbook of one image's tables; its label lines (empty if nothing could be exported)."""
    try:
        image = read_image(image_dir / record.path)
    except FileError as exc:
        report.skipped.append(f"{record.path}: {exc.reason}")
        return []
    height, width = image.shape[:2]
    lines, good = [], []
    for i, table in enumerate(record.tables):
        name = f"{stem}_table{i}"
        try:
            table.validate()
            x0, y0, x1, y1 = _crop_box(table, width, height)
        except TableError as exc:
            report.skipped.append(f"{record.path}#{i}: {exc}")
            continue
        ok, png = cv2.imencode(".png", image[y0:y1, x0:x1])
        if not ok:
            report.skipped.append(f"{record.path}#{i}: the crop could not be encoded")
            continue
        _write(work / "images" / f"{name}.png", png.tobytes())
        label = paddle_label(f"images/{name}.png", table, offset=(x0, y0), box_format=options.box_format)
        lines.append(json.dumps(label, ensure_ascii=False) + "\n")
        if options.html:
            _write(work / "html" / f"{name}.html", table_html(table, f"{record.path} #{i + 1}").encode("utf-8"))
        good.append((table, f"table {i + 1}"))
    if options.xlsx and good:
        _write(work / "xlsx" / f"{stem}.xlsx", xlsx_bytes([t for t, _ in good], [n for _, n in good]))
    return lines


def _span_tokens(line: str) -> list[str]:
    return [t for t in json.loads(line)["html"]["structure"]["tokens"] if "span=" in t]


def _crop_box(table: Table, width: int, height: int) -> tuple[int, int, int, int]:
    xs = [p[0] for p in table.outline] + [table.cols[0], table.cols[-1]]
    ys = [p[1] for p in table.outline] + [table.rows[0], table.rows[-1]]
    x0, y0 = max(0, int(min(xs))), max(0, int(min(ys)))
    x1, y1 = min(width, int(round(max(xs)))), min(height, int(round(max(ys))))
    if x1 - x0 < 2 or y1 - y0 < 2:
        raise TableError("the table lies outside the image")
    return x0, y0, x1, y1


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)  # inside the work folder: ExportSwap flushes it all before the swap


def _is_table_export(out: Path) -> bool:
    try:
        return json.loads((out / "report.json").read_text("utf-8")).get("format") == TABLE_REPORT_FORMAT
    except (OSError, ValueError, AttributeError):
        return False
