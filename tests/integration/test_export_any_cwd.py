"""`labeler export` from a directory that holds a folder named `labeler` (e.g. the folder of a clone)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

SCRIPT = Path(sys.executable).with_name("labeler")


@pytest.mark.skipif(not SCRIPT.exists(), reason="needs the installed `labeler` console script")
def test_export_workers_ignore_a_labeler_folder_in_the_working_directory(tmp_path: Path) -> None:
    (tmp_path / "labeler").mkdir()  # shadowed the package in the forkserver: every worker died
    proj = tmp_path / "proj"
    proj.mkdir()
    region = [{"transcription": "hello", "points": [[0, 0], [50, 0], [50, 20], [0, 20]], "difficult": False}]
    names = ["receipt_en.png", "form_en.png"]
    for name in names:
        shutil.copy(REPO / "resources" / "demo" / name, proj / name)
    (proj / "Label.txt").write_text("".join(f"proj/{n}\t{json.dumps(region)}\n" for n in names), encoding="utf-8")
    proc = subprocess.run(
        [str(SCRIPT), "export", "proj", "--out", "out", "--workers", "2"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert len((tmp_path / "out" / "rec" / "rec_gt.txt").read_text(encoding="utf-8").splitlines()) == 2
    assert report["cancelled"] is False
