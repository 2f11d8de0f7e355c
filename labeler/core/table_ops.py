"""Edits of a Table as pure functions: each takes a table and returns a new, validated one (the input is untouched).

Returning a new table keeps undo trivial (table_commands.py swaps the old one back) and a 30x20 table copies
in well under a millisecond. Every refusal is a TableError saying why (a merge that would cut a span, a line
moved past its neighbour, the last row removed).
"""

from __future__ import annotations

import math

from labeler.core.table import Cell, Table, TableError, copy_table


def merge_cells(table: Table, row0: int, col0: int, row1: int, col1: int) -> Table:
    """One cell over the rectangle of slots (row0, col0)..(row1, col1) inclusive; texts joined in reading order.

    Refused when a span already there reaches out of the rectangle (merging must not cut a cell in two).
    """
    r0, r1, c0, c1 = min(row0, row1), max(row0, row1), min(col0, col1), max(col0, col1)
    _check_slot(table, r0, c0)
    _check_slot(table, r1, c1)
    inside: list[Cell] = []
    outside: list[Cell] = []
    for cell in table.cells:
        overlaps = cell.row <= r1 and cell.last_row >= r0 and cell.col <= c1 and cell.last_col >= c0
        contained = r0 <= cell.row and cell.last_row <= r1 and c0 <= cell.col and cell.last_col <= c1
        if overlaps and not contained:
            raise TableError(f"cell ({cell.row}, {cell.col}) reaches out of the cells to merge; select all of it")
        (inside if contained else outside).append(cell)
    inside.sort(key=lambda c: (c.row, c.col))
    text = " ".join(c.text for c in inside if c.text)
    merged = Cell(r0, c0, r1 - r0 + 1, c1 - c0 + 1, text, header=all(c.header for c in inside))
    return _done(table, outside + [merged])


def split_cell(table: Table, row: int, col: int) -> Table:
    """Undo a span: the cell covering (row, col) becomes one cell per slot; its text stays in the top-left one."""
    new = copy_table(table)
    cell = new.cell_at(row, col)
    new.cells.remove(cell)
    for r, c in cell.slots():
        first = (r, c) == (cell.row, cell.col)
        new.cells.append(Cell(r, c, text=cell.text if first else "", header=cell.header))
    return _done(new, new.cells)


def set_span(table: Table, row: int, col: int, rowspan: int, colspan: int) -> Table:
    """Give the cell at (row, col) exactly this span: split it, then merge the rectangle from its anchor."""
    if rowspan < 1 or colspan < 1:
        raise TableError(f"a span must be at least 1x1, got {rowspan}x{colspan}")
    anchor = table.cell_at(row, col)
    new = split_cell(table, anchor.row, anchor.col)
    return merge_cells(new, anchor.row, anchor.col, anchor.row + rowspan - 1, anchor.col + colspan - 1)


def insert_row(table: Table, at: int, y: float | None = None) -> Table:
    """A new row line at index `at` (1..n_rows): the row above it is cut in two at `y` (default: its middle).

    Cells spanning the cut grow by one row; the others in the cut row get a new empty cell below them.
    """
    return _insert(table, at, y, axis=0)


def insert_col(table: Table, at: int, x: float | None = None) -> Table:
    """A new column line at index `at` (1..n_cols), cutting the column left of it (see insert_row)."""
    return _insert(table, at, x, axis=1)


def remove_row(table: Table, row: int) -> Table:
    """Remove a row: cells only in it go (their text too), cells spanning it shrink by one row."""
    return _remove(table, row, axis=0)


def remove_col(table: Table, col: int) -> Table:
    return _remove(table, col, axis=1)


def move_row_line(table: Table, index: int, y: float) -> Table:
    """Move row line `index` (0..n_rows, the outer ones included) to y; it may not pass its neighbours."""
    return _move(table, index, y, axis=0)


def move_col_line(table: Table, index: int, x: float) -> Table:
    return _move(table, index, x, axis=1)


def set_header_rows(table: Table, n: int) -> Table:
    """Mark the cells anchored in the top n rows as header cells and the others as body cells."""
    if not 0 <= n <= table.n_rows:
        raise TableError(f"header rows must be 0..{table.n_rows}, got {n}")
    new = copy_table(table)
    for cell in new.cells:
        cell.header = cell.row < n
    return _done(new, new.cells)


def set_cell_text(table: Table, row: int, col: int, text: str) -> Table:
    new = copy_table(table)
    new.cell_at(row, col).text = text
    return new


def set_cell_header(table: Table, row: int, col: int, header: bool) -> Table:
    new = copy_table(table)
    new.cell_at(row, col).header = header
    return new


# ------------------------------------------------------------------ helpers


def _done(table: Table, cells: list[Cell]) -> Table:
    new = Table(list(table.outline), list(table.rows), list(table.cols), cells, dict(table.extra))
    new.validate()
    return new


def _check_slot(table: Table, row: int, col: int) -> None:
    if not (0 <= row < table.n_rows and 0 <= col < table.n_cols):
        raise TableError(f"no slot at row {row}, column {col} in a {table.n_rows}x{table.n_cols} table")


def _lines(table: Table, axis: int) -> list[float]:
    return table.rows if axis == 0 else table.cols


def _span(cell: Cell, axis: int) -> tuple[int, int]:
    return (cell.row, cell.last_row) if axis == 0 else (cell.col, cell.last_col)


def _shift(cell: Cell, axis: int, start: int, size: int) -> None:
    if axis == 0:
        cell.row, cell.rowspan = start, size
    else:
        cell.col, cell.colspan = start, size


def _insert(table: Table, at: int, pos: float | None, axis: int) -> Table:
    lines = _lines(table, axis)
    if not 1 <= at <= len(lines) - 1:
        raise TableError(f"a new line goes between lines 0 and {len(lines) - 1}, not at {at}")
    lo, hi = lines[at - 1], lines[at]
    pos = (lo + hi) / 2 if pos is None else pos
    if not (math.isfinite(pos) and lo < pos < hi):
        raise TableError(f"the new line must lie between {lo:g} and {hi:g}, got {pos:g}")
    new = copy_table(table)
    _lines(new, axis).insert(at, pos)
    cut = at - 1  # the row (column) being cut in two
    added = []
    for cell in new.cells:
        first, last = _span(cell, axis)
        if first > cut:
            _shift(cell, axis, first + 1, last - first + 1)
        elif last >= cut:  # the cell covers the cut slot: spans grow; single ones get a new neighbour
            if last > first:
                _shift(cell, axis, first, last - first + 2)
            else:
                other = Cell(cell.row, cell.col, cell.rowspan, cell.colspan, header=cell.header)
                _shift(other, axis, first + 1, 1)
                added.append(other)
    return _done(new, new.cells + added)


def _remove(table: Table, index: int, axis: int) -> Table:
    count = (table.n_rows, table.n_cols)[axis]
    if count <= 1:
        raise TableError("a table keeps at least one row and one column; delete the table instead")
    if not 0 <= index < count:
        raise TableError(f"no {('row', 'column')[axis]} {index} (has {count})")
    new = copy_table(table)
    lines = _lines(new, axis)
    # The line below (right of) the slot goes, except for the last slot, whose upper (left) line goes.
    del lines[index + 1 if index < count - 1 else index]
    kept = []
    for cell in new.cells:
        first, last = _span(cell, axis)
        if first == last == index:
            continue
        if first > index:
            _shift(cell, axis, first - 1, last - first + 1)
        elif last >= index:
            _shift(cell, axis, first, last - first)
        kept.append(cell)
    return _done(new, kept)


def _move(table: Table, index: int, pos: float, axis: int) -> Table:
    lines = _lines(table, axis)
    if not 0 <= index < len(lines):
        raise TableError(f"no line {index} (has {len(lines)})")
    lo = lines[index - 1] if index > 0 else -math.inf
    hi = lines[index + 1] if index + 1 < len(lines) else math.inf
    if not (math.isfinite(pos) and lo < pos < hi):
        raise TableError(f"line {index} must stay between its neighbours ({lo:g}, {hi:g}), got {pos:g}")
    new = copy_table(table)
    _lines(new, axis)[index] = pos
    return new
