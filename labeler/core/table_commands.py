"""Undoable table edits: history.Command subclasses over `record.tables`, pushed through the same History as regions.

Every edit computes the new table with a pure function of table_ops.py before touching the record, so a
refused edit (TableError) leaves the record and the history unchanged; undo puts the old Table object back.

    history.push(AddTable(table))
    history.push(MergeCells(0, 1, 0, 1, 11))     # table 0: rows 1..1, columns 0..11 become one cell
    history.push(SetCellText(0, 2, 3, "42"))     # typing in one cell merges into one undo step
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from labeler.core.history import Command
from labeler.core.model import ImageRecord
from labeler.core.table import Table, TableError
from labeler.core.table_fill import fill_from_regions
from labeler.core.table_ops import (
    insert_col,
    insert_row,
    merge_cells,
    move_col_line,
    move_row_line,
    remove_col,
    remove_row,
    set_cell_header,
    set_cell_text,
    set_header_rows,
    set_span,
    split_cell,
)

TableEdit = Callable[[Table], Table]


def _table(record: ImageRecord, index: int) -> Table:
    if not 0 <= index < len(record.tables):
        raise TableError(f"{record.path}: no table {index} (has {len(record.tables)})")
    table: Table = record.tables[index]
    return table


@dataclass
class AddTable(Command):
    """Add a table (drawn, pre-labelled or imported) at `index` (None: at the end)."""

    table: Table
    index: int | None = None
    at: int = field(default=-1, init=False)
    label = "add table"

    def __post_init__(self) -> None:
        self.table.validate()

    def apply(self, record: ImageRecord) -> None:
        n = len(record.tables)
        self.at = n if self.index is None else self.index
        if not 0 <= self.at <= n:
            raise TableError(f"{record.path}: cannot insert a table at {self.at} (has {n})")
        record.tables.insert(self.at, self.table)

    def revert(self, record: ImageRecord) -> None:
        del record.tables[self.at]


@dataclass
class RemoveTable(Command):
    index: int
    removed: Table | None = field(default=None, init=False)
    label = "delete table"

    def apply(self, record: ImageRecord) -> None:
        _table(record, self.index)
        self.removed = record.tables.pop(self.index)

    def revert(self, record: ImageRecord) -> None:
        if self.removed is None:
            raise RuntimeError("an edit was undone before it was done")
        record.tables.insert(self.index, self.removed)


@dataclass
class EditTable(Command):
    """Replace table `index` by `edit(table)`; the result of the first apply is reused by redo."""

    index: int
    edit: TableEdit
    label: str = "edit table"  # an instance field here (the edit names itself), a class constant in Command
    old: Table | None = field(default=None, init=False)
    new: Table | None = field(default=None, init=False)

    def apply(self, record: ImageRecord) -> None:
        old = _table(record, self.index)
        new = self.new if self.new is not None else self.edit(old)
        new.validate()
        self.old, self.new = old, new
        record.tables[self.index] = new

    def revert(self, record: ImageRecord) -> None:
        if self.old is None:
            raise RuntimeError("an edit was undone before it was done")
        record.tables[self.index] = self.old


@dataclass
class SetCellText(Command):
    """Type into a cell; consecutive typing in the same cell merges into one undo step (as SetText does)."""

    index: int
    row: int
    col: int
    text: str
    old: Table | None = field(default=None, init=False)
    label = "edit cell text"

    def apply(self, record: ImageRecord) -> None:
        old = _table(record, self.index)
        new = set_cell_text(old, self.row, self.col, self.text)
        if self.old is None:
            self.old = old
        record.tables[self.index] = new

    def revert(self, record: ImageRecord) -> None:
        if self.old is None:
            raise RuntimeError("an edit was undone before it was done")
        record.tables[self.index] = self.old

    def merge(self, newer: Command) -> bool:
        if isinstance(newer, SetCellText) and (newer.index, newer.row, newer.col) == (self.index, self.row, self.col):
            self.text = newer.text
            return True
        return False


@dataclass
class RefillFromRegions(Command):
    """Cell texts from the image's regions as they are now (after a re-recognition: PaddleOCR#6558)."""

    index: int
    keep_unmatched: bool = False
    old: Table | None = field(default=None, init=False)
    new: Table | None = field(default=None, init=False)
    label = "cell texts from regions"

    def apply(self, record: ImageRecord) -> None:
        old = _table(record, self.index)
        new = self.new if self.new is not None else fill_from_regions(old, record.regions, self.keep_unmatched)
        self.old, self.new = old, new
        record.tables[self.index] = new

    def revert(self, record: ImageRecord) -> None:
        if self.old is None:
            raise RuntimeError("an edit was undone before it was done")
        record.tables[self.index] = self.old


def MergeCells(index: int, row0: int, col0: int, row1: int, col1: int) -> EditTable:
    return EditTable(index, partial(merge_cells, row0=row0, col0=col0, row1=row1, col1=col1), "merge cells")


def SplitCell(index: int, row: int, col: int) -> EditTable:
    return EditTable(index, partial(split_cell, row=row, col=col), "split cell")


def SetSpan(index: int, row: int, col: int, rowspan: int, colspan: int) -> EditTable:
    return EditTable(index, partial(set_span, row=row, col=col, rowspan=rowspan, colspan=colspan), "set span")


def InsertRow(index: int, at: int, y: float | None = None) -> EditTable:
    return EditTable(index, partial(insert_row, at=at, y=y), "add row")


def InsertCol(index: int, at: int, x: float | None = None) -> EditTable:
    return EditTable(index, partial(insert_col, at=at, x=x), "add column")


def RemoveRow(index: int, row: int) -> EditTable:
    return EditTable(index, partial(remove_row, row=row), "delete row")


def RemoveCol(index: int, col: int) -> EditTable:
    return EditTable(index, partial(remove_col, col=col), "delete column")


def MoveRowLine(index: int, line: int, y: float) -> EditTable:
    return EditTable(index, partial(move_row_line, index=line, y=y), "move row line")


def MoveColLine(index: int, line: int, x: float) -> EditTable:
    return EditTable(index, partial(move_col_line, index=line, x=x), "move column line")


def SetHeaderRows(index: int, n: int) -> EditTable:
    return EditTable(index, partial(set_header_rows, n=n), "set header rows")


def SetCellHeader(index: int, row: int, col: int, header: bool) -> EditTable:
    return EditTable(index, partial(set_cell_header, row=row, col=col, header=header), "set header cell")


def ReplaceTable(index: int, table: Table, label: str = "update table") -> EditTable:
    """Put a whole new table in place (a re-run of the structure finder, cell texts refreshed from regions)."""
    return EditTable(index, lambda _old: table, label)
