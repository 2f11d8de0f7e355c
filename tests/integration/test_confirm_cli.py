"""`labeler confirm`: a headless user promotes pre-labels to confirmed labels (issue 12, item 6)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from labeler.core.model import ImageStatus
from labeler.core.project import open_project
from tests.conftest import REPO, render_lines, write_image


def _run(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.run(
        [sys.executable, "-m", "labeler", *args], capture_output=True, text=True, env=env, timeout=120
    )


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "scans"
    folder.mkdir()
    lines = []
    for name, score in (("a.png", 0.99), ("b.png", 0.55), ("c.png", 0.97)):
        write_image(folder / name, render_lines([f"text {name}"], size=(200, 60), scale=0.6))
        region = {
            "transcription": f"text {name}",
            "points": [[0, 0], [9, 0], [9, 9], [0, 9]],
            "difficult": False,
            "score": score,
        }
        lines.append(f"scans/{name}\t{json.dumps([region])}\n")
    write_image(folder / "d.png", render_lines(["new"], size=(200, 60), scale=0.6))  # new: nothing to confirm
    (folder / "Cache.cach").write_text("".join(lines), encoding="utf-8")
    return folder


def _statuses(folder: Path) -> dict[str, ImageStatus]:
    return {r.path: r.status for r in open_project(folder, images=["a.png", "b.png", "c.png", "d.png"]).records}


def test_min_score_confirms_the_sure_ones_and_lists_the_rest(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    proc = _run("confirm", str(folder), "--min-score", "0.9")
    assert proc.returncode == 0, proc.stderr
    assert "confirmed 2 image(s) (2 regions)" in proc.stdout
    assert "b.png: a region scored 0.550 < --min-score 0.9" in proc.stdout
    assert _statuses(folder) == {
        "a.png": ImageStatus.CONFIRMED,
        "b.png": ImageStatus.PRELABELLED,
        "c.png": ImageStatus.CONFIRMED,
        "d.png": ImageStatus.NEW,
    }
    label = (folder / "Label.txt").read_text(encoding="utf-8")
    assert "scans/a.png\t" in label and "text a.png" in label and "b.png" not in label
    assert set((folder / "fileState.txt").read_text(encoding="utf-8").split()) >= {"scans/a.png", "scans/c.png"}


def test_named_images_dry_run_and_unknown_names(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    dry = _run("confirm", str(folder), "b.png", "--dry-run")
    assert dry.returncode == 0 and "would confirm 1 image(s)" in dry.stdout
    assert not (folder / "Label.txt").exists()
    proc = _run("confirm", str(folder), "b.png", "d.png", "nope.png")
    assert proc.returncode == 1
    assert "confirmed 1 image(s)" in proc.stdout and "d.png (new): not pre-labelled" in proc.stdout
    assert "not found: nope.png" in proc.stderr
    assert _statuses(folder)["b.png"] is ImageStatus.CONFIRMED


def test_then_export_works_headless(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    assert _run("confirm", str(folder)).returncode == 0
    out = tmp_path / "out"
    proc = _run("export", str(folder), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert len((out / "det" / "det_gt.txt").read_text(encoding="utf-8").splitlines()) == 3


def test_export_include_unconfirmed_needs_only_the_cache(tmp_path: Path) -> None:
    folder = _folder(tmp_path)  # Cache.cach only, no Label.txt
    refused = _run("export", str(folder), "--out", str(tmp_path / "no"))
    assert refused.returncode == 1 and "--include-unconfirmed" in refused.stderr
    proc = _run("export", str(folder), "--out", str(tmp_path / "out"), "--include-unconfirmed")
    assert proc.returncode == 0, proc.stderr
    assert len((tmp_path / "out" / "rec" / "rec_gt.txt").read_text(encoding="utf-8").splitlines()) == 3
