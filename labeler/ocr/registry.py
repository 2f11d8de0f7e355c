"""Model sets: a manifest per set (files, sha256, provenance, pre-processing), found by name or path.

Bundled sets live in `models/<name>/manifest.json`; a user registers a custom set with
`labeler models register` (written under the user config folder) or passes its folder with `--models PATH`.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from labeler.core.errors import ModelError

MANIFEST_NAME = "manifest.json"
STAGES = ("det", "cls", "rec")
DEFAULT_SET = "default"


def bundled_models_dir() -> Path:
    """The repo's (or installed package's) `models/` folder; LABELER_MODELS_DIR overrides it."""
    env = os.environ.get("LABELER_MODELS_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "models"


def user_models_dir() -> Path:
    """Where `labeler models register` puts custom sets: $XDG_CONFIG_HOME/labeler/models."""
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "labeler" / "models"


@dataclass(frozen=True)
class ModelFile:
    """One ONNX file of a set, with what is needed to check it and feed it."""

    stage: str
    path: Path
    sha256: str | None
    preprocess: dict[str, Any] = field(default_factory=dict)
    postprocess: dict[str, Any] = field(default_factory=dict)
    dict_path: Path | None = None  # rec only: one character per line
    upstream: str = ""
    source_package: str = ""
    license: str = ""


@dataclass(frozen=True)
class ModelSet:
    name: str
    folder: Path
    description: str
    det: ModelFile
    rec: ModelFile
    cls: ModelFile | None
    aliases: tuple[str, ...] = ()

    def files(self) -> list[ModelFile]:
        return [m for m in (self.det, self.cls, self.rec) if m is not None]


def sha256_of(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def _model_file(stage: str, entry: dict, folder: Path, manifest: Path) -> ModelFile:
    if not isinstance(entry, dict) or "file" not in entry:
        raise ModelError(f"{manifest}: stage '{stage}' needs an object with a 'file'")
    path = (folder / entry["file"]).resolve()
    dict_path = (folder / entry["dict"]).resolve() if entry.get("dict") else None
    return ModelFile(
        stage=stage,
        path=path,
        sha256=entry.get("sha256"),
        preprocess=dict(entry.get("preprocess", {})),
        postprocess=dict(entry.get("postprocess", {})),
        dict_path=dict_path,
        upstream=entry.get("upstream", ""),
        source_package=entry.get("source_package", ""),
        license=entry.get("license", ""),
    )


def read_manifest(manifest: Path) -> ModelSet:
    """Parse a manifest.json; relative file paths are relative to its folder."""
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(f"{manifest}: model manifest not found") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelError(f"{manifest}: not a valid JSON manifest ({exc})") from None
    folder = manifest.parent
    for stage in ("det", "rec"):
        if stage not in data:
            raise ModelError(f"{manifest}: missing the '{stage}' model")
    rec = _model_file("rec", data["rec"], folder, manifest)
    return ModelSet(
        name=data.get("name", folder.name),
        folder=folder,
        description=data.get("description", ""),
        det=_model_file("det", data["det"], folder, manifest),
        rec=rec,
        cls=_model_file("cls", data["cls"], folder, manifest) if data.get("cls") else None,
        aliases=tuple(data.get("aliases", ())),
    )


def available_sets() -> list[ModelSet]:
    """Bundled sets first, then user-registered ones."""
    found = []
    for root in (bundled_models_dir(), user_models_dir()):
        if not root.is_dir():
            continue
        for manifest in sorted(root.glob(f"*/{MANIFEST_NAME}")):
            try:
                found.append(read_manifest(manifest))
            except ModelError:
                continue  # a broken user set must not hide the others; `resolve_model_set` reports it
    return found


def resolve_model_set(name_or_path: str | os.PathLike | None = None) -> ModelSet:
    """A set by name or alias ('default', 'light', a registered name) or by a folder / manifest path."""
    ref = str(name_or_path) if name_or_path else DEFAULT_SET
    candidate = Path(ref).expanduser()
    if candidate.is_file():
        return read_manifest(candidate)
    if candidate.is_dir():
        if (candidate / MANIFEST_NAME).is_file():
            return read_manifest(candidate / MANIFEST_NAME)
        return _manifest_from_folder(candidate)
    for root in (bundled_models_dir(), user_models_dir()):
        if (root / ref / MANIFEST_NAME).is_file():
            return read_manifest(root / ref / MANIFEST_NAME)
    for model_set in available_sets():
        if ref in model_set.aliases:
            return model_set
    names = ", ".join(sorted({s.name for s in available_sets()} | {a for s in available_sets() for a in s.aliases}))
    raise ModelError(f"unknown model set '{ref}' (known: {names}; or give a folder with det/rec .onnx files)")


def _manifest_from_folder(folder: Path) -> ModelSet:
    """A folder without a manifest: take *det*.onnx, *rec*.onnx, optional *cls*.onnx and a .txt dictionary."""
    onnx = sorted(folder.glob("*.onnx"))

    def pick(word: str) -> Path | None:
        hits = [p for p in onnx if word in p.name.lower()]
        return hits[0] if len(hits) == 1 else None

    det, rec, cls = pick("det"), pick("rec"), pick("cls")
    if det is None or rec is None:
        raise ModelError(f"{folder}: needs a manifest.json, or exactly one *det*.onnx and one *rec*.onnx")
    txts = sorted(folder.glob("*.txt"))
    bundled = resolve_model_set(DEFAULT_SET)
    return ModelSet(
        name=folder.name,
        folder=folder,
        description=f"custom set from {folder}",
        det=ModelFile("det", det, None, bundled.det.preprocess, bundled.det.postprocess),
        rec=ModelFile("rec", rec, None, bundled.rec.preprocess, dict_path=txts[0] if len(txts) == 1 else None),
        cls=ModelFile("cls", cls, None, bundled.cls.preprocess) if cls else bundled.cls,
    )


def verify_model_set(model_set: ModelSet) -> None:
    """Every file exists and matches its sha256; the error names the file."""
    for m in model_set.files():
        if not m.path.is_file():
            raise ModelError(f"{m.path}: {m.stage} model file of set '{model_set.name}' is missing")
        if m.sha256 and sha256_of(m.path) != m.sha256:
            raise ModelError(
                f"{m.path}: sha256 mismatch for the {m.stage} model of set '{model_set.name}' "
                "(file corrupt or replaced; reinstall it or fix the manifest)"
            )
        if m.dict_path is not None and not m.dict_path.is_file():
            raise ModelError(f"{m.dict_path}: dictionary of set '{model_set.name}' is missing")


def register_model_set(
    name: str, det: Path, rec: Path, dict_path: Path | None = None, cls: Path | None = None, description: str = ""
) -> Path:
    """Write a manifest for a custom set under the user models folder; returns the manifest path."""
    from labeler.core.atomic import atomic_write_text

    folder = user_models_dir() / name
    folder.mkdir(parents=True, exist_ok=True)
    bundled = resolve_model_set(DEFAULT_SET)
    data: dict[str, Any] = {"name": name, "description": description or f"custom set '{name}'", "format": 1}
    for stage, path, base in (("det", det, bundled.det), ("rec", rec, bundled.rec), ("cls", cls, bundled.cls)):
        if path is None:
            path = base.path  # no classifier given: reuse the bundled one
        path = Path(path).resolve()
        if not path.is_file():
            raise ModelError(f"{path}: {stage} model file not found")
        entry: dict[str, Any] = {"file": str(path), "sha256": sha256_of(path), "preprocess": base.preprocess}
        if base.postprocess:
            entry["postprocess"] = base.postprocess
        data[stage] = entry
    if dict_path is not None:
        data["rec"]["dict"] = str(Path(dict_path).resolve())
    atomic_write_text(folder / MANIFEST_NAME, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    return folder / MANIFEST_NAME
