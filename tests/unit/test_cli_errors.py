"""docs/cli-errors.md, run for real: every row of its table is one `python -m labeler ...` whose exit status and
message must be the documented ones, so the document and the behaviour cannot drift (issue 12, item 7).
Also: a reader closing the pipe early (`labeler ocr A B | head -1`) ends the command quietly with 141."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REPO, render_lines, write_image

DOC = REPO / "docs" / "cli-errors.md"
HEADER = ["command", "wrong input", "message contains", "status"]
EXIT_BROKEN_PIPE = 141


@dataclass(frozen=True)
class Row:
    command: str
    wrong_input: str
    message: str
    status: int


def _cell(text: str) -> str:
    text = text.strip()
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] == "`" else text


def doc_rows() -> list[Row]:
    """The rows of the table whose header is HEADER; cells hold no '|' (the document says so)."""
    rows, in_table = [], False
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if not line.startswith("|"):
            in_table = False
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells == HEADER:
            in_table = True
        elif in_table and not re.fullmatch(r"[-: ]+", "".join(cells)):
            assert len(cells) == 4, f"docs/cli-errors.md: a row needs 4 cells: {line}"
            rows.append(Row(_cell(cells[0]), cells[1], _cell(cells[2]), int(cells[3])))
    return rows


def make_fixtures(root: Path) -> dict[str, str]:
    """The inputs the table's {placeholders} name (its legend describes each)."""
    project = root / "project"
    write_image(project / "a.png", render_lines(["alpha"], size=(200, 60), scale=0.6))
    write_image(project / "b.png", render_lines(["beta"], size=(200, 60), scale=0.6))
    write_image(project / "c.png", render_lines(["gamma"], size=(200, 60), scale=0.6))  # new: to pre-label
    region = [{"transcription": "alpha", "points": [[0, 0], [9, 0], [9, 9], [0, 9]], "difficult": False}]
    (project / "Label.txt").write_text(f"project/a.png\t{json.dumps(region)}\n", encoding="utf-8")
    (project / "fileState.txt").write_text("project/a.png\t1\n", encoding="utf-8")
    (project / "Cache.cach").write_text(f"project/b.png\t{json.dumps(region)}\n", encoding="utf-8")
    (root / "folder").mkdir()
    (root / "file.txt").write_text("not what was asked for\n", encoding="utf-8")
    (root / "notimage.png").write_text("not an image\n", encoding="utf-8")
    bad = root / "bad" / "Label.txt"
    bad.parent.mkdir()
    bad.write_text('bad/x.png\t[{"points": oops}]\n', encoding="utf-8")
    empty = root / "empty" / "Label.txt"
    empty.parent.mkdir()
    empty.write_text("", encoding="utf-8")
    (root / "gt").mkdir()
    (root / "gt" / "gt_img_1.txt").write_text("1,1,10,1,10,5,1,5,text\n", encoding="utf-8")
    write_image(root / "images" / "img_1.png", render_lines(["text"], size=(60, 20), scale=0.3))
    broken = root / "broken_set"
    broken.mkdir()
    manifest = {"name": "broken", "det": {"file": "det.onnx"}, "rec": {"file": "rec.onnx"}}
    (broken / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    registered = root / "config" / "labeler" / "models" / "shop"
    registered.mkdir(parents=True)
    (registered / "manifest.json").write_text(json.dumps({**manifest, "name": "shop"}), encoding="utf-8")
    return {
        "missing": str(root / "missing"),
        "file": str(root / "file.txt"),
        "folder": str(root / "folder"),
        "project": str(project),
        "label": str(project / "Label.txt"),
        "image": str(project / "a.png"),
        "not_image": str(root / "notimage.png"),
        "bad_label": str(bad),
        "empty_label": str(empty),
        "gt": str(root / "gt"),
        "images": str(root / "images"),
        "broken_set": str(broken),
        "out": str(root / "out"),
        "config": str(root / "config"),
    }


def run_labeler(args: list[str], config: str, **kwargs) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO), XDG_CONFIG_HOME=config)
    env.pop("LABELER_MODELS", None)
    kwargs.setdefault("capture_output", True)
    return subprocess.run([sys.executable, "-m", "labeler", *args], text=True, env=env, timeout=180, cwd=REPO, **kwargs)


ROWS = doc_rows()


def test_the_table_covers_every_command_and_both_statuses():
    from labeler.cli import COMMANDS

    covered = {shlex.split(row.command)[1] for row in ROWS}
    assert set(COMMANDS) <= covered, f"docs/cli-errors.md has no row for {set(COMMANDS) - covered}"
    for name in COMMANDS:
        statuses = {row.status for row in ROWS if shlex.split(row.command)[1] == name}
        assert statuses == {1, 2}, f"{name}: rows for both a usage error (2) and a failure (1) wanted, got {statuses}"


@pytest.mark.parametrize("row", ROWS, ids=[row.command for row in ROWS])
def test_documented_error(row: Row, tmp_path: Path):
    places = make_fixtures(tmp_path)
    words = shlex.split(row.command)  # an argument list, never a shell line
    assert words[0] == "labeler", row.command
    done = run_labeler([word.format(**places) for word in words[1:]], places["config"])
    output = done.stdout + done.stderr
    assert done.returncode == row.status, f"{row.command}: exit {done.returncode}, documented {row.status}\n{output}"
    assert row.message.format(**places) in output, f"{row.command}: documented message not in the output"
    assert "Traceback" not in output
    if words[1] != "train" or done.returncode == 2 and not done.stdout:  # train's own errors are JSON events
        assert re.search(r"^labeler[\w ]*: error: ", done.stderr, re.M), f"{row.command}: not 'labeler ...: error:'"


def _closed_early(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess:
    """Run with stdout a pipe whose reader is gone before the command writes (`| head` after its line)."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return run_labeler(
            args, str(tmp_path / "config"), stdout=write_end, stderr=subprocess.PIPE, capture_output=False
        )
    finally:
        os.close(write_end)


def test_a_closed_pipe_ends_quietly_with_141(tmp_path: Path):
    done = _closed_early(["models", "list"], tmp_path)
    assert (done.returncode, done.stderr) == (EXIT_BROKEN_PIPE, "")


def test_ocr_into_a_closed_pipe_prints_no_traceback(tmp_path: Path):
    images = [write_image(tmp_path / f"{n}.png", render_lines(["hello"], size=(200, 60), scale=0.8)) for n in "ab"]
    done = _closed_early(["ocr", *map(str, images), "--models", "light"], tmp_path)
    assert done.returncode == EXIT_BROKEN_PIPE and "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr
