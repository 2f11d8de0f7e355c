"""The table model: grid invariants, pure edits, undo through History, and saving with the project."""

from __future__ import annotations

import json
import time

import pytest

from labeler.core.history import History, SetText
from labeler.core.model import ImageRecord, ImageStatus, TextRegion
from labeler.core.project import open_project, save_project
from labeler.core.table import Cell, Table, TableError, grid_table
from labeler.core.table_commands import (
    AddTable,
    InsertCol,
    InsertRow,
    MergeCells,
    MoveColLine,
    MoveRowLine,
    RefillFromRegions,
    RemoveCol,
    RemoveRow,
    RemoveTable,
    ReplaceTable,
    SetCellText,
    SetHeaderRows,
    SetSpan,
    SplitCell,
)
from labeler.core.table_fill import fill_from_regions
from labeler.core.table_ops import insert_row, merge_cells, remove_row, set_header_rows, split_cell
from labeler.core.table_store import TABLES_DIR
from tests.conftest import render_lines, write_image


def grid(n_rows: int = 3, n_cols: int = 4, size: float = 10.0) -> Table:
    return grid_table([r * size for r in range(n_rows + 1)], [c * size for c in range(n_cols + 1)])


def shape(table: Table) -> list[tuple[int, int, int, int, str, bool]]:
    return sorted((c.row, c.col, c.rowspan, c.colspan, c.text, c.header) for c in table.cells)


def test_grid_tiles_and_validation_refuses_overlaps_and_holes() -> None:
    table = grid(2, 2)
    table.validate()
    with pytest.raises(TableError, match="overlap"):
        Table(table.outline, table.rows, table.cols, [Cell(0, 0, 1, 2), Cell(0, 1), Cell(1, 0), Cell(1, 1)]).validate()
    with pytest.raises(TableError, match="no cell covers"):
        Table(table.outline, table.rows, table.cols, [Cell(0, 0), Cell(0, 1), Cell(1, 0)]).validate()
    with pytest.raises(TableError, match="outside"):
        Table(table.outline, table.rows, table.cols, [Cell(0, 0, 3, 1)]).validate()
    with pytest.raises(TableError, match="increase"):
        Table(table.outline, [0, 5, 5], table.cols, table.cells).validate()


def test_merge_split_and_spans_of_any_size() -> None:
    table = grid(2, 14)
    wide = merge_cells(table, 0, 1, 0, 12)  # a 12-column span
    assert wide.cell_at(0, 7).colspan == 12 and len(wide.cells) == 28 - 11
    with pytest.raises(TableError, match="reaches out"):
        merge_cells(wide, 0, 0, 1, 5)  # would cut the 12-wide span
    back = split_cell(wide, 0, 5)
    assert shape(back) == shape(table)
    assert table.cell_at(0, 7).colspan == 1  # the input is never changed


def test_insert_and_remove_rows_through_spans() -> None:
    table = merge_cells(grid(3, 3), 0, 0, 2, 0)  # a cell over all three rows
    grown = insert_row(table, 2, 15.0)
    assert grown.n_rows == 4 and grown.rows == [0, 10, 15, 20, 30]
    assert grown.cell_at(3, 0).rowspan == 4 and grown.cell_at(2, 1) is not grown.cell_at(1, 1)
    shrunk = remove_row(grown, 1)
    assert shrunk.n_rows == 3 and shrunk.cell_at(0, 0).rowspan == 3
    with pytest.raises(TableError, match="at least one row"):
        remove_row(remove_row(remove_row(shrunk, 0), 0), 0)


def test_header_rows_are_cell_flags() -> None:
    table = set_header_rows(grid(3, 2), 2)
    assert table.header_rows == 2
    assert set_header_rows(table, 0).header_rows == 0
    with pytest.raises(TableError):
        set_header_rows(table, 4)


@pytest.mark.parametrize(
    "command",
    [
        MergeCells(0, 0, 0, 1, 2),
        SplitCell(0, 2, 3),
        SetSpan(0, 1, 1, 2, 3),
        InsertRow(0, 1),
        InsertCol(0, 4, 35.0),
        RemoveRow(0, 2),
        RemoveCol(0, 0),
        MoveRowLine(0, 1, 7.5),
        MoveColLine(0, 4, 55.0),
        SetHeaderRows(0, 1),
        SetCellText(0, 1, 1, "total"),
        ReplaceTable(0, grid(1, 1)),
        RemoveTable(0),
    ],
)
def test_every_table_command_undoes_and_redoes(command) -> None:
    record = ImageRecord("a.png", tables=[merge_cells(grid(), 2, 2, 2, 3)])
    history = History(record)
    before = json.dumps([t.to_json() for t in record.tables])
    history.push(command)
    after = json.dumps([t.to_json() for t in record.tables])
    assert after != before and record.dirty
    history.undo()
    assert json.dumps([t.to_json() for t in record.tables]) == before
    history.redo()
    assert json.dumps([t.to_json() for t in record.tables]) == after


def test_refused_edit_changes_nothing_and_typing_is_one_step() -> None:
    record = ImageRecord("a.png", regions=[TextRegion([(0, 0), (5, 0), (5, 5)], "r")])
    history = History(record)
    history.push(AddTable(grid()))
    with pytest.raises(TableError):
        history.push(MoveRowLine(0, 1, 25.0))  # past the next line
    with pytest.raises(TableError):
        history.push(RemoveTable(3))
    assert len(history) == 1
    for text in ("4", "42", "42.5"):
        history.push(SetCellText(0, 1, 1, text))
    history.push(SetText(0, "region text"))  # region edits share the same history
    assert len(history) == 3
    history.undo()
    history.undo()
    assert record.tables[0].cell_at(1, 1).text == ""


def test_cells_refill_from_regions_after_re_recognition() -> None:
    """PaddleOCR#6558: PPOCRLabel's Excel kept the old texts after re-recognition; refilling reads the regions."""
    table = grid(2, 2, size=100)
    regions = [
        TextRegion([(10, 10), (60, 10), (60, 30), (10, 30)], "old"),
        TextRegion([(110, 110), (150, 110), (150, 130), (110, 130)], "b"),
        TextRegion([(155, 112), (190, 112), (190, 128), (155, 128)], "c"),
    ]
    filled = fill_from_regions(table, regions)
    assert filled.cell_at(0, 0).text == "old" and filled.cell_at(1, 1).text == "b c"
    regions[0].transcription = "new"  # re-recognised
    assert fill_from_regions(filled, regions).cell_at(0, 0).text == "new"
    typed = fill_from_regions(filled, regions[:1], keep_unmatched=True)
    assert typed.cell_at(1, 1).text == "b c"
    # The same as one undoable step on a record.
    record = ImageRecord("a.png", regions=regions, tables=[filled])
    regions[0].transcription = "newer"
    history = History(record)
    history.push(RefillFromRegions(0))
    assert record.tables[0].cell_at(0, 0).text == "newer"
    history.undo()
    assert record.tables[0].cell_at(0, 0).text == "old"


def make_folder(tmp_path):
    folder = tmp_path / "imgs"
    write_image(folder / "a.png", render_lines(["Name  Qty"]))
    write_image(folder / "b.png", render_lines(["x"]))
    return folder


def test_tables_round_trip_through_save_project_and_ppocrlabel_files_stay_plain(tmp_path) -> None:
    folder = make_folder(tmp_path)
    project = open_project(folder)
    record = project.record("a.png")
    history = History(record, lock=project.lock)
    history.push(AddTable(grid(2, 12)))
    history.push(MergeCells(0, 0, 1, 0, 11))
    history.push(SetCellText(0, 0, 0, 'Näme "q"'))
    record.status = ImageStatus.CONFIRMED
    record.regions = [TextRegion([(0, 0), (9, 0), (9, 9), (0, 9)], "Name")]
    save_project(project)
    assert (folder / TABLES_DIR / "a.png.json").is_file()
    label = (folder / "Label.txt").read_text("utf-8")
    assert "table" not in label and "colspan" not in label  # PPOCRLabel sees only regions
    again = open_project(folder)
    [table] = again.record("a.png").tables
    assert table.cell_at(0, 5).colspan == 11 and table.cell_at(0, 0).text == 'Näme "q"'
    assert again.record("b.png").tables == []


def test_a_table_file_is_never_lost(tmp_path) -> None:
    folder = make_folder(tmp_path)
    bad = folder / TABLES_DIR / "a.png.json"
    bad.parent.mkdir(parents=True)
    bad.write_text("{not json", "utf-8")
    project = open_project(folder)
    assert any(str(bad) in str(e) for e in project.errors)
    record = project.record("a.png")
    record.regions = [TextRegion([(0, 0), (9, 0), (9, 9)], "x")]
    record.mark_edited()
    save_project(project)
    assert bad.read_text("utf-8") == "{not json"  # an unreadable file is not deleted by a save without tables
    History(record).push(AddTable(grid(1, 1)))
    save_project(project)
    assert [p.name.split("-")[0] for p in bad.parent.glob("a.png.json.bad-*")] == ["a.png.json.bad"]
    # Another writer changed the file since we read it: theirs is kept beside ours.
    other = open_project(folder)
    History(other.record("a.png")).push(SetCellText(0, 0, 0, "theirs"))
    save_project(other)
    time.sleep(0.01)
    History(record).push(SetCellText(0, 0, 0, "ours"))
    save_project(project)
    conflicts = list(bad.parent.glob("a.png.json.conflict-*"))
    assert len(conflicts) == 1 and "theirs" in conflicts[0].read_text("utf-8")
    assert open_project(folder).record("a.png").tables[0].cell_at(0, 0).text == "ours"


def test_another_writers_tables_are_taken_in_when_not_changed_here(tmp_path) -> None:
    from labeler.core.project import refresh_project

    folder = make_folder(tmp_path)
    mine, theirs = open_project(folder), open_project(folder)
    History(theirs.record("a.png")).push(AddTable(grid(2, 2)))
    save_project(theirs)
    refresh_project(mine)
    record = mine.record("a.png")
    assert len(record.tables) == 1 and record.revision == 1
    History(theirs.record("a.png")).push(RemoveTable(0))
    save_project(theirs)
    record.regions = [TextRegion([(0, 0), (9, 0), (9, 9)], "x")]
    record.mark_edited()  # a region edit here: the tables were not changed here, so theirs win
    save_project(mine)
    assert record.tables == [] and not (folder / TABLES_DIR / "a.png.json").exists()
