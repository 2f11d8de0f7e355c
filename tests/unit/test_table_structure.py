"""The structure finder on rendered tables, and the batch pre-labeller (PaddleOCR#6242)."""

from __future__ import annotations

import cv2
import numpy as np

from labeler.core.history import History
from labeler.core.model import ImageRecord, TextRegion
from labeler.core.table import Table
from labeler.core.table_batch import prelabel_command, prelabel_tables
from labeler.core.table_format import structure_tokens
from labeler.core.table_structure import find_table
from tests.conftest import write_image
from tests.unit.table_render import TableSpec, render_table, sample_specs, skewed


def body(table: Table) -> list[str]:
    """Structure tokens without <thead>/<tbody>: the finder does not guess header rows."""
    return [t for t in structure_tokens(table) if t not in ("<thead>", "</thead>", "<tbody>", "</tbody>")]


def texts(table: Table) -> list[str]:
    return [c.text for c in table.ordered_cells()]


def test_ruled_table_with_a_twelve_column_span_and_a_row_span() -> None:
    spec = TableSpec(5, 14, spans=[(0, 1, 1, 12), (2, 0, 3, 1)], empty={(1, 3), (4, 7)})
    img, truth, regions = render_table(spec)
    found = find_table(img, None, regions)
    assert found.ruled
    assert body(found.table) == body(truth)
    assert texts(found.table) == texts(truth)
    assert found.table.cell_at(0, 5).colspan == 12 and found.table.cell_at(3, 0).rowspan == 3
    assert found.table.cell_at(1, 3).text == ""  # the empty cell stays empty
    assert structure_tokens(found.table) == structure_tokens(truth)  # the shaded top row is the <thead>
    assert found.table.header_rows == 1
    for got, want in zip(found.table.cols, truth.cols):
        assert abs(got - want) <= 2


def test_table_inside_a_page_keeps_page_coordinates() -> None:
    img, truth, regions = render_table(TableSpec(3, 4, spans=[(1, 1, 1, 2)], header_rows=0))
    page = np.full((img.shape[0] + 200, img.shape[1] + 300, 3), 255, np.uint8)
    page[120 : 120 + img.shape[0], 90 : 90 + img.shape[1]] = img
    cv2.putText(page, "Page title outside the table", (20, 40), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (0, 0, 0), 2)
    moved = [TextRegion([(x + 90, y + 120) for x, y in r.points], r.transcription) for r in regions]
    box = (80, 110, 100 + img.shape[1], 130 + img.shape[0])
    found = find_table(page, box, moved)
    assert body(found.table) == body(truth) and texts(found.table) == texts(truth)
    assert abs(found.table.rows[0] - (truth.rows[0] + 120)) <= 2
    assert found.table.header_rows == 0  # nothing shaded: no header guessed


def test_unruled_table_rows_and_columns_from_alignment() -> None:
    spec = TableSpec(6, 5, spans=[(0, 1, 1, 2)], empty={(3, 2)}, ruled=False, seed=3)
    img, truth, regions = render_table(spec)
    found = find_table(img, None, regions)
    assert not found.ruled
    assert (found.table.n_rows, found.table.n_cols) == (6, 5)
    assert body(found.table) == body(truth) and texts(found.table) == texts(truth)


def test_unruled_without_regions_uses_the_ink() -> None:
    img, truth, _ = render_table(TableSpec(4, 3, header_rows=0, ruled=False, seed=5))
    found = find_table(img)
    assert (found.table.n_rows, found.table.n_cols) == (4, 3)


def test_most_rendered_tables_come_out_exactly_right() -> None:
    specs = sample_specs(24, seed=11)
    right = 0
    for spec in specs:
        img, truth, regions = render_table(spec)
        right += body(find_table(img, None, regions).table) == body(truth)
    ruled = sum(s.ruled for s in specs)
    assert right >= ruled + (len(specs) - ruled) // 2  # every ruled one; unruled spans are a guess


def test_batch_prelabel_many_images_one_undo_step_each(tmp_path) -> None:
    """PaddleOCR#6242: PPOCRLabel labels tables one image at a time."""
    records = []
    for i in range(4):
        img, _truth, regions = render_table(TableSpec(3, 3, spans=[(0, 0, 1, 2)], seed=i))
        write_image(tmp_path / f"{i}.png", img)
        records.append(ImageRecord(f"{i}.png", regions=regions))
    records.append(ImageRecord("missing.png"))
    seen = []
    results = prelabel_tables(records, tmp_path, progress=lambda done, total: seen.append((done, total)))
    assert [r.error is None for r in results] == [True] * 4 + [False]
    assert "missing.png" in (results[-1].error or "") and seen[-1] == (5, 5)
    for record, result in zip(records[:4], results[:4]):
        history = History(record)
        command = prelabel_command(record, result)
        assert command is not None
        history.push(command)
        assert record.tables[0].cell_at(0, 1).colspan == 2
        history.undo()
        assert record.tables == []
    assert prelabel_command(records[-1], results[-1]) is None


def test_a_skewed_scan_is_levelled_first() -> None:
    img, truth, regions = render_table(TableSpec(6, 5, spans=[(0, 1, 1, 3), (2, 0, 2, 1)], seed=4))
    turned, moved = skewed(img, regions, 2.0)
    found = find_table(turned, None, moved)
    assert found.ruled and structure_tokens(found.table) == structure_tokens(truth)
    assert texts(found.table) == texts(truth)
    ay, by = found.table.outline[0][1], found.table.outline[1][1]
    assert by < ay  # the outline is turned back with the page (top edge rising to the right)
