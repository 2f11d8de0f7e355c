"""The wheel carries the bundled model sets and translations (mapped from models/ and resources/ at build time)."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from labeler.core.bundled import bundled_dir
from tests.conftest import REPO


def test_checkout_reads_the_top_level_folders() -> None:
    assert bundled_dir("models") == REPO / "models"
    assert (bundled_dir("translations") / "labeler_zh_CN.ts").is_file()


def test_wheel_holds_every_model_file_and_translation(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--quiet",
            str(REPO),
            "-w",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if proc.returncode != 0 and "No module named" in proc.stderr:  # setuptools absent: build isolated
        proc = subprocess.run(
            [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", str(REPO), "-w", str(tmp_path)],
            capture_output=True,
            text=True,
            timeout=600,
        )
    assert proc.returncode == 0, proc.stderr
    [wheel] = tmp_path.glob("labeler-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {
        f"labeler/bundled/models/{p.relative_to(REPO / 'models').as_posix()}"
        for p in (REPO / "models").rglob("*")
        if p.is_file()
    }
    expected |= {f"labeler/bundled/translations/{p.name}" for p in (REPO / "resources" / "translations").glob("*.ts")}
    expected |= {f"labeler/bundled/icons/{p.name}" for p in (REPO / "resources" / "icons").glob("*.svg")}
    assert expected <= names, sorted(expected - names)
    assert not any(n.startswith(("tests/", "benchmarks/", "models/", "resources/")) for n in names)
    assert wheel.stat().st_size > 30e6  # ~42 MB: the two model sets
