"""Model sets: a manifest per set (files, sha256, provenance, pre-processing), found by name or path.

Bundled sets live in `models/<name>/manifest.json`; a user registers a custom set with
`labeler models register` (written under the user config folder) or passes its folder with `--models PATH`.

A manifest's file paths stay inside its set's folder (bundled sets: inside the bundled models folder, which
they share through `../common`); a file of the bundled folder is named `bundled:<path inside it>`.
A project's `.labeler/models/vN/manifest.json` is read without asking, so nothing there may reach elsewhere.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

from labeler.core.bundled import bundled_dir
from labeler.core.errors import ModelError
from labeler.core.user_dirs import config_dir
from labeler.ocr.model_checks import rec_class_problem
from labeler.ocr.model_set import ModelFile, ModelSet

MANIFEST_NAME = "manifest.json"
STAGES = ("det", "cls", "rec")
DEFAULT_SET = "default"
BUNDLED_PREFIX = "bundled:"  # a manifest path relative to the bundled models folder


def bundled_models_dir() -> Path:
    """The installed package's (or the checkout's) `models/` folder; LABELER_MODELS_DIR overrides it."""
    env = os.environ.get("LABELER_MODELS_DIR")
    if env:
        return Path(env)
    return bundled_dir("models")


def user_models_dir() -> Path:
    """Where `labeler models register` puts custom sets: $XDG_CONFIG_HOME/labeler/models."""
    return config_dir() / "models"


def sha256_of(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


# ---------------------------------------------------------------------------------------------- manifests


def _is_absolute(text: str) -> bool:
    # Either convention: a manifest written on Windows must not name C:\... or \\server\... here either.
    return PurePosixPath(text).is_absolute() or bool(PureWindowsPath(text).drive) or text.startswith(("/", "\\"))


def _entry_path(value: Any, stage: str, key: str, folder: Path, manifest: Path) -> Path:
    """A manifest's file entry as a resolved path, refused when absolute or outside where it may point."""
    where = f"{manifest}: {stage} '{key}' entry {value!r}"
    if not isinstance(value, str) or not value.strip():
        raise ModelError(f"{where} must be a non-empty relative path")
    if value.startswith(BUNDLED_PREFIX):
        root, rel = bundled_models_dir().resolve(), value[len(BUNDLED_PREFIX) :]
        allowed = root
    else:
        root, rel = folder, value
        bundled = bundled_models_dir().resolve()
        allowed = bundled if folder.is_relative_to(bundled) else folder  # bundled sets share ../common
    if _is_absolute(rel):
        raise ModelError(
            f"{where} is an absolute path; a set's files are named relative to its folder {folder} "
            f"(register it again with `labeler models register NAME --force ...`)"
        )
    try:
        path = (root / rel).resolve()  # follows links: one pointing out of the folder counts as leaving it
    except (OSError, ValueError) as exc:
        raise ModelError(f"{where} is not a usable path ({exc})") from None
    if not path.is_relative_to(allowed):
        raise ModelError(
            f"{where} leaves the set's folder {allowed} (resolves to {path}); a manifest may only name files inside it"
        )
    return path


def _model_file(stage: str, entry: Any, folder: Path, manifest: Path) -> ModelFile:
    if not isinstance(entry, dict) or "file" not in entry:
        raise ModelError(f"{manifest}: stage '{stage}' needs an object with a 'file'")
    path = _entry_path(entry["file"], stage, "file", folder, manifest)
    dict_path = _entry_path(entry["dict"], stage, "dict", folder, manifest) if entry.get("dict") else None
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
        dict_sha256=entry.get("dict_sha256") if dict_path is not None else None,
    )


def read_manifest(manifest: Path) -> ModelSet:
    """Parse a manifest.json; relative file paths are relative to its folder and may not leave it."""
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(f"{manifest}: model manifest not found") from None
    except (OSError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelError(f"{manifest}: not a valid JSON manifest ({exc})") from None
    if not isinstance(data, dict):
        raise ModelError(f"{manifest}: not a valid JSON manifest (expected an object)")
    folder = manifest.parent.resolve()
    for stage in ("det", "rec"):
        if stage not in data:
            raise ModelError(f"{manifest}: missing the '{stage}' model")
    rec = _model_file("rec", data["rec"], folder, manifest)
    return ModelSet(
        name=data.get("name", folder.name),
        folder=manifest.parent,
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
            if manifest.parent.name.startswith("."):
                continue  # never a registered set: register refuses such names
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
    if set_name_problem(ref) is None:  # a name, never a path relative to the models folders
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
        cls=ModelFile("cls", cls, None, _bundled_classifier(bundled).preprocess) if cls else bundled.cls,
    )


def _bundled_classifier(bundled: ModelSet) -> ModelFile:
    """The bundled default set's direction classifier, which a custom set without its own borrows."""
    if bundled.cls is None:
        raise ModelError(f"{bundled.folder}: the bundled set '{bundled.name}' has no direction classifier")
    return bundled.cls


# ---------------------------------------------------------------------------------------------- checks


def _sha256_error(path: Path, what: str, expected: str, actual: str) -> ModelError:
    return ModelError(
        f"{path}: sha256 mismatch for {what} (manifest says {expected}, the file has {actual}; "
        "file corrupt or replaced: reinstall it or fix the manifest)"
    )


def model_set_problems(model_set: ModelSet) -> list[ModelError]:
    """Everything wrong with a set's files, in order: missing files, sha256 of models and dictionary, and a
    dictionary whose size does not match the recognizer's class count. Empty when the set is usable."""
    problems: list[ModelError] = []
    for m in model_set.files():
        if not m.path.is_file():
            problems.append(ModelError(f"{m.path}: {m.stage} model file of set '{model_set.name}' is missing"))
            continue
        if m.sha256 and (actual := sha256_of(m.path)) != m.sha256:
            problems.append(_sha256_error(m.path, f"the {m.stage} model of set '{model_set.name}'", m.sha256, actual))
        if m.dict_path is None:
            continue
        if not m.dict_path.is_file():
            problems.append(ModelError(f"{m.dict_path}: dictionary of set '{model_set.name}' is missing"))
        elif m.dict_sha256 and (actual := sha256_of(m.dict_path)) != m.dict_sha256:
            problems.append(
                _sha256_error(m.dict_path, f"the dictionary of set '{model_set.name}'", m.dict_sha256, actual)
            )
    if not problems:  # a class count read from a damaged file would only repeat the error above
        problem = rec_class_problem(model_set)
        if problem is not None:
            problems.append(problem)
    return problems


def verify_model_set(model_set: ModelSet) -> None:
    """Every file exists and matches its sha256, and the dictionary fits the recognizer; the error names the file."""
    problems = model_set_problems(model_set)
    if problems:
        raise problems[0]


# ---------------------------------------------------------------------------------------------- register


def set_name_problem(name: str) -> str | None:
    """Why `name` cannot be a folder of its own under the user models folder, or None."""
    if not name or not name.strip():
        return "a set name cannot be empty"
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        return "a set name cannot contain control characters"
    if "/" in name or "\\" in name or ":" in name or _is_absolute(name):
        return "a set name cannot contain path parts (/, \\, :)"
    if name.startswith("."):
        return "a set name cannot start with '.' (., .. and hidden folders)"
    if name != name.strip() or name.endswith("."):
        return "a set name cannot end with a space or '.', nor start with a space"
    return None


def bundled_set_names() -> set[str]:
    """Names and aliases of the bundled sets (and 'default'): a registered set must not hide them."""
    names = {DEFAULT_SET}
    root = bundled_models_dir()
    for manifest in sorted(root.glob(f"*/{MANIFEST_NAME}")) if root.is_dir() else []:
        names.add(manifest.parent.name)
        try:
            data = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # its folder name is still taken
        if isinstance(data, dict):
            names.update(str(n) for n in [data.get("name", ""), *data.get("aliases", ())] if n)
    return names


def _check_register_name(name: str, force: bool) -> Path:
    """The folder a set called `name` goes to, after refusing names that would leave or hide something."""
    problem = set_name_problem(name)
    if problem is not None:
        raise ModelError(f"cannot register {name!r}: {problem}")
    shadowed = {n for n in bundled_set_names() if n.casefold() == name.casefold()}
    if shadowed and not force:
        raise ModelError(
            f"cannot register '{name}': it is the name of a bundled set or alias "
            f"({', '.join(sorted(shadowed))}); choose another name, or pass --force to shadow it"
        )
    root = user_models_dir()
    folder = root / name
    if folder.is_symlink():
        raise ModelError(f"{folder}: is a link; a registered set is a plain folder (remove the link)")
    if (folder / MANIFEST_NAME).exists() and not force:
        raise ModelError(
            f"cannot register '{name}': a set of that name is already registered ({folder}); pass --force to replace it"
        )
    return folder


def _place(source: Path, stage: str, folder: Path, keep: set[Path], used: set[str]) -> str:
    """The manifest entry for a file: bundled:..., a path inside the set's folder, or a fresh copy into it."""
    bundled = bundled_models_dir().resolve()
    if source.is_relative_to(bundled):
        return BUNDLED_PREFIX + source.relative_to(bundled).as_posix()
    if source.is_relative_to(folder):
        return source.relative_to(folder).as_posix()
    suffix = source.suffix or ".bin"
    name, n = f"{stage}{suffix}", 1
    while folder / name in keep or name in used:
        n += 1
        name = f"{stage}-{n}{suffix}"
    used.add(name)
    target = folder / name
    if not (target.exists() and target.samefile(source)):
        fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
        os.close(fd)
        try:
            shutil.copyfile(source, tmp)
            os.replace(tmp, target)  # a reader of the old manifest sees a whole file, old or new
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    return name


def register_model_set(
    name: str,
    det: Path,
    rec: Path,
    dict_path: Path | None = None,
    cls: Path | None = None,
    description: str = "",
    force: bool = False,
) -> Path:
    """Write a manifest for a custom set under the user models folder; returns the manifest path.

    Files already in the set's folder or in the bundled models folder are named where they are; others are
    copied into the set's folder, so the manifest never points elsewhere. A name with path parts, one of a
    bundled set or alias, or one already registered is refused (the last two unless force).
    """
    from labeler.core.atomic import atomic_write_text

    folder = _check_register_name(name, force)
    bundled = resolve_model_set(DEFAULT_SET)
    bundled_cls = _bundled_classifier(bundled)
    sources: dict[str, Path] = {}
    for stage, path, base in (("det", det, bundled.det), ("rec", rec, bundled.rec), ("cls", cls, bundled_cls)):
        source = Path(path if path is not None else base.path).resolve()  # no classifier given: the bundled one
        if not source.is_file():
            raise ModelError(f"{source}: {stage} model file not found")
        sources[stage] = source
    if dict_path is not None:
        sources["dict"] = Path(dict_path).resolve()
        if not sources["dict"].is_file():
            raise ModelError(f"{sources['dict']}: dictionary file not found")
    rec_only = ModelFile("rec", sources["rec"], None, bundled.rec.preprocess, dict_path=sources.get("dict"))
    problem = rec_class_problem(ModelSet(name, folder, "", bundled.det, rec_only, None))
    if problem is not None:  # refused before anything is written
        raise problem
    folder.mkdir(parents=True, exist_ok=True)
    folder = folder.resolve()
    keep = {s for s in sources.values() if s.is_relative_to(folder)}
    used: set[str] = set()
    data: dict[str, Any] = {"name": name, "description": description or f"custom set '{name}'", "format": 1}
    for stage, base in (("det", bundled.det), ("rec", bundled.rec), ("cls", bundled_cls)):
        entry: dict[str, Any] = {
            "file": _place(sources[stage], stage, folder, keep, used),
            "sha256": sha256_of(sources[stage]),
            "preprocess": base.preprocess,
        }
        if base.postprocess:
            entry["postprocess"] = base.postprocess
        data[stage] = entry
    if "dict" in sources:
        data["rec"]["dict"] = _place(sources["dict"], "dict", folder, keep, used)
        data["rec"]["dict_sha256"] = sha256_of(sources["dict"])
    atomic_write_text(folder / MANIFEST_NAME, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    read_manifest(folder / MANIFEST_NAME)  # what was written must load (the same rules as every reader)
    return user_models_dir() / name / MANIFEST_NAME
