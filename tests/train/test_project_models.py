"""The project model store: staged sets, install by rename, history.json, rollback, and prelabel using it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from labeler.cli import main
from labeler.core.errors import ModelError
from labeler.ocr import project_models as pm
from labeler.ocr.registry import bundled_models_dir, resolve_model_set, sha256_of, verify_model_set
from tests.train.train_project import make_project


def _record(version: str, accepted: bool = True, base: float = 0.4, tuned: float = 0.6) -> pm.ModelVersion:
    return pm.ModelVersion(
        version=version,
        created=pm.now_iso(),
        base_model="ppocrv4-mobile",
        engine="torch",
        accepted=accepted,
        metrics={"base": {"zero_edit": base}, "tuned": {"zero_edit": tuned}},
        train_images=8,
        test_images=1,
        seconds=12.5,
        reason="test",
    )


def _stage(project: Path, name: str, set_name: str = "light") -> Path:
    """A staged copy of a bundled set in the project's run area (same file system as the store)."""
    staged = project / ".labeler" / "runs" / name / "model"
    base = resolve_model_set(set_name)
    pm.write_model_set(staged, base, {}, name, f"copy of {base.name}")
    return staged


@pytest.fixture
def project(tmp_path) -> Path:
    folder = tmp_path / "proj"
    folder.mkdir()
    (folder / "Label.txt").write_text("", encoding="utf-8")
    return folder


def test_empty_store(project):
    assert pm.list_versions(project) == []
    assert pm.active_model_dir(project) is None and pm.active_version(project) is None
    assert pm.next_version_name(project) == "v1"


def test_staged_set_is_self_contained_and_verifies(project):
    staged = _stage(project, "v1")
    manifest = json.loads((staged / "manifest.json").read_text("utf-8"))
    base = resolve_model_set("light")
    for stage in ("det", "rec", "cls"):
        entry = manifest[stage]
        assert "/" not in entry["file"]  # no ../common: the folder carries its own copy
        assert entry["sha256"] == sha256_of(staged / entry["file"])
        assert entry["preprocess"] == getattr(base, stage).preprocess
    assert manifest["rec"]["dict"] == "dict.txt"
    assert (staged / "dict.txt").read_bytes() == base.rec.dict_path.read_bytes()
    verify_model_set(resolve_model_set(staged))


def test_install_rename_history_and_rollback(project):
    staged = _stage(project, "v1")
    dest = pm.install_version(project, staged, _record("v1"))
    assert dest == project / ".labeler" / "models" / "v1" and not staged.exists()
    assert pm.active_model_dir(project) == dest
    assert resolve_model_set(pm.active_model_dir(project)).name == "v1"

    pm.record_run(project, _record("v2", accepted=False, tuned=0.3))
    assert not (project / ".labeler" / "models" / "v2").exists()
    dest3 = pm.install_version(project, _stage(project, "v3"), _record("v3"))
    versions = pm.list_versions(project)
    assert [(v.version, v.accepted) for v in versions] == [("v1", True), ("v2", False), ("v3", True)]
    assert pm.active_model_dir(project) == dest3
    assert versions[0].zero_edit("base") == 0.4 and versions[0].zero_edit() == 0.6

    pm.set_active(project, "v1")
    assert pm.active_model_dir(project) == dest
    pm.set_active(project, None)
    assert pm.active_model_dir(project) is None
    with pytest.raises(pm.ProjectModelsError, match="'v2' was rejected"):
        pm.set_active(project, "v2")
    with pytest.raises(pm.ProjectModelsError, match=r"unknown version 'v9' \(installed: v1, v3\)"):
        pm.set_active(project, "v9")
    assert pm.read_history(project).active is None  # failed rollbacks changed nothing


def test_install_refuses_a_corrupt_or_taken_version(project):
    staged = _stage(project, "v1")
    rec = next(staged.glob("*rec*.onnx"))
    data = bytearray(rec.read_bytes())
    data[-5] ^= 0xFF
    rec.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="sha256 mismatch"):
        pm.install_version(project, staged, _record("v1"))
    assert staged.is_dir() and pm.list_versions(project) == []  # nothing moved, nothing recorded

    pm.install_version(project, _stage(project, "v1b"), _record("v1"))
    with pytest.raises(pm.ProjectModelsError, match="already exists"):
        pm.install_version(project, _stage(project, "again"), _record("v1"))
    with pytest.raises(ValueError):
        pm.install_version(project, _stage(project, "rej"), _record("v2", accepted=False))


def test_history_keeps_unknown_keys_and_reports_bad_files(project):
    pm.record_run(project, _record("v1", accepted=False))
    path = pm.history_path(project)
    data = json.loads(path.read_text("utf-8"))
    data["versions"][0]["gpu_hours"] = 0
    path.write_text(json.dumps(data), "utf-8")
    pm.record_run(project, _record("v2", accepted=False))
    again = json.loads(path.read_text("utf-8"))
    assert again["versions"][0]["gpu_hours"] == 0 and again["active"] is None

    path.write_text("{not json", "utf-8")
    with pytest.raises(pm.ProjectModelsError, match="history.json: cannot read the model history"):
        pm.list_versions(project)
    path.write_text(json.dumps({"active": "v1", "versions": [{"version": "v1", "accepted": True}]}), "utf-8")
    with pytest.raises(pm.ProjectModelsError, match="active version 'v1' has no model folder"):
        pm.active_model_dir(project)


def test_version_names_skip_orphaned_folders(project):
    # A crash between the rename and the history write leaves a folder nobody lists: its name stays taken.
    (project / ".labeler" / "models" / "v4").mkdir(parents=True)
    assert pm.list_versions(project) == []
    assert pm.next_version_name(project) == "v5"
    with pytest.raises(pm.ProjectModelsError):
        pm.version_dir(project, "../evil")


def test_never_writes_into_the_bundled_folder():
    base = resolve_model_set("light")
    with pytest.raises(pm.ProjectModelsError, match="bundled models folder"):
        pm.write_model_set(bundled_models_dir() / "tuned", base, {}, "x", "x")
    assert not (bundled_models_dir() / "tuned").exists()


@pytest.mark.models
def test_prelabel_uses_the_active_version_unless_models_given(tmp_path, capsys):
    folder = make_project(tmp_path / "proj", n_images=1, unconfirmed=1)
    pm.install_version(folder, _stage(folder, "v1"), _record("v1"))
    assert main(["prelabel", str(folder), "--threads", "1"]) == 0
    err = capsys.readouterr().err
    assert "using this folder's trained model v1" in err and "zero_edit 0.400 -> 0.600" in err
    assert "page_01.png" in (folder / "Cache.cach").read_text("utf-8")

    assert main(["prelabel", str(folder), "--threads", "1", "--force", "--models", "light"]) == 0
    assert "trained model" not in capsys.readouterr().err
    pm.set_active(folder, None)
    assert main(["prelabel", str(folder), "--threads", "1", "--force"]) == 0
    assert "trained model" not in capsys.readouterr().err

    # The version's own files are what gets loaded: a damaged copy there stops the run, naming that file.
    pm.set_active(folder, "v1")
    rec = next((folder / ".labeler" / "models" / "v1").glob("*rec*.onnx"))
    rec.write_bytes(rec.read_bytes()[:-1])
    assert main(["prelabel", str(folder), "--threads", "1", "--force"]) == 1  # a failure, not a usage error
    assert f"{rec}: sha256 mismatch" in capsys.readouterr().err


def test_staged_set_carries_the_projects_text_case_and_the_pipeline_applies_it(project):
    from labeler.ocr.pipeline import OcrPipeline
    from tests.conftest import render_lines

    base = resolve_model_set("default")
    staged = project / "staged-case"
    pm.write_model_set(staged, base, {}, "v-case", "upper-case project", rec_postprocess={"text_case": "upper"})
    model_set = resolve_model_set(staged)
    assert model_set.rec.postprocess["text_case"] == "upper"
    page = render_lines(["hello world", "Total 42.50"])
    plain = [r.text for r in OcrPipeline(base)(page).regions]
    cased = [r.text for r in OcrPipeline(model_set)(page).regions]
    assert any(t != t.upper() for t in plain)
    assert cased == [t.upper() for t in plain]
    # A later set from this one, for a project without the convention, drops it.
    again = project / "staged-again"
    pm.write_model_set(again, model_set, {}, "v-again", "mixed", rec_postprocess={"text_case": ""})
    assert "text_case" not in resolve_model_set(again).rec.postprocess
    bad = json.loads((staged / "manifest.json").read_text("utf-8"))
    bad["rec"]["postprocess"]["text_case"] = "title"
    (staged / "manifest.json").write_text(json.dumps(bad), "utf-8")
    with pytest.raises(ModelError, match="text_case"):
        OcrPipeline(resolve_model_set(staged)).load()
