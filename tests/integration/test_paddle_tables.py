"""The real consumer of the table export: PaddleOCR's PubTabDataSet with TableLabelEncode and TableBoxEncode.

ppocr comes from the `paddleocr==2.10.0` wheel on CPU paddlepaddle (as in test_paddle_consumer.py); skipped
where it is not installed:

    python -m venv /tmp/paddle-venv && /tmp/paddle-venv/bin/pip install paddlepaddle paddleocr==2.10.0 pytest
    PYTHONPATH=. /tmp/paddle-venv/bin/python -m pytest -m paddle tests/integration/test_paddle_tables.py

Every line must decode to its own crop (PubTabDataSet swaps in another sample when one fails, so the path
is checked) with the structure we wrote (spans of 12 included, through the exported structure dict) and each
non-empty cell's box, for both box formats (SLANet's xyxy, SLANet_ch's four corners).
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path

import numpy as np
import pytest

from labeler.core.export import ExportOptions
from labeler.core.model import ImageRecord, ImageStatus
from labeler.core.split import SplitRatios
from labeler.core.table_export import TableExportOptions, export_tables
from tests.conftest import write_image
from tests.unit.table_render import TableSpec, render_table

pytestmark = pytest.mark.paddle


def _ppocr():
    spec = importlib.util.find_spec("paddleocr")
    if spec is None or spec.origin is None:
        pytest.skip("paddleocr is not installed")
    folder = os.path.dirname(spec.origin)
    if folder not in sys.path:
        sys.path.append(folder)
    try:
        from ppocr.data.pubtab_dataset import PubTabDataSet
        from ppocr.utils.logging import get_logger
    except ImportError as exc:
        pytest.skip(f"ppocr cannot be imported: {exc}")
    return PubTabDataSet, get_logger()


SPECS = [
    TableSpec(5, 14, spans=[(0, 1, 1, 12), (2, 0, 3, 1)], empty={(1, 3), (4, 7)}),
    TableSpec(4, 3, spans=[(1, 1, 2, 2)], header_rows=0, empty={(3, 0)}, seed=1),
    TableSpec(3, 13, spans=[(0, 0, 1, 12)], ruled=False, seed=2),
]


def _config(out: Path, label_file: Path, dict_path: Path, box_format: str) -> dict:
    loc = 4 if box_format == "xyxy" else 8
    transforms = [
        {"DecodeImage": {"img_mode": "BGR", "channel_first": False}},
        {
            "TableLabelEncode": {
                "learn_empty_box": False,
                "merge_no_span_structure": True,
                "replace_empty_cell_token": False,
                "loc_reg_num": loc,
                "max_text_length": 500,
            }
        },
        {"TableBoxEncode": {"in_box_format": box_format, "out_box_format": box_format}},
        {"KeepKeys": {"keep_keys": ["img_path", "image", "structure", "bboxes", "bbox_masks"]}},
    ]
    global_config = {"character_dict_path": str(dict_path), "max_text_length": 500, "box_format": box_format}
    dataset = {"name": "PubTabDataSet", "data_dir": str(out), "label_file_list": [str(label_file)],
               "transforms": transforms}  # fmt: skip
    loader = {"shuffle": False, "drop_last": False, "batch_size_per_card": 1, "num_workers": 0}
    return {"Global": global_config, "Eval": {"dataset": dataset, "loader": loader}}


def _merged(tokens: list[str]) -> list[str]:
    """Our tokens as TableLabelEncode's merge_no_span_structure sees them (`<td>`, `</td>` -> `<td></td>`)."""
    out, i = [], 0
    while i < len(tokens):
        if tokens[i] == "<td>":
            out.append("<td></td>")
            i += 2
        else:
            out.append(tokens[i])
            i += 1
    return out


@pytest.mark.parametrize("box_format", ["xyxy", "xyxyxyxy"])
def test_table_export_decodes_in_paddleocr(tmp_path, box_format):
    PubTabDataSet, logger = _ppocr()
    folder = tmp_path / "imgs"
    records = []
    for i, spec in enumerate(SPECS):
        img, table, regions = render_table(spec)
        write_image(folder / f"t{i}.png", img)
        records.append(ImageRecord(f"t{i}.png", status=ImageStatus.CONFIRMED, regions=regions, tables=[table]))
    out = tmp_path / "out"
    options = TableExportOptions(ExportOptions(split=SplitRatios(1, 0, 0)), box_format=box_format)
    report = export_tables(records, folder, out, options)
    assert report.extra_tokens == [' colspan="12"']
    label_file = out / "train.txt"
    lines = [json.loads(line) for line in label_file.read_text("utf-8").splitlines()]
    ds = PubTabDataSet(_config(out, label_file, out / "table_structure_dict.txt", box_format), "Eval", logger)
    encoder = ds.ops[1]
    assert len(ds) == len(lines) == 3
    for i, label in enumerate(lines):
        img_path, image, structure, bboxes, masks = ds[i]
        assert img_path == os.path.join(str(out), label["filename"]), "PubTabDataSet swapped in another sample"
        ids = list(structure)
        assert ids[0] == encoder.start_idx
        ids = ids[1 : ids.index(encoder.end_idx)]
        assert [encoder.idx2char[t] for t in ids] == _merged(label["html"]["structure"]["tokens"])
        height, width = image.shape[:2]
        scale = np.array([width, height] * (len(bboxes[0]) // 2), np.float32)
        td_rows = [k + 1 for k, t in enumerate(ids) if encoder.idx2char[t] in ("<td></td>", "<td")]
        assert len(td_rows) == len(label["html"]["cells"])
        for row, cell in zip(td_rows, label["html"]["cells"]):
            if cell["tokens"]:
                assert masks[row][0] == 1.0
                assert np.allclose(bboxes[row] * scale, cell["bbox"], atol=0.01)
            else:
                assert masks[row][0] == 0.0


def test_paddleocrs_own_dict_would_drop_a_twelve_column_span(tmp_path):
    """Why the export writes table_structure_dict.txt: with PaddleOCR's dict the span token vanishes silently."""
    PubTabDataSet, logger = _ppocr()
    own_dict = Path(importlib.util.find_spec("paddleocr").origin).parent / "ppocr/utils/dict/table_structure_dict.txt"
    img, table, regions = render_table(SPECS[0])
    write_image(tmp_path / "imgs" / "t.png", img)
    records = [ImageRecord("t.png", status=ImageStatus.CONFIRMED, regions=regions, tables=[table])]
    out = tmp_path / "out"
    export_tables(records, tmp_path / "imgs", out, TableExportOptions(ExportOptions(split=SplitRatios(1, 0, 0))))
    assert (
        own_dict.read_text("utf-8").splitlines()
        == (out / "table_structure_dict.txt").read_text("utf-8").splitlines()[:-1]
    )  # ours is theirs plus the one token
    ds = PubTabDataSet(_config(out, out / "train.txt", own_dict, "xyxy"), "Eval", logger)
    tokens = [ds.ops[1].idx2char[t] for t in ds[0][2]]
    assert ' colspan="12"' not in tokens and ' rowspan="3"' in tokens
