"""Table exports (PaddleOCR's table labels, HTML, .xlsx, the export folder) and PPOCRLabel's gt.txt import."""

from __future__ import annotations

import json

import pytest

from labeler.core.export import ExportOptions, export_dataset
from labeler.core.extras import MissingExtraError, module_present
from labeler.core.model import ImageRecord, ImageStatus, TextRegion
from labeler.core.split import SplitRatios
from labeler.core.table import Table, grid_table
from labeler.core.table_export import TableExportOptions, export_tables
from labeler.core.table_format import cell_entries, paddle_label, structure_tokens, table_html, xlsx_bytes
from labeler.core.table_gt import match_gt_tables, parse_gt_line, read_gt_file, table_from_tokens
from labeler.core.table_ops import merge_cells, set_cell_text, set_header_rows
from tests.conftest import write_image
from tests.unit.table_render import TableSpec, render_table

HAS_OPENPYXL = module_present("openpyxl")


def sample() -> Table:
    """Header row 0 with a 12-column span, a 3-row span, an empty cell, text with markup characters."""
    table = grid_table([0, 20, 40, 60, 80], [c * 30 for c in range(15)])
    table = set_header_rows(table, 1)
    table = merge_cells(table, 0, 1, 0, 12)
    table = merge_cells(table, 1, 0, 3, 0)
    table = set_cell_text(table, 0, 1, "Quarter <b> & co")
    table = set_cell_text(table, 1, 0, "North")
    return set_cell_text(table, 2, 5, "42")


def test_structure_tokens_follow_pubtabnet() -> None:
    tokens = structure_tokens(sample())
    assert tokens[:9] == ["<thead>", "<tr>", "<td>", "</td>", "<td", ' colspan="12"', ">", "</td>", "<td>"]
    assert tokens.count("</thead>") == 1 and tokens[-1] == "</tbody>"
    assert ' rowspan="3"' in tokens
    assert tokens.count("<td>") + tokens.count("<td") == len(cell_entries(sample()))
    assert structure_tokens(grid_table([0, 1, 2], [0, 1]))[0] == "<tbody>"  # no header: no <thead>


def test_span_above_nine_round_trips() -> None:
    """PaddleOCR#11404: PPOCRLabel parsed one digit of colspan="12" and wrote a 1-column span."""
    label = paddle_label("t.png", sample())
    back = table_from_tokens(label["html"]["structure"]["tokens"], label["html"]["cells"])
    assert back.cell_at(0, 7).colspan == 12 and back.n_cols == 14
    assert structure_tokens(back) == structure_tokens(sample())
    unquoted = table_from_tokens(["<tr>", "<td", " colspan=15", ">", "</td>", "</tr>"])
    assert unquoted.n_cols == 15


def test_span_sizes_are_exact_in_tokens_and_workbook() -> None:
    """PFCCLab#116: spans came out one cell short or long between Excel and gt.txt."""
    table = merge_cells(grid_table([0, 1, 2, 3], [0, 1, 2, 3, 4]), 0, 0, 1, 2)  # rows 0-1, columns 0-2
    assert [t for t in structure_tokens(table) if "span" in t] == [' colspan="3"', ' rowspan="2"']
    if HAS_OPENPYXL:
        import io

        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(xlsx_bytes([table]))).worksheets[0]
        assert [str(r) for r in sheet.merged_cells.ranges] == ["A1:C2"]


def test_empty_and_header_cells() -> None:
    cells = cell_entries(sample())
    assert cells[0] == {"tokens": []}  # an empty cell: no bbox (PubTabNet; TableLabelEncode masks it)
    assert cells[1] == {"tokens": list("Quarter <b> & co"), "bbox": [30, 0, 390, 20]}
    page = table_html(sample())
    assert '<th colspan="12">Quarter &lt;b&gt; &amp; co</th>' in page and '<td rowspan="3">North</td>' in page


@pytest.mark.skipif(not HAS_OPENPYXL, reason="openpyxl (the tables extra) is not installed")
def test_xlsx_merged_ranges_and_texts() -> None:
    import io

    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx_bytes([sample()], ["a/b:c"]))).worksheets[0]
    assert sorted(str(r) for r in sheet.merged_cells.ranges) == ["A2:A4", "B1:M1"]
    assert sheet["B1"].value == "Quarter <b> & co" and sheet["B1"].font.b and sheet["F3"].value == "42"
    assert sheet.title == "a_b_c"


def test_xlsx_without_openpyxl_names_the_extra(monkeypatch) -> None:
    import labeler.core.extras as extras

    monkeypatch.setattr(extras, "module_present", lambda name: False)
    with pytest.raises(MissingExtraError, match=r"'tables' extra \(openpyxl==3.1.5\)"):
        xlsx_bytes([sample()])


def gt_line(name: str, table: Table) -> str:
    return json.dumps(paddle_label(name, table), ensure_ascii=False)


def test_gt_txt_import_keeps_good_lines_and_names_bad_ones(tmp_path) -> None:
    ppocrlabel_cell = {"tokens": list("ab"), "bbox": [[0, 0], [10, 0], [10, 10], [0, 10]]}  # its 4-point boxes
    lines = [
        gt_line("a.png", sample()),
        "{broken",
        json.dumps({"filename": "../escape.png", "html": {"structure": {"tokens": []}, "cells": []}}),
        json.dumps(
            {
                "filename": "b.png",
                "html": {"structure": {"tokens": ["<tr>", "<td>", "</td>", "</tr>"]}, "cells": [ppocrlabel_cell]},
            }
        ),  # fmt: skip
        json.dumps({"filename": "c.png", "html": {"structure": {"tokens": ["<tr>", "<td>", "<script>"]}}}),
    ]
    gt = tmp_path / "gt.txt"
    gt.write_text("\n".join(lines) + "\n", "utf-8")
    read = read_gt_file(gt)
    assert [t.filename for t in read.tables] == ["a.png", "b.png"]
    assert [(e.line, e.path) for e in read.errors] == [(2, str(gt)), (3, str(gt)), (5, str(gt))]
    assert "unknown structure token" in str(read.errors[2])
    assert read.tables[0].table.cell_at(0, 1).text == "Quarter <b> & co"
    assert read.tables[1].table.cell_at(0, 0).polygon == [(0, 0), (10, 0), (10, 10), (0, 10)]


def test_empty_gt_txt_reads_as_no_tables(tmp_path) -> None:
    """PFCCLab#52: PPOCRLabel wrote an empty gt.txt; reading one is no error, and our export never writes one
    for tables that exist (see test_export_folder)."""
    gt = tmp_path / "gt.txt"
    gt.write_text("", "utf-8")
    assert read_gt_file(gt).tables == [] and read_gt_file(gt).errors == []


def test_gt_line_with_more_cells_than_tds_is_refused() -> None:
    raw = json.dumps({"filename": "a.png", "html": {"structure": {"tokens": ["<tr>", "<td>", "</td>", "</tr>"]},
                                                    "cells": [{"tokens": ["a"]}, {"tokens": ["b"]}]}})  # fmt: skip
    with pytest.raises(ValueError, match="2 cells for 1"):
        parse_gt_line(raw)


def test_export_folder_splits_agree_with_det_and_rec(tmp_path) -> None:
    folder = tmp_path / "imgs"
    records = []
    for i in range(12):
        img, table, regions = render_table(TableSpec(3, 4, spans=[(0, 1, 1, 3)], seed=i))
        write_image(folder / f"t{i}.png", img)
        records.append(ImageRecord(f"t{i}.png", status=ImageStatus.CONFIRMED, regions=regions, tables=[table]))
    records.append(
        ImageRecord("plain.png", status=ImageStatus.CONFIRMED, regions=[TextRegion([(0, 0), (5, 0), (5, 5)], "x")])
    )
    write_image(folder / "plain.png", img)
    options = ExportOptions(split=SplitRatios(6, 3, 3), seed=7, workers=1)
    det = export_dataset(records, folder, tmp_path / "det", options)
    assert det.images_exported == 13
    report = export_tables(records, folder, tmp_path / "tables", TableExportOptions(options, xlsx=HAS_OPENPYXL))
    assert sum(report.tables.values()) == 12 and report.skipped == [] and report.extra_tokens == []
    assert len((tmp_path / "tables" / "table_structure_dict.txt").read_text("utf-8").splitlines()) == 28
    det_split = {}
    for name in ("train", "val", "test"):
        for line in (tmp_path / "det" / "det" / f"{name}.txt").read_text("utf-8").splitlines():
            det_split[line.split("\t")[0].removeprefix("images/")] = name
    out = tmp_path / "tables"
    for name in ("train", "val", "test"):
        for line in (out / f"{name}.txt").read_text("utf-8").splitlines():
            label = json.loads(line)
            image = label["filename"].removeprefix("images/").replace("_table0.png", ".png")
            assert det_split[image] == name
            assert (out / label["filename"]).is_file()
            assert all(len(c["bbox"]) == 4 for c in label["html"]["cells"] if c["tokens"])
    gt = (out / "gt.txt").read_text("utf-8").splitlines()
    assert len(gt) == 12 and (out / "html" / "t0_table0.html").is_file()
    assert HAS_OPENPYXL == (out / "xlsx" / "t0.xlsx").is_file()
    # Crop coordinates: the first cell box starts at the crop's corner.
    first = json.loads(gt[0])["html"]["cells"]
    assert min(c["bbox"][0] for c in first if c["tokens"]) == 0
    # A second export replaces the first whole.
    export_tables(records[:2], folder, out, TableExportOptions(options))
    assert len((out / "gt.txt").read_text("utf-8").splitlines()) == 2


def test_cli_export_writes_the_tables_beside_det_and_rec(tmp_path, capsys) -> None:
    from labeler.cli import main
    from labeler.core.history import History
    from labeler.core.project import open_project, save_project
    from labeler.core.table_commands import AddTable

    folder = tmp_path / "imgs"
    img, table, regions = render_table(TableSpec(3, 13, spans=[(0, 0, 1, 12)], seed=2))
    write_image(folder / "a.png", img)
    project = open_project(folder)
    record = project.record("a.png")
    record.regions, record.status = regions, ImageStatus.CONFIRMED
    History(record).push(AddTable(table))
    save_project(project)
    status = main(["export", str(folder), "--out", str(tmp_path / "out"), "--tables", str(tmp_path / "tab"),
                   "--workers", "1"])  # fmt: skip
    assert status == 0 and "tables: 1 train" in capsys.readouterr().out
    [line] = (tmp_path / "tab" / "train.txt").read_text("utf-8").splitlines()
    assert ' colspan="12"' in json.loads(line)["html"]["structure"]["tokens"]
    # PaddleOCR's default structure dict stops at 10 and its encoder drops unknown tokens silently.
    assert (tmp_path / "tab" / "table_structure_dict.txt").read_text("utf-8").splitlines()[-1] == ' colspan="12"'
    assert json.loads((tmp_path / "tab" / "report.json").read_text("utf-8"))["extra_tokens"] == [' colspan="12"']
    assert (tmp_path / "out" / "det" / "train.txt").read_text("utf-8").startswith("images/a.png\t")


def test_gt_tables_match_records_by_path_then_by_file_name(tmp_path) -> None:
    corners = {"tokens": ["x"], "bbox": [5, 5, 25, 5, 25, 15, 5, 15]}  # SLANet_ch's flattened corners
    lines = [
        gt_line("sub/a.png", sample()),
        json.dumps(
            {
                "filename": "b.png",
                "html": {"structure": {"tokens": ["<tr>", "<td>", "</td>", "</tr>"]}, "cells": [corners]},
            }
        ),  # fmt: skip
        gt_line("b.png", sample()),
        gt_line("nowhere.png", sample()),
    ]
    gt = tmp_path / "gt.txt"
    gt.write_text("\n".join(lines), "utf-8")
    records = [ImageRecord("sub/a.png"), ImageRecord("imgs/b.png")]
    found, unmatched = match_gt_tables(records, read_gt_file(gt))
    assert sorted(found) == ["imgs/b.png", "sub/a.png"] and len(found["imgs/b.png"]) == 2
    assert found["imgs/b.png"][0].cell_at(0, 0).polygon == [(5, 5), (25, 5), (25, 15), (5, 15)]
    assert [u.filename for u in unmatched] == ["nowhere.png"]


def test_th_cells_and_a_span_after_a_whole_td() -> None:
    table = table_from_tokens(["<tr>", "<th>", "</th>", "<th", ' colspan="2"', ">", "</th>", "</tr>",
                               "<tr>", "<td>", "</td>", "<td>", "</td>", "<td>", "</td>", "</tr>"])  # fmt: skip
    assert table.header_rows == 1 and table.cell_at(0, 2).colspan == 2
    with pytest.raises(ValueError, match="outside a <td"):
        table_from_tokens(["<tr>", "<td>", ' colspan="2"', "</td>", "</tr>"])


def test_export_never_writes_outside_its_folder(tmp_path) -> None:
    img, table, regions = render_table(TableSpec(2, 2))
    write_image(tmp_path / "imgs" / "a.png", img)
    records = [
        ImageRecord("../a.png", status=ImageStatus.CONFIRMED, regions=regions, tables=[table]),
        ImageRecord("a.png", status=ImageStatus.CONFIRMED, regions=regions, tables=[table]),
    ]
    report = export_tables(records, tmp_path / "imgs", tmp_path / "out")
    assert report.skipped == ["../a.png: path must be relative, inside the folder, without line breaks"]
    assert sum(report.tables.values()) == 1 and not (tmp_path / "a_table0.png").exists()
