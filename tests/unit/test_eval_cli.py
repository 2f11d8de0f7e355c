"""`labeler eval` end to end on small label files written to tmp_path."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from labeler.cli import main


def region(x0, y0, x1, y1, text, difficult=False):
    return {"transcription": text, "points": [[x0, y0], [x1, y0], [x1, y1], [x0, y1]], "difficult": difficult}


def write_label(path, entries, extra_lines=()):
    lines = [f"{key}\t{json.dumps(regions, ensure_ascii=False)}" for key, regions in entries.items()]
    lines.extend(extra_lines)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


GT = {
    "train/a.jpg": [region(0, 0, 100, 20, "TOTAL"), region(0, 30, 100, 50, "12.50"), region(0, 60, 80, 80, "###")],
    "train/b.jpg": [region(0, 0, 50, 20, "Hello World")],
}
# a: one exact, one shifted below IoU 0.5 (1/3); b: right box, case and space differ.
PRED = {
    "other/a.jpg": [region(0, 0, 100, 20, "TOTAL"), region(50, 30, 150, 50, "12.50")],
    "other/b.jpg": [region(0, 0, 50, 20, "hello  world")],
}


@pytest.fixture
def files(tmp_path):
    gt = write_label(tmp_path / "Label.txt", GT)
    pred = write_label(tmp_path / "Cache.cach", PRED)
    return gt, pred


def run_json(capsys, *argv):
    rc = main(["eval", *map(str, argv), "--json"])
    captured = capsys.readouterr()
    return rc, json.loads(captured.out), captured.err


def test_json_output(files, capsys):
    rc, data, err = run_json(capsys, *files)
    assert rc == 0 and err == ""
    m, c = data["metrics"], data["counts"]
    # 3 scored GT, 3 predictions, 2 matched (TOTAL exact, Hello World only after normalising).
    assert (c["images"], c["gt_scored"], c["gt_dont_care"], c["predictions"], c["matched"]) == (2, 3, 1, 3, 2)
    assert m["det_precision"] == pytest.approx(2 / 3) and m["det_recall"] == pytest.approx(2 / 3)
    assert m["rec_acc"] == pytest.approx(0.5)
    assert m["rec_acc_norm"] == pytest.approx(1.0)
    # (1 + (1 - 3/12)) / 2
    assert m["one_minus_ned"] == pytest.approx(0.875)
    assert m["e2e_hmean"] == pytest.approx(1 / 3)
    assert m["zero_edit"] == pytest.approx(1 / 3)


def test_human_table(files, capsys):
    assert main(["eval", *map(str, files)]) == 0
    out = capsys.readouterr().out
    rows = {line.split()[0]: line.split()[1] for line in out.splitlines() if line.strip()}
    assert rows["det_hmean"] == "0.667"
    assert rows["rec_acc"] == "0.500"
    assert rows["rec_acc_norm"] == "1.000"
    assert rows["matched"] == "2"
    # Metric values line up in one column.
    metric_lines = [line for line in out.splitlines() if line.split() and line.split()[0] in ("det_hmean", "zero_edit")]
    assert len({line.index(line.split()[1]) for line in metric_lines}) == 1


def test_identical_files_score_one(files, capsys):
    gt, _ = files
    rc, data, _ = run_json(capsys, gt, gt)
    assert rc == 0
    assert all(v == 1.0 for v in data["metrics"].values())


def test_bad_lines_are_reported_and_the_rest_evaluated(tmp_path, capsys):
    gt = write_label(tmp_path / "Label.txt", GT, extra_lines=["train/c.jpg\t[{'points': eval}]"])
    pred = write_label(tmp_path / "Cache.cach", PRED, extra_lines=["no tab here"])
    rc, data, err = run_json(capsys, gt, pred)
    assert rc == 0
    assert f"{gt}:3:" in err and f"{pred}:3:" in err
    assert data["counts"]["images"] == 2 and data["errors"] == 2


def test_prediction_images_missing_from_gt_are_a_warning(tmp_path, capsys):
    gt = write_label(tmp_path / "Label.txt", GT)
    pred = write_label(tmp_path / "Cache.cach", {**PRED, "other/z.jpg": [region(0, 0, 5, 5, "z")]})
    rc, data, err = run_json(capsys, gt, pred)
    assert rc == 0
    assert "1 predicted image(s) not in the GT" in err
    assert data["counts"]["pred_images_not_in_gt"] == 1 and data["unmatched_pred"] == ["other/z.jpg"]


def test_empty_prediction_file_scores_zero(tmp_path, capsys):
    gt = write_label(tmp_path / "Label.txt", GT)
    pred = tmp_path / "Cache.cach"
    pred.write_text("", encoding="utf-8")
    rc, data, _ = run_json(capsys, gt, pred)
    assert rc == 0
    assert data["metrics"]["det_hmean"] == 0.0
    assert data["counts"]["images_missing_pred"] == 2


@pytest.mark.parametrize("which", ["gt", "pred"])
def test_nothing_readable_is_an_error(tmp_path, capsys, which):
    good = write_label(tmp_path / "Label.txt", GT)
    bad = tmp_path / "bad.txt"
    bad.write_text("garbage\nmore garbage\n", encoding="utf-8")
    args = [bad, good] if which == "gt" else [good, bad]
    assert main(["eval", *map(str, args)]) != 0
    err = capsys.readouterr().err
    assert f"{bad}:1:" in err and "no readable label lines" in err


def test_missing_file_is_an_error(tmp_path, capsys):
    gt = write_label(tmp_path / "Label.txt", GT)
    assert main(["eval", str(gt), str(tmp_path / "nope.cach")]) != 0
    assert "nope.cach" in capsys.readouterr().err


def test_per_image_listing(files, capsys):
    assert main(["eval", *map(str, files), "--per-image"]) == 0
    out = capsys.readouterr().out
    assert "train/a.jpg" in out and "train/b.jpg" in out
    rc, data, _ = run_json(capsys, *files, "--per-image")
    assert [row["key"] for row in data["per_image"]] == ["train/a.jpg", "train/b.jpg"]


def test_python_m_labeler_eval_json(files):
    proc = subprocess.run(
        [sys.executable, "-m", "labeler", "eval", *map(str, files), "--json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["counts"]["matched"] == 2
    assert data["metrics"]["rec_acc_norm"] == pytest.approx(1.0)
