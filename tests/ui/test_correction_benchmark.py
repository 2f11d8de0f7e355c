"""benchmarks/correction.py's scripted annotator on a tiny synthetic project: it reaches the GT in every row.

Three rendered pages with known boxes; the pre-labels carry one error of each kind (wrong text, loose box,
false box, missing box, a line split in two, two words read as one line, a `###` region read as text). Not timed: the counts must be
plausible and the saved Label.txt must equal the GT (zero_edit 1.000, strict check clean).
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import cv2
import pytest

from tests.conftest import render_lines, write_image

REPO = Path(__file__).resolve().parents[2]
FONT, SCALE, THICK = cv2.FONT_HERSHEY_DUPLEX, 1.4, 2


def _load_benchmark():
    path = REPO / "benchmarks" / "correction.py"
    spec = importlib.util.spec_from_file_location("correction_benchmark", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _box(i: int, text: str, x0: int = 40) -> list[list[int]]:
    """The GT box of line i as render_lines draws it (baseline at 80 + 80 i)."""
    (w, h), base = cv2.getTextSize(text, FONT, SCALE, THICK)
    top, bottom = 80 + i * 80 - h - 6, 80 + i * 80 + base + 4
    return [[x0 - 4, top], [x0 + w + 4, top], [x0 + w + 4, bottom], [x0 - 4, bottom]]


def _region(text: str, points, difficult: bool = False, score: float | None = None) -> dict:
    out = {"transcription": text, "points": points, "difficult": difficult}
    if score is not None:
        out["score"] = score
    return out


@pytest.fixture
def project(tmp_path: Path, monkeypatch):
    config = tmp_path / "config"
    (config / "labeler").mkdir(parents=True)
    (config / "labeler" / "settings.json").write_text('{"prelabel_on_open": false}\n', encoding="utf-8")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config))
    src = tmp_path / "src" / "images"
    lines1 = ["hello world", "Total: 42.50", "open sesame"]
    lines2 = ["second page", "a split line", "smudge"]
    line3 = "Name:      Lee Smith"  # two GT words the pre-label reads as one line
    write_image(src / "one.png", render_lines(lines1))
    write_image(src / "two.png", render_lines(lines2))
    write_image(src / "three.png", render_lines([line3]))
    x_word2 = 40 + cv2.getTextSize("Name:      ", FONT, SCALE, THICK)[0][0]
    gt = {
        "images/one.png": [_region(t, _box(i, t)) for i, t in enumerate(lines1)],
        "images/two.png": [
            _region(lines2[0], _box(0, lines2[0])),
            _region(lines2[1], _box(1, lines2[1])),
            _region("###", _box(2, lines2[2]), difficult=True),
        ],
        "images/three.png": [_region("Name:", _box(0, "Name:")), _region("Lee Smith", _box(0, "Lee Smith", x_word2))],
    }
    b = _box(2, lines1[2])
    loose = [
        [b[0][0] - 10, b[0][1] - 6],
        [b[1][0] + 40, b[1][1] - 6],
        [b[2][0] + 40, b[2][1] + 6],
        [b[3][0] - 10, b[3][1] + 6],
    ]
    s = _box(1, lines2[1])
    mid = (s[0][0] + s[1][0]) // 2
    pre = {
        "images/one.png": [
            _region(lines1[0], _box(0, lines1[0]), score=0.99),
            _region("Tota1: 42.5O", _box(1, lines1[1]), score=0.6),  # wrong text, low confidence
            _region(lines1[2], loose, score=0.95),  # loose box
            _region("noise", [[600, 260], [700, 260], [700, 300], [600, 300]], score=0.5),  # false box
        ],
        "images/two.png": [
            # line 0 missing; line 1 split in two pieces; the ### region read as text
            _region("a split", [s[0], [mid - 10, s[1][1]], [mid - 10, s[2][1]], s[3]], score=0.9),
            _region("line", [[mid + 10, s[0][1]], s[1], s[2], [mid + 10, s[3][1]]], score=0.9),
            _region("smudge", _box(2, lines2[2]), score=0.7),
        ],
        "images/three.png": [_region("Name: Lee Smith", _box(0, line3), score=0.9)],  # merged: split it
    }

    def write(path: Path, data: dict) -> Path:
        path.write_text("".join(f"{k}\t{json.dumps(v)}\n" for k, v in data.items()), encoding="utf-8")
        return path

    gt_file = write(tmp_path / "src" / "Label.txt", gt)
    pre_file = write(tmp_path / "Cache.cach", pre)
    return sorted(src.iterdir()), gt_file, pre_file


def test_scripted_annotator_reaches_the_ground_truth(qapp, project):
    bench = _load_benchmark()
    images, gt_file, pre_file = project
    gt = bench.load_gt(gt_file)
    kg, kp = bench.classify(gt["images/one.png"], bench.load_gt(pre_file)["images/one.png"])
    assert kg == ["right", "wrong_text", "loose_box"] and kp[-1] == "false_box"
    kg2, _kp2 = bench.classify(gt["images/two.png"], bench.load_gt(pre_file)["images/two.png"])
    assert kg2 == ["missing", "split", "difficult"]
    assert bench.classify(gt["images/three.png"], bench.load_gt(pre_file)["images/three.png"])[0] == ["merged"] * 2
    rows = bench.run_all(qapp, images, gt, pre_file)
    for name, row in rows.items():
        assert row.zero_edit == 1.0, (name, row.problems)
        assert row.strict_ok and not row.problems, (name, row.problems)
        assert not row.void
    scratch, ppo, lab = (rows[k] for k in bench.ROWS)
    typed = sum(bench.text_keys(r.transcription) for regions in gt.values() for r in regions)
    n_gt = sum(len(regions) for regions in gt.values())
    assert scratch.total.drags == n_gt and scratch.total.keys >= typed  # every box drawn, every text typed
    assert scratch.total.mentals >= n_gt + len(gt)
    for row in (ppo, lab):
        assert row.total.seconds < scratch.total.seconds
        for kind in ("wrong_text", "loose_box", "false_box", "missing", "split", "merged", "difficult"):
            assert row.counts[kind].seconds > 0, (row.name, kind)
        assert row.counts["loose_box"].drags >= 1 and row.counts["false_box"].keys >= 1
    assert lab.total.seconds <= ppo.total.seconds
    assert lab.counts["merged"].seconds < ppo.counts["merged"].seconds  # split at the text cursor, not redrawn
    out = bench.to_json(rows, {})
    assert set(out) >= {"from_scratch", "ppocrlabel_ops", "labeler", "final_zero_edit"}
    assert out["labeler"]["keys"] == lab.total.keys and out["final_zero_edit"] == 1.0


LATER_OPERATIONS = ("merge_regions", "split_region", "split_words", "toggle_difficult", "dont_care", "draw_dont_care")


def _without_operations(window_class, names=LATER_OPERATIONS):
    """The window as it was before these operations (merge, split, difficult key): their action ids hidden."""

    class Window(window_class):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            for name in names:
                self.actions_by_name.pop(name, None)

    return Window


def test_operations_found_by_id_are_used(qapp, project, monkeypatch):
    """merge_regions and toggle_difficult, found by action id, make the labeler row cheaper; PPOCRLabel's row
    (which may not use them) costs the same whether the window has them or not."""
    import labeler.ui.main_window as main_window

    bench = _load_benchmark()
    images, gt_file, pre_file = project
    gt = bench.load_gt(gt_file)
    ppo = bench.run_row(qapp, "ppocrlabel_ops", images, gt, pre_file)
    after = bench.run_row(qapp, "labeler", images, gt, pre_file)
    monkeypatch.setattr(main_window, "MainWindow", _without_operations(main_window.MainWindow))
    before = bench.run_row(qapp, "labeler", images, gt, pre_file)
    ppo_before = bench.run_row(qapp, "ppocrlabel_ops", images, gt, pre_file)
    for row in (ppo, after, before, ppo_before):
        assert row.zero_edit == 1.0 and not row.void, (row.name, row.problems)
    assert after.counts["split"].seconds < before.counts["split"].seconds  # one merge, not a delete and a reshape
    assert (
        after.counts["difficult"].seconds < before.counts["difficult"].seconds
    )  # one key, not ### typed and a check box
    assert ppo.counts["split"].seconds == pytest.approx(ppo_before.counts["split"].seconds)  # PPOCRLabel: no merge
