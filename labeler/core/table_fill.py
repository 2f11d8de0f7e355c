"""Cell texts from an image's text regions: each region goes to the cell its centre falls in.

Asked for after a re-recognition (PaddleOCR#6558: PPOCRLabel's Excel kept the old texts), after the structure
finder, or by the batch pre-labeller. Within a cell, regions are read top to bottom, then left to right
(lines whose centres are less than half a line apart count as one line), joined by a space.
"""

from __future__ import annotations

from collections.abc import Sequence

from labeler.core.model import TextRegion
from labeler.core.table import Cell, Table, copy_table


def region_centre(region: TextRegion) -> tuple[float, float]:
    xs, ys = [p[0] for p in region.points], [p[1] for p in region.points]
    return (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2


def regions_in_cells(table: Table, regions: Sequence[TextRegion]) -> dict[int, list[int]]:
    """{id(cell): [region indexes]} for the regions whose centre lies in a cell's box (dont-care ones left out)."""
    boxes = [(cell, table.cell_box(cell)) for cell in table.cells]
    found: dict[int, list[int]] = {id(cell): [] for cell in table.cells}
    for i, region in enumerate(regions):
        if region.is_dont_care or len(region.points) < 3:
            continue
        x, y = region_centre(region)
        for cell, (x0, y0, x1, y1) in boxes:
            if x0 <= x < x1 and y0 <= y < y1:
                found[id(cell)].append(i)
                break
    return found


def fill_from_regions(table: Table, regions: Sequence[TextRegion], keep_unmatched: bool = False) -> Table:
    """A copy of `table` whose cell texts are the texts of the regions inside them.

    keep_unmatched: a cell no region falls in keeps its text (typed by hand); otherwise it becomes empty.
    """
    new = copy_table(table)
    found = regions_in_cells(new, regions)
    for cell in new.cells:
        picked = [regions[i] for i in found[id(cell)]]
        if picked or not keep_unmatched:
            cell.text = _joined(picked)
    return new


def _joined(regions: list[TextRegion]) -> str:
    if not regions:
        return ""
    heights = sorted(max(p[1] for p in r.points) - min(p[1] for p in r.points) for r in regions)
    tolerance = max(1.0, heights[len(heights) // 2] / 2)
    order = sorted(regions, key=lambda r: region_centre(r)[1])
    lines: list[list[TextRegion]] = []
    for region in order:
        y = region_centre(region)[1]
        if lines and abs(region_centre(lines[-1][0])[1] - y) < tolerance:
            lines[-1].append(region)
        else:
            lines.append([region])
    words = [r.transcription for line in lines for r in sorted(line, key=lambda r: region_centre(r)[0])]
    return " ".join(w for w in words if w)


def empty_cells(table: Table) -> list[Cell]:
    return [c for c in table.ordered_cells() if not c.text]
