"""Pre-label the tables of many images at once (PaddleOCR#6242: PPOCRLabel labels tables one image at a time).

For each image: its existing tables' outlines are re-analysed (a table drawn by hand keeps its place), or,
with none, the whole image is taken as one table. The structure comes from table_structure.find_table and the
cell texts from the image's regions. An image that cannot be read is reported and the others go on. Nothing
is changed here: `prelabel_command` turns a result into one undoable step for the image's History.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from labeler.core.errors import FileError
from labeler.core.history import Batch, Command
from labeler.core.image_io import read_image
from labeler.core.model import ImageRecord
from labeler.core.table import Table
from labeler.core.table_commands import AddTable, ReplaceTable
from labeler.core.table_structure import find_table

ProgressFn = Callable[[int, int], None]


@dataclass
class TablePrelabel:
    path: str
    tables: list[Table] = field(default_factory=list)
    error: str | None = None  # "file: reason" when the image could not be read


def prelabel_tables(
    records: Sequence[ImageRecord],
    image_dir: str | Path,
    progress: ProgressFn | None = None,
    cancel: Callable[[], bool] | None = None,
) -> list[TablePrelabel]:
    """A proposed table list per record (in order); stops early, returning what is done, when cancel() is true."""
    out = []
    for i, record in enumerate(records):
        if cancel is not None and cancel():
            break
        out.append(prelabel_one(record, Path(image_dir) / record.path))
        if progress is not None:
            progress(i + 1, len(records))
    return out


def prelabel_one(record: ImageRecord, image_path: Path) -> TablePrelabel:
    try:
        image = read_image(image_path)
    except FileError as exc:
        return TablePrelabel(record.path, error=str(exc))
    boxes: list[tuple[float, float, float, float] | None] = [_bounds(t) for t in record.tables] or [None]
    tables = []
    for box in boxes:
        try:
            tables.append(find_table(image, box, record.regions).table)
        except ValueError as exc:  # a table outline outside the image
            return TablePrelabel(record.path, error=f"{image_path}: {exc}")
    return TablePrelabel(record.path, tables)


def prelabel_command(record: ImageRecord, result: TablePrelabel) -> Command | None:
    """One undo step putting the proposed tables in place (replacing the ones they were found in)."""
    if result.error is not None or not result.tables:
        return None
    steps: list[Command] = []
    for i, table in enumerate(result.tables):
        if i < len(record.tables):
            steps.append(ReplaceTable(i, table, "pre-label table"))
        else:
            steps.append(AddTable(table))
    return Batch(steps, "pre-label tables")


def _bounds(table: Table) -> tuple[float, float, float, float]:
    xs = [p[0] for p in table.outline] or [table.cols[0], table.cols[-1]]
    ys = [p[1] for p in table.outline] or [table.rows[0], table.rows[-1]]
    return min(xs), min(ys), max(xs), max(ys)
