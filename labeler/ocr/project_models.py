"""A project's own model store: fine-tuned model sets, their history and metrics, the active one.

Layout (never inside the bundled models folder):

    PROJECT/.labeler/models/<version>/manifest.json   a self-contained model set (onnx files, dict.txt)
    PROJECT/.labeler/models/history.json              {"active": version|null, "versions": [...]}

Every run of `labeler train` adds an entry to history.json, accepted or not; only accepted runs have a
folder. A version folder appears in one os.rename of a fully written staging folder on the same file
system, and history.json is replaced atomically afterwards, so a reader sees a finished model or none.
No torch and no Qt here: prelabel and the GUI read this.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from labeler.core.atomic import atomic_write_text, fsync_dir
from labeler.core.errors import FileError
from labeler.ocr.registry import (
    MANIFEST_NAME,
    ModelSet,
    bundled_models_dir,
    read_manifest,
    set_name_problem,
    sha256_of,
    verify_model_set,
)

STORE_DIR = Path(".labeler") / "models"
HISTORY_FILE = "history.json"
HISTORY_FORMAT = 1
_VERSION_RE = re.compile(r"^v(\d+)$")


class ProjectModelsError(FileError):
    """history.json or a version folder is unreadable, unknown or not usable (names the file)."""


@dataclass(frozen=True)
class ModelVersion:
    """One training run as history.json records it (accepted runs have a model folder)."""

    version: str
    created: str  # ISO 8601, UTC
    base_model: str  # the set it was trained from: a bundled name or an earlier version
    engine: str  # "torch" | "paddleocr"
    accepted: bool
    metrics: dict[str, dict[str, float]] = field(default_factory=dict)  # {"base": {...}, "tuned": {...}}
    train_images: int = 0
    test_images: int = 0
    seconds: float = 0.0
    reason: str = ""  # the gate's explanation
    eval_split: str = "test"  # the held-out split the metrics come from ("test", or "val" as a fallback)
    training: dict[str, Any] = field(default_factory=dict)  # steps, epochs, stop reason, validation accuracy
    extra: dict[str, Any] = field(default_factory=dict, compare=False)  # unknown keys, written back unchanged

    def to_json(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "extra"}
        return {**self.extra, **data}

    @classmethod
    def from_json(cls, data: Any, path: Path) -> ModelVersion:
        if not isinstance(data, dict) or not isinstance(data.get("version"), str) or not data["version"]:
            raise ProjectModelsError(path, f"a version entry needs a non-empty 'version' string, got {data!r:.80}")
        known = {f.name for f in fields(cls)} - {"extra"}
        values = {k: v for k, v in data.items() if k in known}
        values.setdefault("created", "")
        values.setdefault("base_model", "")
        values.setdefault("engine", "")
        values["accepted"] = bool(values.get("accepted", False))
        return cls(**values, extra={k: v for k, v in data.items() if k not in known})

    def zero_edit(self, which: str = "tuned") -> float | None:
        value = self.metrics.get(which, {}).get("zero_edit")
        return float(value) if isinstance(value, (int, float)) else None


@dataclass
class ModelHistory:
    active: str | None = None
    versions: list[ModelVersion] = field(default_factory=list)

    def find(self, version: str) -> ModelVersion | None:
        return next((v for v in self.versions if v.version == version), None)


# ---------------------------------------------------------------------------------------------- paths


def store_dir(project_dir: str | os.PathLike) -> Path:
    return Path(project_dir) / STORE_DIR


def history_path(project_dir: str | os.PathLike) -> Path:
    return store_dir(project_dir) / HISTORY_FILE


def version_dir(project_dir: str | os.PathLike, version: str) -> Path:
    if not isinstance(version, str) or set_name_problem(version) is not None:
        raise ProjectModelsError(history_path(project_dir), f"not a version name: {version!r}")
    return store_dir(project_dir) / version


# ---------------------------------------------------------------------------------------------- history


def read_history(project_dir: str | os.PathLike) -> ModelHistory:
    """history.json, or an empty history when the project has none."""
    path = history_path(project_dir)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return ModelHistory()
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ProjectModelsError(path, f"cannot read the model history ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("versions", []), list):
        raise ProjectModelsError(path, "expected an object with a 'versions' list")
    active = data.get("active")
    if active is not None and not isinstance(active, str):
        raise ProjectModelsError(path, f"'active' must be a version name or null, got {active!r}")
    return ModelHistory(active or None, [ModelVersion.from_json(v, path) for v in data.get("versions", [])])


def write_history(project_dir: str | os.PathLike, history: ModelHistory) -> None:
    path = history_path(project_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"format": HISTORY_FORMAT, "active": history.active, "versions": [v.to_json() for v in history.versions]}
    atomic_write_text(path, json.dumps(data, ensure_ascii=False, indent=1) + "\n")


@contextmanager
def _locked(project_dir: str | os.PathLike) -> Iterator[None]:
    """Serialise read-modify-write of history.json between processes (two runs finishing together)."""
    folder = store_dir(project_dir)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # Windows: single-writer assumption
        yield
        return
    with open(folder / ".lock", "a+b") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)


def list_versions(project_dir: str | os.PathLike) -> list[ModelVersion]:
    """Every recorded run, oldest first (rejected ones included: see ModelVersion.accepted)."""
    return list(read_history(project_dir).versions)


def active_version(project_dir: str | os.PathLike) -> ModelVersion | None:
    history = read_history(project_dir)
    return history.find(history.active) if history.active else None


def active_model_dir(project_dir: str | os.PathLike) -> Path | None:
    """The folder of the project's active model set, or None (use the bundled / configured set).

    A history that names a version whose folder has no manifest is an error, not a silent fallback:
    pre-labelling with another model than the one the user chose would go unnoticed.
    """
    history = read_history(project_dir)
    if not history.active:
        return None
    folder = version_dir(project_dir, history.active)
    if not (folder / MANIFEST_NAME).is_file():
        raise ProjectModelsError(
            history_path(project_dir),
            f"active version '{history.active}' has no model "
            f"folder {folder} (roll back with: labeler train {project_dir} --rollback base)",
        )
    if not folder.resolve().is_relative_to(store_dir(project_dir).resolve()):
        # A project is read without asking: its version folder may not be a link to models elsewhere.
        raise ProjectModelsError(
            folder,
            f"the model folder of version '{history.active}' leaves the project's "
            f"model store {store_dir(project_dir)} (it is a link to {folder.resolve()})",
        )
    return folder


def set_active(project_dir: str | os.PathLike, version: str | None) -> None:
    """Make an installed version the active one; None goes back to the bundled / configured set."""
    with _locked(project_dir):
        history = read_history(project_dir)
        if version is not None:
            entry = history.find(version)
            if entry is None:
                known = ", ".join(v.version for v in history.versions if v.accepted) or "none"
                raise ProjectModelsError(history_path(project_dir), f"unknown version '{version}' (installed: {known})")
            if not entry.accepted:
                raise ProjectModelsError(
                    history_path(project_dir),
                    f"version '{version}' was rejected by the acceptance gate and never installed ({entry.reason})",
                )
            if not (version_dir(project_dir, version) / MANIFEST_NAME).is_file():
                raise ProjectModelsError(version_dir(project_dir, version), "model folder is missing")
        history.active = version
        write_history(project_dir, history)


def next_version_name(project_dir: str | os.PathLike) -> str:
    """v1, v2, ...: one past every number used in history.json or by a folder (even an orphaned one)."""
    used = [v.version for v in list_versions(project_dir)]
    folder = store_dir(project_dir)
    if folder.is_dir():
        used += [p.name for p in folder.iterdir()]
    numbers = [int(m.group(1)) for name in used if (m := _VERSION_RE.match(name))]
    return f"v{max(numbers, default=0) + 1}"


def now_iso() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


# ---------------------------------------------------------------------------------------------- install


def install_version(
    project_dir: str | os.PathLike, staged_dir: str | os.PathLike, record: ModelVersion, activate: bool = True
) -> Path:
    """Move a fully written model set folder into the store as record.version and record it.

    The staged folder must hold a manifest whose files pass their sha256 check, and lie on the store's
    file system (e.g. PROJECT/.labeler/runs/...): one rename makes it visible, so a crash leaves either no
    folder or a complete one. history.json is written after the rename (atomic replace).
    """
    staged, dest = Path(staged_dir), version_dir(project_dir, record.version)
    if not record.accepted:
        raise ValueError("install_version is for accepted runs; use record_run for the others")
    model_set = read_manifest(staged / MANIFEST_NAME)
    verify_model_set(model_set)
    for m in model_set.files():
        if not m.path.resolve().is_relative_to(staged.resolve()):
            raise ProjectModelsError(m.path, f"the staged model set must be self-contained (file outside {staged})")
    with _locked(project_dir):
        history = read_history(project_dir)
        if history.find(record.version) is not None or dest.exists():
            raise ProjectModelsError(dest, "version already exists")
        os.rename(staged, dest)  # same file system: atomic, and never over an existing folder
        _fsync_dir(dest.parent)
        history.versions.append(record)
        if activate:
            history.active = record.version
        write_history(project_dir, history)
    return dest


def record_run(project_dir: str | os.PathLike, record: ModelVersion) -> None:
    """Add a run that installed nothing (rejected by the gate) to the history."""
    if record.accepted:
        raise ValueError("an accepted run is recorded by install_version")
    with _locked(project_dir):
        history = read_history(project_dir)
        if history.find(record.version) is not None:
            raise ProjectModelsError(history_path(project_dir), f"version '{record.version}' already recorded")
        history.versions.append(record)
        write_history(project_dir, history)


_fsync_dir = fsync_dir  # one implementation, in labeler.core.atomic


# ---------------------------------------------------------------------------------------------- staging


def write_model_set(
    folder: str | os.PathLike,
    base: ModelSet,
    replace: Mapping[str, str | os.PathLike],
    name: str,
    description: str,
    dict_path: str | os.PathLike | None = None,
    info: Mapping[str, Any] | None = None,
    rec_postprocess: Mapping[str, Any] | None = None,
    det_postprocess: Mapping[str, Any] | None = None,
) -> Path:
    """A self-contained model set in `folder`: base's files (or those in `replace`, by stage) copied in,
    its pre/post-processing kept, a fresh manifest with every sha256. Returns the manifest path.

    dict_path: the recognizer's dictionary (default: base's). rec_postprocess: entries added to the
    recognizer's postprocess (the project's text case); det_postprocess: entries that replace the detector's
    (the fitted unclip ratio, labeler.train.box_fit). Refuses to write into the bundled folder.
    """
    out = Path(folder)
    if out.resolve().is_relative_to(bundled_models_dir().resolve()):
        raise ProjectModelsError(out, "refusing to write a model set into the bundled models folder")
    out.mkdir(parents=True, exist_ok=True)
    data: dict[str, Any] = {"name": name, "description": description, "format": 1, "base_model": base.name}
    if info:
        data["training"] = dict(info)
    for model in base.files():
        source = Path(replace.get(model.stage, model.path))
        target = out / source.name
        if target.exists() and target.samefile(source):
            pass  # already written here (the tuned file itself)
        else:
            if target.exists():
                raise ProjectModelsError(target, "two stages would share this file name")
            shutil.copyfile(source, target)
        entry: dict[str, Any] = {"file": target.name, "sha256": sha256_of(target), "bytes": target.stat().st_size}
        if model.stage in replace:
            entry["fine_tuned_from"] = model.upstream or model.path.name
        else:
            entry.update(
                {k: v for k, v in (("upstream", model.upstream), ("source_package", model.source_package)) if v}
            )
        if model.license:
            entry["license"] = model.license
        entry["preprocess"] = dict(model.preprocess)
        post = dict(model.postprocess)
        if model.stage == "rec" and rec_postprocess:
            post.update(rec_postprocess)  # e.g. the project's text case (labeler.core.conventions)
            post = {k: v for k, v in post.items() if v not in (None, "")}  # "": the convention no longer holds
        if model.stage == "det" and det_postprocess:
            post.update(det_postprocess)
        if post:
            entry["postprocess"] = post
        data[model.stage] = entry
    dictionary = Path(dict_path) if dict_path is not None else base.rec.dict_path
    if dictionary is not None:
        shutil.copyfile(dictionary, out / "dict.txt")
        data["rec"]["dict"] = "dict.txt"
        data["rec"]["dict_sha256"] = sha256_of(out / "dict.txt")
    manifest = out / MANIFEST_NAME
    atomic_write_text(manifest, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    return manifest
