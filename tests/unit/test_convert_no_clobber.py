"""`labeler convert` never destroys labels: real files, real `python -m labeler convert` processes.

Without --force an existing output file is a refusal (status 2, the file named, every byte left as it
was, nothing created); with --force each replaced file's exact old bytes are kept under
`.labeler/backups/<time>/`, and a written Label.txt comes with a fileState.txt listing the same images.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from labeler.core.errors import FileError
from labeler.core.folder_lock import FolderLock
from labeler.core.formats import OutputPlan, OverwriteRefusedError, PlannedFile, write_plan
from labeler.core.model import TextRegion
from labeler.core.ppocrlabel_format import format_label_line

REPO = Path(__file__).resolve().parents[2]
QUAD = [(1, 1), (20, 1), (20, 8), (1, 8)]


def run_convert(*args: object, timeout: float = 60) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "labeler", "convert", *map(str, args)]
    env = {**os.environ, "PYTHONPATH": str(REPO), "QT_QPA_PLATFORM": "offscreen"}
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=REPO, env=env)


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` (hidden ones too) -> its bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def labelme_source(folder: Path, names: list[str]) -> Path:
    """A labelme folder with one region per image, its text the image's name."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        shape = {"label": f"text of {name}", "shape_type": "polygon", "points": [list(p) for p in QUAD]}
        doc = {"shapes": [shape], "imagePath": Path(name).name, "imageWidth": 40, "imageHeight": 20}
        target = folder / Path(name).with_suffix(".json")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(doc), encoding="utf-8")
    return folder


def ppocrlabel_project(folder: Path, n: int) -> Path:
    """A PPOCRLabel folder with n confirmed images (Label.txt + fileState.txt), as in the issue (15 lines)."""
    folder.mkdir(parents=True)
    names = [f"img{i:02d}.jpg" for i in range(n)]
    label = "".join(format_label_line(f"{folder.name}/{m}", [TextRegion(QUAD, f"old {m}")]) + "\n" for m in names)
    (folder / "Label.txt").write_text(label, encoding="utf-8")
    (folder / "fileState.txt").write_text("".join(f"{folder.name}/{m}\t1\n" for m in names), encoding="utf-8")
    (folder / "Cache.cach").write_text("", encoding="utf-8")
    return folder


def keys_of(path: Path) -> list[str]:
    return [line.split("\t", 1)[0] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def only_backup_dir(root: Path) -> Path:
    (backup,) = (root / ".labeler" / "backups").iterdir()
    assert len(backup.name) == len("20240101-120000") and backup.name[8] == "-", backup.name
    return backup


# ---------------------------------------------------------------------------------------------- PPOCRLabel


def test_ppocrlabel_refused_without_force_leaves_every_byte(tmp_path):
    project = ppocrlabel_project(tmp_path / "imgs", 15)
    src = labelme_source(tmp_path / "lm", ["img00.jpg"])
    before = snapshot(project)

    done = run_convert("--from", "labelme", "--to", "ppocrlabel", src, project)

    assert done.returncode == 2, done.stderr
    assert str(project / "Label.txt") in done.stderr and str(project / "fileState.txt") in done.stderr
    assert "--force" in done.stderr and "backup" in done.stderr
    assert snapshot(project) == before  # no temp files, no .labeler/ either


def test_ppocrlabel_force_backs_up_exact_bytes_and_state_agrees(tmp_path):
    project = ppocrlabel_project(tmp_path / "imgs", 15)
    src = labelme_source(tmp_path / "lm", ["img00.jpg", "new.jpg"])
    old_label, old_state = (project / "Label.txt").read_bytes(), (project / "fileState.txt").read_bytes()

    done = run_convert("--from", "labelme", "--to", "ppocrlabel", src, project / "Label.txt", "--force")

    assert done.returncode == 0, done.stderr
    backup = only_backup_dir(project)
    assert (backup / "Label.txt").read_bytes() == old_label
    assert (backup / "fileState.txt").read_bytes() == old_state
    assert sorted(p.name for p in backup.iterdir()) == ["Label.txt", "fileState.txt"]  # Cache.cach untouched
    assert f"replaced 2 existing file(s); their old versions are in {backup}" in done.stdout
    assert keys_of(project / "Label.txt") == ["imgs/img00.jpg", "imgs/new.jpg"]
    assert keys_of(project / "fileState.txt") == keys_of(project / "Label.txt")
    assert not [p.name for p in project.iterdir() if p.name.endswith(".tmp")]


def test_new_ppocrlabel_folder_gets_a_matching_file_state(tmp_path):
    src = labelme_source(tmp_path / "lm", ["a.jpg", "sub/b.jpg"])
    done = run_convert("--from", "labelme", "--to", "ppocrlabel", src, tmp_path / "out")  # a folder to make
    assert done.returncode == 0, done.stderr
    assert keys_of(tmp_path / "out" / "Label.txt") == ["out/a.jpg", "out/sub/b.jpg"]
    assert keys_of(tmp_path / "out" / "fileState.txt") == ["out/a.jpg", "out/sub/b.jpg"]
    assert not (tmp_path / "out" / ".labeler" / "backups").exists()  # nothing replaced, no backup


def test_ppocrlabel_write_waits_for_the_folder_lock(tmp_path):
    project = ppocrlabel_project(tmp_path / "imgs", 3)
    src = labelme_source(tmp_path / "lm", ["img00.jpg"])
    old_label = (project / "Label.txt").read_bytes()
    result: dict[str, subprocess.CompletedProcess] = {}
    with FolderLock(project):
        worker = threading.Thread(
            target=lambda: result.setdefault(
                "done", run_convert("--from", "labelme", "--to", "ppocrlabel", src, project, "--force")
            )
        )
        worker.start()
        time.sleep(2.5)  # ample for the process to start and reach the lock (about 0.5 s here)
        assert worker.is_alive() and (project / "Label.txt").read_bytes() == old_label
    worker.join(60)
    assert result["done"].returncode == 0, result["done"].stderr
    assert keys_of(project / "Label.txt") == ["imgs/img00.jpg"] == keys_of(project / "fileState.txt")


# ---------------------------------------------------------------------------------------------- per image


PER_IMAGE = {  # format -> (file of a.jpg, file of sub/c.jpg)
    "labelme": ("a.json", "sub/c.json"),
    "page": ("a.xml", "sub/c.xml"),
    "icdar2015": ("gt_a.txt", "sub/gt_c.txt"),
    "alto": ("a.xml", "sub/c.xml"),
}


@pytest.mark.parametrize("fmt", sorted(PER_IMAGE))
def test_per_image_refused_without_force_then_backed_up_with_it(fmt, tmp_path):
    first, nested = PER_IMAGE[fmt]
    out = tmp_path / "out"
    (out / nested).parent.mkdir(parents=True)
    (out / nested).write_bytes(b"hand-made labels of c \xe2\x9c\x93\n")  # a user's file, not ours
    (out / "notes.txt").write_bytes(b"unrelated\n")
    src = labelme_source(tmp_path / "lm", ["a.jpg", "b.jpg", "sub/c.jpg"])
    before = snapshot(out)

    refused = run_convert("--from", "labelme", "--to", fmt, src, out)

    assert refused.returncode == 2, refused.stderr
    assert str(out / nested) in refused.stderr and "--force" in refused.stderr
    assert snapshot(out) == before  # all or nothing: a.* and b.* were not written either

    forced = run_convert("--from", "labelme", "--to", fmt, src, out, "--force")

    assert forced.returncode == 0, forced.stderr
    backup = only_backup_dir(out)
    assert snapshot(backup) == {nested: before[nested]}  # only the replaced file, at its own relative path
    assert (out / nested).read_bytes() != before[nested] and (out / first).is_file()
    assert (out / "notes.txt").read_bytes() == b"unrelated\n"


def test_labelstudio_file_refused_then_backed_up(tmp_path):
    src = labelme_source(tmp_path / "lm", ["a.jpg"])
    tasks = tmp_path / "ls" / "tasks.json"
    tasks.parent.mkdir()
    tasks.write_bytes(b'[{"data": {"ocr": "mine.jpg"}}]\n')

    refused = run_convert("--from", "labelme", "--to", "labelstudio", src, tasks)
    assert refused.returncode == 2 and str(tasks) in refused.stderr
    assert tasks.read_bytes() == b'[{"data": {"ocr": "mine.jpg"}}]\n'

    assert run_convert("--from", "labelme", "--to", "labelstudio", src, tasks, "--force").returncode == 0
    assert (only_backup_dir(tasks.parent) / "tasks.json").read_bytes() == b'[{"data": {"ocr": "mine.jpg"}}]\n'
    assert "a.jpg" in tasks.read_text(encoding="utf-8")


def test_second_forced_run_keeps_both_backups_and_readers_skip_them(tmp_path):
    src = labelme_source(tmp_path / "lm", ["a.jpg", "b.jpg"])
    out = tmp_path / "page"
    assert run_convert("--from", "labelme", "--to", "page", src, out).returncode == 0
    for _ in range(2):  # within one second: the second backup folder gets a -2 suffix
        assert run_convert("--from", "labelme", "--to", "page", src, out, "--force").returncode == 0
    assert len(list((out / ".labeler" / "backups").iterdir())) == 2
    back = run_convert("--from", "page", "--to", "labelme", out, tmp_path / "again")
    assert back.returncode == 0, back.stderr
    assert "converted 2 image(s)" in back.stdout  # the four backed-up XML files were not read as labels


def test_unwritable_target_writes_nothing(tmp_path):
    src = labelme_source(tmp_path / "lm", ["a.jpg", "new/b.jpg", "sub/c.jpg"])
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.json").write_bytes(b"old a\n")
    (out / "sub").write_bytes(b"a file where the subfolder goes\n")
    before = snapshot(out)
    done = run_convert("--from", "labelme", "--to", "labelme", src, out, "--force")
    # A write that fails is a failure (1), not a usage error (2): issue 12, item 7.
    assert done.returncode == 1 and f"{out / 'sub' / 'c.json'}: cannot write: a file is there" in done.stderr
    assert snapshot(out) == before
    assert sorted(p.name for p in out.iterdir()) == ["a.json", "sub"]  # new/ made for b.json removed again


# ---------------------------------------------------------------------------------------------- write_plan


def test_replace_failing_midway_puts_everything_back(tmp_path, monkeypatch):
    (tmp_path / "one.txt").write_bytes(b"old one\n")
    (tmp_path / "two.txt").write_bytes(b"old two\n")
    plan = OutputPlan(
        [PlannedFile(tmp_path / n, lambda n=n: f"new {n}".encode()) for n in ("one.txt", "new.txt", "two.txt")],
        tmp_path,
    )
    real_replace = os.replace

    def failing_replace(src, dst):
        if Path(dst).name == "two.txt":
            raise PermissionError(13, "Permission denied")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(FileError, match="two.txt"):
        write_plan(plan, force=True)
    monkeypatch.undo()
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()} == {
        "one.txt": b"old one\n",
        "two.txt": b"old two\n",
    }


def test_file_appearing_after_the_check_is_not_clobbered(tmp_path):
    other = tmp_path / "b.txt"

    def render_a() -> bytes:
        other.write_bytes(b"another writer's\n")  # lands between the check and the writes
        return b"a\n"

    plan = OutputPlan([PlannedFile(tmp_path / "a.txt", render_a), PlannedFile(other, lambda: b"b\n")], tmp_path)
    with pytest.raises(OverwriteRefusedError, match="b.txt"):
        write_plan(plan)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == {"b.txt": b"another writer's\n"}
