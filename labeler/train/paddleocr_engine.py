"""`labeler train --engine paddleocr`: fine-tune PP-OCRv4 with a PaddleOCR checkout on GPUs, convert, register.

Steps (each a `stage` event; every child's output is forwarded to stderr, its PaddleOCR log lines also
become `progress` / `validate` events):

    export    the project's confirmed images -> PROJECT/.labeler/runs/paddle-<time>/export (labeler.core.export),
              then configs/rec.yml (and det.yml) from labeler.train.paddleocr_configs
    train     [python, tools/train.py, -c CFG, -o Global.use_gpu=True] in the checkout, CUDA_VISIBLE_DEVICES=<gpu>;
              several GPUs: [python, -m, paddle.distributed.launch, --gpus 0,1, --log_dir RUN/launch-log,
              tools/train.py, ...] (launch starts one worker per GPU)
    install   tools/export_model.py (best_accuracy, else latest) -> RUN/inference/<kind>,
              paddle2onnx -> RUN/onnx/<kind>.onnx, then a custom model set (labeler.ocr.registry.register_model_set,
              as `labeler models register`) whose det is the new one or, when only rec was trained, the base
              set's (ppocrv4-mobile); its files are copied to $XDG_CONFIG_HOME/labeler/models/<name>/

Nothing here imports paddle: the PaddleOCR side runs only as child processes (argument lists, never a shell).
Cancel (should_stop, SIGTERM or SIGINT): the child's process group gets SIGTERM, then SIGKILL after a grace
period; the run folder is deleted; exit status 130. A failed step keeps the run folder and names the command.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from labeler.core.atomic import atomic_write_text
from labeler.core.errors import Cancelled, FileError, LabelerError
from labeler.core.export import ExportOptions, export_project
from labeler.core.split import SplitRatios
from labeler.ocr.registry import register_model_set, resolve_model_set, user_models_dir
from labeler.train.paddleocr_configs import config_text, make_settings
from labeler.train.paddleocr_plan import (
    PREFLIGHT_TAG,
    CommandSpec,
    RunLayout,
    export_command,
    onnx_command,
    plan_commands,
    preflight_command,
    train_command,
)
from labeler.train.paddleocr_process import (
    LogEvents,
    PaddleOCRRunError,
    StopFlag,
    parse_log_line,
    run_child,
    signals_to,
)
from labeler.train.supervisor import CHILD_GRACE_S

__all__ = [
    "CommandSpec",
    "PaddleOCRCheckoutError",
    "PaddleOCRRunError",
    "PaddleOCRSetupError",
    "RunLayout",
    "parse_gpus",
    "parse_log_line",
    "plan_commands",
    "resolve_pretrained",
    "run",
    "validate_checkout",
]

Emit = Callable[[dict], None]
BASE_SET = "ppocrv4-mobile"  # the configs are PP-OCRv4 mobile: same architecture, dictionary and pre-processing
REQUIRED_PATHS = ("tools/train.py", "tools/export_model.py", "configs")
PPOCRV4_MARKER = "ppocr/modeling/backbones/rec_lcnetv3.py"  # PPLCNetV3 arrived with PP-OCRv4 (PaddleOCR 2.7)
DEFAULT_EPOCHS = {"rec": 100, "det": 100}
MIN_ADVISED = {"rec": 5000, "det": 500}  # finetune guide: at least this many rec crops / det images


class PaddleOCRCheckoutError(FileError):
    """The --paddleocr-dir is not a usable PaddleOCR git checkout (names the missing file)."""


class PaddleOCRSetupError(LabelerError):
    """A bad --gpus / --pretrained value, or a missing tool (paddle, paddle2onnx) found before training."""


# ------------------------------------------------------------------------------------------ inputs


def validate_checkout(paddleocr_dir: str | os.PathLike) -> Path:
    """The checkout's absolute path, or PaddleOCRCheckoutError naming the first missing piece."""
    root = Path(paddleocr_dir).expanduser().resolve()
    if not root.is_dir():
        raise PaddleOCRCheckoutError(root, "not a folder (give a git checkout of PaddleOCR)")
    for rel in REQUIRED_PATHS:
        if not (root / rel).exists():
            raise PaddleOCRCheckoutError(
                root / rel,
                "missing: --paddleocr-dir must be a PaddleOCR git checkout (the pip wheel has no training code)",
            )
    if not (root / PPOCRV4_MARKER).is_file():
        raise PaddleOCRCheckoutError(
            root / PPOCRV4_MARKER, "missing: this checkout predates PP-OCRv4 (PaddleOCR 2.7); check out a newer release"
        )
    return root


def parse_gpus(spec: str | None) -> tuple[int, ...]:
    """'0,1' -> (0, 1); None -> (0,)."""
    if spec is None or not spec.strip():
        return (0,)
    try:
        ids = tuple(int(part) for part in spec.split(","))
    except ValueError:
        raise PaddleOCRSetupError(f"--gpus must be GPU numbers separated by commas (e.g. 0,1), got {spec!r}") from None
    if any(i < 0 for i in ids) or len(set(ids)) != len(ids):
        raise PaddleOCRSetupError(f"--gpus must list distinct GPU numbers >= 0, got {spec!r}")
    return ids


def _weights_prefix(path: Path) -> Path:
    """PaddleOCR's pretrained_model is the path without .pdparams (it appends the suffix itself)."""
    return path.with_suffix("") if path.suffix == ".pdparams" else path


def resolve_pretrained(pretrained: str | os.PathLike | None, kinds: Sequence[str]) -> dict[str, Path | None]:
    """Weights prefix per model. A .pdparams file (or its prefix) is the rec weights; a folder is searched for
    *.pdparams whose path names rec / det (e.g. ch_PP-OCRv4_rec_train/student.pdparams)."""
    found: dict[str, Path | None] = {kind: None for kind in kinds}
    if pretrained is None:
        return found
    path = Path(pretrained).expanduser().resolve()
    if path.is_file() or path.with_name(path.name + ".pdparams").is_file():
        if path.is_file() and path.suffix != ".pdparams":
            raise PaddleOCRSetupError(f"{path}: --pretrained must be a .pdparams file or a folder of them")
        found["rec"] = _weights_prefix(path)
        return found
    if not path.is_dir():
        raise PaddleOCRSetupError(f"{path}: --pretrained not found")
    weights = sorted(path.rglob("*.pdparams"))
    for kind in kinds:
        hits = [w for w in weights if kind in w.relative_to(path).as_posix().lower()]
        preferred = [w for w in hits if w.stem in ("student", "best_accuracy")]
        hits = preferred or hits
        if len(hits) > 1:
            names = ", ".join(str(h.relative_to(path)) for h in hits)
            raise PaddleOCRSetupError(f"{path}: several {kind} weights ({names}); pass the .pdparams file itself")
        found[kind] = _weights_prefix(hits[0]) if hits else None
    if all(v is None for v in found.values()):
        raise PaddleOCRSetupError(f"{path}: no *.pdparams with 'rec' or 'det' in its path")
    return found


# ------------------------------------------------------------------------------------------ the run


def _new_run_dir(project_dir: Path) -> RunLayout:
    runs = project_dir / ".labeler" / "runs"
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for n in range(1000):
        root = runs / (f"paddle-{stamp}" if n == 0 else f"paddle-{stamp}-{n}")
        try:
            root.mkdir(parents=True)
            return RunLayout(root)
        except FileExistsError:
            continue
    raise PaddleOCRSetupError(f"{runs}: cannot make a new run folder")


def _checkpoint(save_dir: Path) -> Path | None:
    for prefix in ("best_accuracy", "latest"):
        if (save_dir / f"{prefix}.pdparams").is_file():
            return save_dir / prefix
    return None


def _model_filename(inference_dir: Path) -> str | None:
    """paddle >= 3 with Global.export_with_pir writes inference.json; the old IR writes inference.pdmodel."""
    for name in ("inference.json", "inference.pdmodel"):
        if (inference_dir / name).is_file():
            return name
    return None


class _Runner:
    def __init__(self, emit: Emit, stop: StopFlag, grace_s: float, log: Callable[[str], None]):
        self.emit, self.stop, self.grace_s, self.log = emit, stop, grace_s, log

    def __call__(self, spec: CommandSpec, on_line: Callable[[str], None] | None = None) -> list[str]:
        self.log(f"[{spec.name}] $ {spec.shell_line()}")

        def forward(line: str) -> None:
            self.log(f"[{spec.name}] {line}")
            if on_line:
                on_line(line)

        status, tail = run_child(spec, forward, self.stop, self.grace_s)
        if status != 0:
            raise PaddleOCRRunError(
                f"{spec.name} failed with exit status {status}", spec.argv, str(spec.cwd or ""), status, tail
            )
        return tail


def _preflight(run: _Runner, spec: CommandSpec, gpus: Sequence[int]) -> str:
    if shutil.which("paddle2onnx") is None:
        raise PaddleOCRSetupError(
            "paddle2onnx not found on PATH (pip install paddle2onnx in the environment that runs labeler)"
        )
    try:
        tail = run(spec)
    except PaddleOCRRunError as exc:
        raise PaddleOCRSetupError(
            f"{spec.argv[0]} cannot import paddle (install paddlepaddle-gpu for that "
            f"interpreter, or pass its path): {' | '.join(exc.tail[-3:])}"
        ) from None
    info = next((json.loads(t[len(PREFLIGHT_TAG) :]) for t in tail if t.startswith(PREFLIGHT_TAG)), None)
    if info is None:
        raise PaddleOCRSetupError(f"{spec.argv[0]}: the paddle check printed nothing")
    if not info["cuda"]:
        raise PaddleOCRSetupError(
            f"paddle {info['version']} for {spec.argv[0]} is a CPU build; this engine trains "
            "on GPUs (install paddlepaddle-gpu)"
        )
    if max(gpus) >= info["gpus"]:
        raise PaddleOCRSetupError(f"--gpus {','.join(map(str, gpus))}: paddle sees {info['gpus']} GPU(s)")
    return str(info["version"])


def _install(name: str, layout: RunLayout, kinds: Sequence[str], dict_path: Path, project: Path) -> Path:
    """Copy the ONNX files and dictionary into the user models folder and register them as set `name`."""
    folder = user_models_dir() / name
    folder.mkdir(parents=True, exist_ok=False)
    files = {}
    for kind in kinds:
        files[kind] = folder / f"{kind}.onnx"
        shutil.copyfile(layout.onnx_file(kind), files[kind])
    shutil.copyfile(dict_path, folder / "dict.txt")
    det = files.get("det") or resolve_model_set(BASE_SET).det.path
    trained = " + ".join(kinds)
    description = f"PaddleOCR fine-tune ({trained}) of {BASE_SET} on {project.name}, run {layout.root.name}"
    return register_model_set(name, det, files["rec"], folder / "dict.txt", description=description)


def _set_name(project: Path, layout: RunLayout) -> str:
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", project.name).strip("-.") or "project"
    name = f"{slug}-{layout.root.name}"
    n = 1
    while (user_models_dir() / name).exists():
        n += 1
        name = f"{slug}-{layout.root.name}-{n}"
    return name


def run(
    project_dir: Path,
    paddleocr_dir: Path,
    gpus: str | None,
    pretrained: Path | None,
    det: bool,
    emit: Emit,
    python: str = sys.executable,
    dry_run: bool = False,
    *,
    should_stop: Callable[[], bool] | None = None,
    epochs: Mapping[str, int] | None = None,
    split: SplitRatios | None = None,
    seed: int = 0,
    dict_path: Path | None = None,
    export_workers: int | None = None,
    grace_s: float = CHILD_GRACE_S,
    log: Callable[[str], None] | None = None,
) -> int:
    """The whole run; 0 done (or planned, with dry_run), 1 error (an error event says which command), 130 cancelled.

    dict_path: the recognizer dictionary (default: ppocrv4-mobile's, the one PP-OCRv4 weights were trained with;
    another one re-initialises the head). log: where human lines go (default stderr).
    """
    log = log or (lambda line: print(line, file=sys.stderr, flush=True))
    stop = StopFlag(should_stop)
    made: list[RunLayout] = []  # the run folder once made: deleted on cancel, named on failure
    try:
        with signals_to(stop):
            return _run(
                Path(project_dir),
                paddleocr_dir,
                gpus,
                pretrained,
                det,
                emit,
                python,
                dry_run,
                stop,
                dict(DEFAULT_EPOCHS, **(epochs or {})),
                split,
                seed,
                dict_path,
                export_workers,
                grace_s,
                log,
                made,
            )
    except Cancelled:
        for layout in made:
            shutil.rmtree(layout.root, ignore_errors=True)
        emit({"event": "cancelled"})
        return 130
    except PaddleOCRRunError as exc:
        where = f" (run folder kept: {made[0].root})" if made else ""
        emit(
            {
                "event": "error",
                "message": f"{exc}{where}",
                "command": exc.command,
                "cwd": exc.cwd,
                "returncode": exc.returncode,
                "log_tail": exc.tail,
            }
        )
        return 1
    except LabelerError as exc:
        emit({"event": "error", "message": str(exc)})
        return 1


def _run(
    project: Path,
    paddleocr_dir: Path,
    gpus_spec: str | None,
    pretrained: Path | None,
    det: bool,
    emit: Emit,
    python: str,
    dry_run: bool,
    stop: StopFlag,
    epochs: dict[str, int],
    split: SplitRatios | None,
    seed: int,
    dict_path: Path | None,
    export_workers: int | None,
    grace_s: float,
    log: Callable[[str], None],
    made: list[RunLayout],
) -> int:
    checkout = validate_checkout(paddleocr_dir)
    gpus = parse_gpus(gpus_spec)
    kinds = ("rec", "det") if det else ("rec",)
    weights = resolve_pretrained(pretrained, kinds)
    dictionary = Path(dict_path).resolve() if dict_path else resolve_model_set(BASE_SET).rec.dict_path
    if dictionary is None or not dictionary.is_file():
        raise PaddleOCRSetupError(f"{dictionary}: recognizer dictionary not found")
    if not (project / "Label.txt").is_file():
        raise FileError(project / "Label.txt", "not found (is this a PPOCRLabel image folder?)")
    project = project.resolve()
    emit(
        {
            "event": "start",
            "project": str(project),
            "engine": "paddleocr",
            "device": "cuda",
            "base_model": BASE_SET,
            "time_budget_s": None,
            "nproc": len(gpus),
        }
    )
    runner = _Runner(emit, stop, grace_s, log)
    paddle_version = "not checked (dry run)"
    if not dry_run:  # before the export: a missing paddle / paddle2onnx should cost seconds, not an export
        emit({"event": "stage", "stage": "export", "message": f"checking paddle ({python}) and paddle2onnx"})
        paddle_version = _preflight(runner, preflight_command(checkout, python), gpus)
    layout = _new_run_dir(project)
    made.append(layout)

    emit(
        {
            "event": "stage",
            "stage": "export",
            "message": f"exporting confirmed images to {layout.export_dir}",
            "run_dir": str(layout.root),
        }
    )
    options = ExportOptions(
        split=split or SplitRatios(), seed=seed, dict_path=str(dictionary), images="link", workers=export_workers
    )
    report = export_project(project, layout.export_dir, options, cancel=stop)
    if report.cancelled or stop():
        raise Cancelled()
    if report.missing_chars and report.missing_chars.missing:
        chars = "".join(list(report.missing_chars.missing)[:20])
        log(
            f"[export] {report.missing_chars.texts_affected} texts use characters the dictionary lacks "
            f"(PaddleOCR drops them from the labels): {chars}"
        )
    settings = {}
    for kind in kinds:
        train_split, val_split = report.splits["train"], report.splits["val"]
        count = train_split.rec_crops if kind == "rec" else train_split.images
        val = val_split.rec_crops if kind == "rec" else val_split.images
        what = "rec crops" if kind == "rec" else "images"
        if count == 0 or val == 0:
            raise PaddleOCRSetupError(
                f"{layout.export_dir}: {count} train and {val} val {what}; PaddleOCR needs "
                "both (confirm more images or change --split)"
            )
        if count < MIN_ADVISED[kind]:
            log(f"[export] only {count} train {what}; PaddleOCR's fine-tune guide advises {MIN_ADVISED[kind]}+")
        if weights[kind] is None:
            log(f"[export] no pretrained {kind} weights: {kind} trains from scratch (pass --pretrained)")
        settings[kind] = make_settings(
            kind, layout.export_dir, layout.root, count, len(gpus), epochs[kind], weights[kind], dictionary
        )
        layout.config(kind).parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(layout.config(kind), config_text(settings[kind], [f"labeler train {project}"]))
    emit(
        {
            "event": "stage",
            "stage": "export",
            "message": "configs written: " + ", ".join(str(layout.config(k)) for k in kinds),
        }
    )

    plan = plan_commands(layout, checkout, kinds, gpus, python)
    atomic_write_text(layout.root / "commands.json", json.dumps([c.to_json() for c in plan], indent=1) + "\n")
    if dry_run:
        emit(
            {
                "event": "stage",
                "stage": "train",
                "message": f"dry run: {len(plan)} commands in {layout.root / 'commands.json'}, nothing run",
                "run_dir": str(layout.root),
                "configs": {k: str(layout.config(k)) for k in kinds},
                "commands": [c.to_json() for c in plan],
            }
        )
        for command in plan:
            log(command.shell_line())
        return 0

    best: dict[str, dict] = {}
    for kind in kinds:
        emit(
            {
                "event": "stage",
                "stage": "train",
                "message": f"training {kind} on GPU {','.join(map(str, gpus))} (paddle {paddle_version})",
            }
        )
        events = LogEvents(kind, settings[kind].steps_per_epoch * settings[kind].epochs, emit)
        runner(train_command(kind, layout, checkout, gpus, python), events)
        best[kind] = events.best
        checkpoint = _checkpoint(layout.save_model_dir(kind))
        if checkpoint is None:
            raise PaddleOCRRunError(
                f"train-{kind} wrote no best_accuracy or latest .pdparams in {layout.save_model_dir(kind)}"
            )
        emit({"event": "stage", "stage": "install", "message": f"exporting {checkpoint} and converting to ONNX"})
        runner(export_command(kind, layout, checkout, gpus, python, checkpoint))
        model_filename = _model_filename(layout.inference_dir(kind))
        if model_filename is None:
            raise PaddleOCRRunError(
                f"export-{kind} wrote no inference.json or inference.pdmodel in {layout.inference_dir(kind)}"
            )
        layout.onnx_file(kind).parent.mkdir(parents=True, exist_ok=True)
        runner(onnx_command(kind, layout, model_filename))
        if not layout.onnx_file(kind).is_file():
            raise PaddleOCRRunError(f"onnx-{kind} wrote no {layout.onnx_file(kind)}")
    if stop():
        raise Cancelled()

    name = _set_name(project, layout)
    manifest = _install(name, layout, kinds, dictionary, project)
    resolve_model_set(name)  # the set must load as `--models NAME` would
    emit({"event": "stage", "stage": "install", "message": f"registered model set '{name}': {manifest}"})
    emit(
        {
            "event": "result",
            "accepted": True,
            "version": name,
            "model_dir": str(manifest.parent),
            "reason": f"registered as model set '{name}' (use --models {name}); not compared with the base model",
            "base": {},
            "tuned": {},
            "paddleocr_best": best,
            "run_dir": str(layout.root),
        }
    )
    return 0
