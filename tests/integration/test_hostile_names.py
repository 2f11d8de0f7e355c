"""Image names that PPOCRLabel's files cannot hold (not UTF-8; tab, newline, CR) are reported and left out."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from labeler.core.errors import UnusableFileNameError
from labeler.core.project import open_project
from tests.conftest import REPO, render_lines, write_image

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="byte file names are a POSIX thing")

BAD_NAMES = [b"\xb2\xe2\xca\xd4.png", b"tab\there.png", b"new\nline.png", b"carriage\rreturn.png"]


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "scans"
    write_image(folder / "good.png", render_lines(["hello world"]))
    data = (folder / "good.png").read_bytes()
    for name in BAD_NAMES:
        with open(os.path.join(os.fsencode(folder), name), "wb") as f:
            f.write(data)
    return folder


def test_open_reports_each_bad_name_and_keeps_the_rest(tmp_path: Path) -> None:
    project = open_project(_folder(tmp_path))
    assert [r.path for r in project.records] == ["good.png"]
    problems = [e for e in project.errors if isinstance(e, UnusableFileNameError)]
    assert len(problems) == 4
    text = "\n".join(str(e) for e in problems)
    text.encode("utf-8")  # printable: no lone surrogates
    assert "\\xb2\\xe2\\xca\\xd4.png: file name is not valid UTF-8" in text and "convmv" in text
    assert "tab\\there.png" in text and "new\\nline.png" in text and "carriage\\rreturn.png" in text


def test_prelabel_reports_them_writes_only_readable_lines_and_reruns(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    cmd = [sys.executable, "-m", "labeler", "prelabel", str(folder), "--models", "light"]
    for _ in range(2):  # the old code died at its first save, on every re-run
        proc = subprocess.run(cmd, capture_output=True, env=env, timeout=300)
        err = proc.stderr.decode("utf-8")
        assert proc.returncode == 1, err
        assert "Traceback" not in err and err.count("left out until it is renamed") >= 4
        cache = (folder / "Cache.cach").read_bytes()
        cache.decode("utf-8")  # nothing unreadable was written
        assert cache.count(b"\n") == 1 and cache.startswith(b"scans/good.png\t") and b"hello" in cache
