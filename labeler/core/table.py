"""A table of one image: its outline, a grid of row and column lines, and the cells on that grid.

The grid is axis-aligned in image coordinates: `rows` holds the y of each row line (top to bottom, n_rows + 1
values), `cols` the x of each column line (n_cols + 1 values). Every grid slot is covered by exactly one Cell;
a Cell anchored at (row, col) covers rowspan x colspan slots. A cell's box comes from the lines it spans unless
it carries its own polygon (an imported gt.txt box, a drawn cell): then that polygon wins.

Where a table is stored (labeler.core.table_store): `.labeler/tables/<image path>.json`, one file per image
holding its tables, written by save_project under the folder lock. Not in Label.txt: a Label.txt line is a list
of text regions with no image-level slot, so a table would have to pose as a region, and PaddleOCR's det export
and PPOCRLabel would then train on and draw it as a text line. `.labeler/` already holds the folder's own state
(edit times, trash, backups), travels with the folder, and PPOCRLabel never looks into it, so it still opens the
folder unchanged. Cells keep their own text (the table is exact without the regions); `fill_from_regions`
(table_fill.py) refreshes it from the image's regions when asked, so a re-recognition never leaves it stale.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from labeler.core.errors import LabelerError

Point = tuple[float, float]
TABLE_FORMAT = 1  # version of the JSON written by to_json


class TableError(LabelerError, ValueError):
    """A table edit or a table read from a file that would break the grid (overlapping, missing or bad cells)."""


@dataclass
class Cell:
    """One cell: the grid slot it is anchored at, how many rows and columns it spans, its text."""

    row: int
    col: int
    rowspan: int = 1
    colspan: int = 1
    text: str = ""
    header: bool = False
    polygon: list[Point] | None = None  # None: the box of the grid lines it spans

    @property
    def last_row(self) -> int:
        return self.row + self.rowspan - 1

    @property
    def last_col(self) -> int:
        return self.col + self.colspan - 1

    def slots(self) -> Iterator[tuple[int, int]]:
        for r in range(self.row, self.row + self.rowspan):
            for c in range(self.col, self.col + self.colspan):
                yield r, c


@dataclass
class Table:
    """A table: outline polygon, row and column lines, cells (anchored at their top-left slot)."""

    outline: list[Point]
    rows: list[float]
    cols: list[float]
    cells: list[Cell] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # unknown keys from the file, kept on save

    @property
    def n_rows(self) -> int:
        return len(self.rows) - 1

    @property
    def n_cols(self) -> int:
        return len(self.cols) - 1

    @property
    def header_rows(self) -> int:
        """How many top rows hold only header cells (the `<thead>` of the HTML)."""
        grid = self.slot_map()
        n = 0
        while n < self.n_rows and all(grid[n][c].header for c in range(self.n_cols)):
            n += 1
        return n

    def slot_map(self) -> list[list[Cell]]:
        """grid[r][c]: the cell covering slot (r, c); raises TableError if the cells do not tile the grid."""
        grid: list[list[Cell | None]] = [[None] * self.n_cols for _ in range(self.n_rows)]
        for cell in self.cells:
            if cell.rowspan < 1 or cell.colspan < 1:
                raise TableError(f"cell ({cell.row}, {cell.col}) has a span below 1")
            if not (0 <= cell.row and cell.last_row < self.n_rows and 0 <= cell.col and cell.last_col < self.n_cols):
                raise TableError(f"cell ({cell.row}, {cell.col}) reaches outside the {self.n_rows}x{self.n_cols} grid")
            for r, c in cell.slots():
                if grid[r][c] is not None:
                    raise TableError(f"cells ({cell.row}, {cell.col}) and {_at(grid[r][c])} overlap at ({r}, {c})")
                grid[r][c] = cell
        for r, line in enumerate(grid):
            for c, slot in enumerate(line):
                if slot is None:
                    raise TableError(f"no cell covers row {r}, column {c}")
        return grid  # type: ignore[return-value]  # every slot was checked above

    def validate(self) -> None:
        """Raise TableError unless the lines are finite and increasing and the cells tile the grid exactly."""
        if self.n_rows < 1 or self.n_cols < 1:
            raise TableError(f"a table needs at least one row and one column, got {self.n_rows}x{self.n_cols}")
        for name, lines in (("row", self.rows), ("column", self.cols)):
            if not all(math.isfinite(v) for v in lines):
                raise TableError(f"a {name} line is not a finite number")
            if any(b <= a for a, b in zip(lines, lines[1:])):
                raise TableError(f"{name} lines must increase strictly: {lines}")
        if len(self.outline) < 3:
            raise TableError("a table outline needs at least 3 points")
        self.slot_map()

    def cell_at(self, row: int, col: int) -> Cell:
        """The cell covering slot (row, col)."""
        for cell in self.cells:
            if cell.row <= row <= cell.last_row and cell.col <= col <= cell.last_col:
                return cell
        raise TableError(f"no cell at row {row}, column {col}")

    def ordered_cells(self) -> list[Cell]:
        """Cells in reading order (row by row, left to right): the order of the HTML's `<td>`s."""
        return sorted(self.cells, key=lambda c: (c.row, c.col))

    def cell_box(self, cell: Cell) -> tuple[float, float, float, float]:
        """(x0, y0, x1, y1) of a cell: its own polygon's bounds, else the lines it spans."""
        if cell.polygon:
            xs, ys = [p[0] for p in cell.polygon], [p[1] for p in cell.polygon]
            return min(xs), min(ys), max(xs), max(ys)
        return self.cols[cell.col], self.rows[cell.row], self.cols[cell.last_col + 1], self.rows[cell.last_row + 1]

    def cell_polygon(self, cell: Cell) -> list[Point]:
        if cell.polygon:
            return list(cell.polygon)
        x0, y0, x1, y1 = self.cell_box(cell)
        return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]

    # ------------------------------------------------------------------ files

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = dict(self.extra)
        data.update(
            outline=[list(p) for p in self.outline],
            rows=list(self.rows),
            cols=list(self.cols),
            cells=[_cell_json(c) for c in self.ordered_cells()],
        )
        return data

    @classmethod
    def from_json(cls, data: Any) -> Table:
        """A table from to_json's dict; TableError says what is wrong. Unknown keys are kept in `extra`."""
        if not isinstance(data, dict):
            raise TableError("a table must be a JSON object")
        try:
            table = cls(
                outline=_points(data["outline"]),
                rows=[_number(v) for v in data["rows"]],
                cols=[_number(v) for v in data["cols"]],
                cells=[_cell(c) for c in data["cells"]],
                extra={k: v for k, v in data.items() if k not in _KNOWN},
            )
        except KeyError as exc:
            raise TableError(f"a table lacks the key {exc.args[0]!r}") from None
        except (TypeError, ValueError) as exc:
            raise TableError(f"bad table: {exc}") from None
        table.validate()
        return table


_KNOWN = frozenset({"outline", "rows", "cols", "cells"})


def grid_table(rows: Sequence[float], cols: Sequence[float], outline: Sequence[Point] | None = None) -> Table:
    """A table of single cells on the given lines; the outline defaults to the grid's rectangle."""
    rows, cols = list(rows), list(cols)
    if outline is None:
        outline = [(cols[0], rows[0]), (cols[-1], rows[0]), (cols[-1], rows[-1]), (cols[0], rows[-1])]
    cells = [Cell(r, c) for r in range(len(rows) - 1) for c in range(len(cols) - 1)]
    table = Table(list(outline), rows, cols, cells)
    table.validate()
    return table


def copy_table(table: Table) -> Table:
    """A deep copy (points are tuples, so copying the lists is enough)."""
    cells = [
        Cell(c.row, c.col, c.rowspan, c.colspan, c.text, c.header, None if c.polygon is None else list(c.polygon))
        for c in table.cells
    ]
    return Table(list(table.outline), list(table.rows), list(table.cols), cells, dict(table.extra))


def _at(cell: Cell | None) -> str:
    return "?" if cell is None else f"({cell.row}, {cell.col})"


def _cell_json(cell: Cell) -> dict[str, Any]:
    data: dict[str, Any] = {"row": cell.row, "col": cell.col}
    if cell.rowspan != 1:
        data["rowspan"] = cell.rowspan
    if cell.colspan != 1:
        data["colspan"] = cell.colspan
    if cell.text:
        data["text"] = cell.text
    if cell.header:
        data["header"] = True
    if cell.polygon is not None:
        data["polygon"] = [list(p) for p in cell.polygon]
    return data


def _cell(data: Any) -> Cell:
    if not isinstance(data, dict):
        raise TypeError("a cell must be a JSON object")
    text = data.get("text", "")
    if not isinstance(text, str):
        raise TypeError(f"cell text must be a string, got {text!r}")
    polygon = data.get("polygon")
    return Cell(
        row=_int(data["row"]),
        col=_int(data["col"]),
        rowspan=_int(data.get("rowspan", 1)),
        colspan=_int(data.get("colspan", 1)),
        text=text,
        header=bool(data.get("header", False)),
        polygon=None if polygon is None else _points(polygon),
    )


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected an integer, got {value!r}")
    return value


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise TypeError(f"expected a finite number, got {value!r}")
    return float(value)


def _points(value: Any) -> list[Point]:
    if not isinstance(value, list):
        raise TypeError(f"expected a list of points, got {value!r}")
    out = []
    for pt in value:
        if not isinstance(pt, (list, tuple)) or len(pt) != 2:
            raise TypeError(f"bad point {pt!r}")
        out.append((_number(pt[0]), _number(pt[1])))
    return out
