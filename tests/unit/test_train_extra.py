"""`labeler train` without the `train` extra stops at once with what is missing and the pip command (issue 12).

The extra is made really absent, not faked (tests/isolated_env.py): the child runs `python -S` with a copy of
this environment's site-packages (links) that lacks torch and onnx, so find_spec finds neither, as on a machine
where only the base package was installed; a stub torch that raises on import would still be *found*.
"""

from __future__ import annotations

import importlib.metadata
import json
import sys
import time
from pathlib import Path

import pytest

from labeler.core import extras
from labeler.core.extras import (
    FALLBACK_REQUIREMENTS,
    TRAIN,
    ExtraStatus,
    MissingExtraError,
    extra_status,
    import_name,
    require_extra,
    requirements_from_metadata,
)
from tests.conftest import REPO, render_lines, write_image
from tests.isolated_env import run_without


def confirmed_project(folder: Path) -> Path:
    """A PPOCRLabel folder with one confirmed image: enough for `labeler train` to start exporting."""
    write_image(folder / "img1.png", render_lines(["second page"]))
    region = [
        {"transcription": "second page", "points": [[38, 50], [320, 50], [320, 92], [38, 92]], "difficult": False}
    ]
    (folder / "Label.txt").write_text(f"{folder.name}/img1.png\t{json.dumps(region)}\n", encoding="utf-8")
    (folder / "fileState.txt").write_text(f"{folder.name}/img1.png\t1\n", encoding="utf-8")
    return folder


def test_the_isolated_child_really_lacks_the_train_extra(tmp_path):
    probe = (
        "import importlib.util as u, labeler.core.extras as e; "
        "print(u.find_spec('torch'), u.find_spec('onnx'), u.find_spec('onnxruntime') is not None, "
        "e.extra_status().missing, e.extra_status().source)"
    )
    done = run_without(tmp_path, "-c", probe)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["None", "None", "True", "('torch',", "'onnx')", "metadata"]


def test_labeler_train_without_torch_says_what_is_missing_and_exits_1_at_once(tmp_path):
    project = confirmed_project(tmp_path / "data")
    started = time.monotonic()
    done = run_without(tmp_path, "-m", "labeler", "train", str(project), "--max-steps", "1")
    elapsed = time.monotonic() - started
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert elapsed < 5, elapsed
    assert "ModuleNotFoundError" not in done.stderr and "Traceback" not in done.stderr
    assert "'train' extra" in done.stderr and "missing: torch, onnx" in done.stderr
    assert f"{sys.executable} -m pip install -e '{REPO}[train]'" in done.stderr  # a checkout: the editable form
    events = [json.loads(line) for line in done.stdout.splitlines()]
    assert [e["event"] for e in events] == ["error"]  # a window running this sees the same message
    assert "missing: torch, onnx" in events[0]["message"]
    assert not (project / ".labeler" / "runs").exists() and not (project / "rec").exists()  # no work was done


def test_history_needs_no_torch(tmp_path):
    project = confirmed_project(tmp_path / "data")
    done = run_without(tmp_path, "-m", "labeler", "train", str(project), "--history")
    assert done.returncode == 0, done.stderr
    assert "no trained versions yet" in done.stdout


# ------------------------------------------------------------------ the check itself, in this process


def _pyproject_extra(name: str) -> tuple[str, ...]:
    tomllib = pytest.importorskip("tomllib")
    data = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    return tuple(data["project"]["optional-dependencies"][name])


def test_requirements_come_from_the_metadata_and_match_pyproject():
    status = extra_status(TRAIN)
    assert status.source == "metadata"
    assert status.requirements == _pyproject_extra(TRAIN) == ("torch==2.13.0", "onnx>=1.15")
    assert FALLBACK_REQUIREMENTS[TRAIN] == _pyproject_extra(TRAIN)  # the built-in copy follows pyproject.toml
    assert status.pip_argv("/py") == ["/py", "-m", "pip", "install", "torch==2.13.0", "onnx>=1.15"]


def test_without_metadata_the_checkout_pyproject_answers_then_the_built_in_copy(monkeypatch, tmp_path):
    def no_dist(_name):
        raise importlib.metadata.PackageNotFoundError("labeler")

    monkeypatch.setattr(importlib.metadata, "requires", no_dist)
    assert extras.extra_requirements(TRAIN) == (_pyproject_extra(TRAIN), "pyproject.toml")
    monkeypatch.setattr(extras, "CHECKOUT", tmp_path)  # an installed wheel: no pyproject.toml beside the package
    assert extras.extra_requirements(TRAIN) == (FALLBACK_REQUIREMENTS[TRAIN], "built-in")


def test_requires_dist_entries_are_read_by_their_extra_marker():
    requires = [
        "PyQt5>=5.15",
        'pytest>=7; extra == "test"',
        "torch==2.13.0; extra == 'train'",
        'onnx >= 1.15 ; python_version >= "3.10" and extra == "train"',
    ]
    assert requirements_from_metadata(requires, "train") == ("torch==2.13.0", "onnx>=1.15")
    assert requirements_from_metadata(requires, "test") == ("pytest>=7",)
    assert requirements_from_metadata(None, "train") == ()
    assert [import_name(r) for r in ("torch==2.13.0", "onnx>=1.15", "opencv-python-headless>=4.8", "PyQt5")] == [
        "torch",
        "onnx",
        "cv2",
        "PyQt5",
    ]


def test_require_extra_raises_a_typed_error_naming_the_missing_modules(monkeypatch):
    monkeypatch.setattr(extras, "module_present", lambda name: name != "torch")
    with pytest.raises(MissingExtraError) as caught:
        require_extra(TRAIN)
    assert caught.value.status.missing == ("torch",)
    assert "(missing: torch)" in str(caught.value) and "pip install" in str(caught.value)
    wheel = ExtraStatus(TRAIN, ("torch==2.13.0",), ("torch",), "metadata", checkout=None)
    assert wheel.hint_argv("/py") == ["/py", "-m", "pip", "install", "labeler[train]"]
