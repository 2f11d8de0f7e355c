"""The `labeler train` job, start to finish, in the parent process (no Qt; torch only once training starts).

open project -> export its confirmed images (labeler.core.export, split by image) into
PROJECT/.labeler/runs/<time>/export -> baseline: the base model set's full pipeline on the held-out split
(test, or val when test is empty), scored like `labeler eval` -> fine-tune the recognizer (and with --det
the detector) from the base set's ONNX weights -> write the weights back into a copy of the base ONNX
graph -> a self-contained staged model set (manifest with sha256s) -> the tuned set on the same images ->
gate: accept only when zero_edit strictly improved -> install (one rename) + history entry; a rejected
run is recorded, not installed -> result event. The run folder is deleted at the end, also on error or
cancel, so no partial model is ever left or installed.

The base model set is --models when given, else the project's active version, else the user's settings
(default: the bundled PP-OCRv6 small set). Guards against forgetting: the fine-tune's own (low learning
rate, frozen BatchNorm statistics, early stopping on validation, best-of including the base weights; see
labeler.train.rec_finetune and default_rec_config) and the held-out gate here.
"""

from __future__ import annotations

import math
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from labeler.core.errors import LabelerError
from labeler.core.split import SplitRatios
from labeler.ocr import project_models
from labeler.ocr.registry import ModelSet, resolve_model_set
from labeler.train.evaluate import EvaluationCancelled, Evaluation, HeldOutSet, evaluate_model_set, held_out_from_export
from labeler.train.gate import GateDecision, decide
from labeler.train.rec_step import TrainStepCancelled

Emit = Callable[[dict], None]
ShouldStop = Callable[[], bool]
RUNS_DIR = Path(".labeler") / "runs"
DET_SHARE = 0.4  # with --det, the detector gets this share of the time budget (the recognizer the rest)


class TrainJobError(LabelerError):
    """The job cannot run or failed (message says why)."""


class JobCancelled(Exception):
    """Stopped on request; the run folder is gone and nothing was installed."""


@dataclass(frozen=True)
class TrainJob:
    project_dir: Path
    models: str | None = None  # explicit base set; None: the project's active version, else settings
    det: bool = False
    time_budget_s: float = 1200.0
    nproc: int = 1
    device: str = "cpu"
    max_steps: int = 0  # 0: the time budget decides
    seed: int = 0
    threads: int = 2
    split: SplitRatios = SplitRatios()
    lr: float | None = None  # None: default_rec_config's
    keep_run: bool = False  # keep PROJECT/.labeler/runs/<time>/ (export, predictions) for inspection


@dataclass
class JobOutcome:
    accepted: bool
    version: str | None  # the installed version (None when rejected)
    model_dir: Path | None
    reason: str
    base: dict[str, float]
    tuned: dict[str, float]
    record: project_models.ModelVersion | None = None
    training: dict[str, Any] = field(default_factory=dict)


# ------------------------------------------------------------------------------------------- choices


def resolve_base(project_dir: Path, models: str | None) -> tuple[ModelSet, str]:
    """(model set, how it was chosen) for the job's base model."""
    if models:
        return resolve_model_set(models), f"--models {models}"
    active = project_models.active_model_dir(project_dir)
    if active is not None:
        model_set = resolve_model_set(active)
        return model_set, f"project version {active.name}"
    from labeler.core.settings import load_settings

    name = load_settings().settings.model_set
    return resolve_model_set(name), f"settings model_set '{name}'"


def default_rec_config(job: TrainJob, time_budget_s: float, train_crops: int):
    """The fine-tune settings for a `labeler train` run (a RecFinetuneConfig).

    - lr 5e-5 (AdamW, weight decay 0.01, gradient clip 5): PaddleOCR's fine-tune guidance is ~1e-4 at batch 8
      from a converged model; half of it because we start from the final PP-OCR weights and the gate measures
      forgetting (the 5-crop toy in ../shared/notes/models-and-finetune.md broke held-out crops already at 5e-5
      with 11 steps of overfitting). Lower values barely move zero_edit within a 20-minute CPU budget.
    - batch 8: a CPU step on 8 crops of 48x320 takes ~0.85 s on 2 cores (measured), so 20 minutes give
      ~1,200 steps (~2 epochs of SROIE's ~5,000 training crops); larger batches mean fewer updates per minute
      at the same per-crop cost, smaller ones noisier gradients on one user's scans.
    - epochs: up to 20; in practice the time budget or early stopping ends the run first.
    - validation every ~1/3 epoch (at least every 50 steps, at most every 400): one validation per epoch
      would pick among 2 points in a 20-minute run; patience 4 such rounds (stop after ~1.3 epochs without a
      better validation accuracy). The best state (the base weights included) is what is written back.
    - augmentation: rec_data.AugmentParams' light jitter (rotation <= 1.5 deg, small scale/shift, blur,
      contrast): the crops come from the user's own scans; strong distortions teach nothing they will see.
    - frozen BatchNorm statistics: a few thousand crops of one document type must not re-centre features
      learnt on millions (scale and shift still train).
    - replay: none. Mixing in rendered or base-labelled crops needs fonts / general images we do not ship;
      the guards are the low lr, frozen BN, best-of-validation and the held-out gate (forgetting is measured
      by benchmarks/retrain.py on ../shared/eval/public).
    """
    from labeler.train.rec_finetune import RecFinetuneConfig

    steps_per_epoch = max(1, math.ceil(train_crops / 8))
    val_every = min(400, max(50, steps_per_epoch // 3))
    return RecFinetuneConfig(lr=job.lr or 5e-5, weight_decay=0.01, batch_size=8, max_epochs=20,
                             max_steps=job.max_steps, patience=4, val_every_steps=val_every,
                             time_budget_s=time_budget_s, grad_clip=5.0, freeze_bn_stats=True,
                             seed=job.seed, device=job.device, num_threads=job.threads)


def _det_available() -> bool:
    from importlib.util import find_spec

    return find_spec("labeler.train.det_finetune") is not None


def new_run_dir(project_dir: Path) -> Path:
    root = project_dir / RUNS_DIR
    root.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    for n in range(1000):
        candidate = root / (stamp if n == 0 else f"{stamp}-{n}")
        try:
            candidate.mkdir()
            return candidate
        except FileExistsError:
            continue
    raise TrainJobError(f"{root}: cannot make a run folder")


# ------------------------------------------------------------------------------------------- the job


class _Job:
    def __init__(self, job: TrainJob, emit: Emit, should_stop: ShouldStop):
        self.job, self.emit, self.should_stop = job, emit, should_stop
        self.project_dir = Path(job.project_dir).resolve()
        self.started = time.perf_counter()

    def check_cancel(self) -> None:
        if self.should_stop():
            raise JobCancelled()

    def stage(self, name: str, message: str) -> None:
        self.emit({"event": "stage", "stage": name, "message": message})

    def run(self) -> JobOutcome:
        job = self.job
        if not (self.project_dir / "Label.txt").is_file():
            raise TrainJobError(f"{self.project_dir}: no confirmed images (no Label.txt: confirm some images first)")
        if job.det and not _det_available():
            raise TrainJobError("--det is not available yet (labeler.train.det_finetune is missing)")
        base, chosen_by = resolve_base(self.project_dir, job.models)
        self.emit({"event": "start", "project": str(self.project_dir), "engine": "torch", "device": job.device,
                   "base_model": base.name, "time_budget_s": float(job.time_budget_s), "nproc": job.nproc})
        run_dir = new_run_dir(self.project_dir)
        try:
            return self._run_in(run_dir, base, chosen_by)
        finally:
            if not job.keep_run:
                shutil.rmtree(run_dir, ignore_errors=True)
                _remove_if_empty(run_dir.parent)

    def _run_in(self, run_dir: Path, base: ModelSet, chosen_by: str) -> JobOutcome:
        job = self.job
        dict_path = _dictionary_of(base, run_dir)
        export_dir = run_dir / "export"
        report = self._export(export_dir, dict_path)
        held_out = held_out_from_export(export_dir)
        train_images = report.splits["train"].images
        base_metrics = self._evaluate("base", base, held_out, run_dir / "eval" / "base.txt")

        version = project_models.next_version_name(self.project_dir)
        staged = run_dir / "model"
        staged.mkdir()
        tuned_rec = staged / base.rec.path.name
        budget = job.time_budget_s * (1 - DET_SHARE if job.det else 1.0)
        self.stage("train", f"fine-tuning the recognizer of {base.name} ({chosen_by}) on "
                            f"{report.splits['train'].rec_crops} crops of {train_images} images, budget "
                            f"{budget / 60:.1f} min")
        training = self._train_rec(export_dir, base, dict_path, tuned_rec, budget, report.splits["train"].rec_crops)
        replace = {"rec": tuned_rec}
        if job.det:
            det_budget = max(0.0, job.time_budget_s - (time.perf_counter() - self.train_started))
            replace["det"] = staged / base.det.path.name
            training["det"] = self._train_det(export_dir, base, replace["det"], det_budget)
        self.check_cancel()
        project_models.write_model_set(
            staged, base, replace, version,
            f"fine-tuned from {base.name} on {train_images} confirmed images of {self.project_dir.name}",
            dict_path=dict_path, info={k: v for k, v in training.items() if k != "det"})
        tuned_metrics = self._evaluate("tuned", staged, held_out, run_dir / "eval" / "tuned.txt")

        decision = decide(base_metrics, tuned_metrics, held_out.split if held_out else "test",
                          held_out.images if held_out else 0)
        record = project_models.ModelVersion(
            version=version, created=project_models.now_iso(), base_model=base.name, engine="torch",
            accepted=decision.accepted,
            metrics={"base": base_metrics.metrics if base_metrics else {},
                     "tuned": tuned_metrics.metrics if tuned_metrics else {}},
            train_images=train_images, test_images=held_out.images if held_out else 0,
            seconds=round(time.perf_counter() - self.started, 1), reason=decision.reason,
            eval_split=held_out.split if held_out else "test", training=training)
        self.check_cancel()  # last point where a cancel still means "nothing happened"
        return self._finish(record, decision, staged)

    # ----------------------------------------------------------------------------------- steps

    def _export(self, export_dir: Path, dict_path: Path | None):
        from labeler.core.export import ExportOptions, load_confirmed_records, export_dataset
        from labeler.core.model import ImageStatus

        self.stage("export", f"exporting the confirmed images of {self.project_dir}")
        records, errors = load_confirmed_records(self.project_dir)
        confirmed = sum(1 for r in records if r.status == ImageStatus.CONFIRMED)
        if confirmed == 0:
            raise TrainJobError(f"{self.project_dir}: no confirmed images (confirm some images first)")
        workers = min(self.job.threads, max(1, confirmed // 40))  # a process pool only pays off for many images
        options = ExportOptions(split=self.job.split, seed=self.job.seed, crop_format="png", images="link",
                                dict_path=str(dict_path) if dict_path else None, workers=workers)
        report = export_dataset(records, self.project_dir, export_dir, options, cancel=self.should_stop,
                                input_errors=errors)
        if report.cancelled:
            raise JobCancelled()
        s = report.splits
        if s["train"].rec_crops == 0:
            raise TrainJobError(f"{self.project_dir}: the confirmed images give no usable training crops")
        missing = report.missing_chars
        note = ""
        if missing is not None and missing.texts_affected:
            chars = "".join(list(missing.missing)[:10])
            note = f"; {missing.texts_affected} text(s) use characters the recognizer lacks ({chars!r}; not trained on)"
        self.stage("export", f"{report.images_exported} images: train {s['train'].images} ({s['train'].rec_crops} "
                             f"crops), val {s['val'].images} ({s['val'].rec_crops}), test {s['test'].images} "
                             f"({s['test'].rec_crops}){note}")
        return report

    def _evaluate(self, which: str, model_set: ModelSet | Path, held_out: HeldOutSet | None,
                  predictions: Path) -> Evaluation | None:
        stage = "baseline" if which == "base" else "evaluate"
        if held_out is None:
            self.stage(stage, "no held-out images (test and val splits are empty): nothing to measure")
            return None
        self.stage(stage, f"{which} model on {held_out.images} {held_out.split} image(s)")
        try:
            ev = evaluate_model_set(model_set, held_out, self.job.threads, self.should_stop, predictions)
        except EvaluationCancelled:
            raise JobCancelled() from None
        for failure in ev.failed:
            self.stage(stage, f"could not read {failure} (scored as all missed)")
        self.emit({"event": "metrics", "which": which, "split": held_out.split, "images": ev.images,
                   "metrics": ev.metrics})
        return ev

    def _train_rec(self, export_dir: Path, base: ModelSet, dict_path: Path, out: Path, budget: float,
                   crops: int) -> dict:
        from labeler.train import rec_step

        self.check_cancel()
        self.train_started = time.perf_counter()
        cfg = default_rec_config(self.job, budget, crops)
        try:
            if self.job.nproc > 1:
                summary = rec_step.train_rec_torchrun(self.job.nproc, export_dir, base.rec.path, dict_path, out,
                                                      cfg, self.emit, self.should_stop, self.job.threads)
            else:
                summary = rec_step.train_rec_inprocess(export_dir, base.rec.path, dict_path, out, cfg, self.emit,
                                                       self.should_stop)
        except TrainStepCancelled:
            raise JobCancelled() from None
        if not out.is_file():
            raise TrainJobError(f"the recognizer training step wrote no model ({out})")
        summary.pop("out_onnx", None)  # a path in the run folder, which is about to go
        summary.setdefault("seconds", round(time.perf_counter() - self.train_started, 1))
        summary["lr"], summary["batch_size"], summary["nproc"] = cfg.lr, cfg.batch_size, self.job.nproc
        return summary

    def _train_det(self, export_dir: Path, base: ModelSet, out: Path, budget: float) -> dict:
        import dataclasses

        from labeler.train import det_finetune

        config_cls = getattr(det_finetune, "DetFinetuneConfig", None)
        wanted = {"time_budget_s": budget, "max_steps": self.job.max_steps, "seed": self.job.seed,
                  "device": self.job.device, "num_threads": self.job.threads}
        cfg = None
        if config_cls is not None:
            names = {f.name for f in dataclasses.fields(config_cls)}
            cfg = config_cls(**{k: v for k, v in wanted.items() if k in names})
        self.stage("train", f"fine-tuning the detector of {base.name}, budget {budget / 60:.1f} min")
        try:
            summary = det_finetune.train_det(export_dir, base.det.path, out, cfg, self.emit, self.should_stop)
        except Exception as exc:
            if type(exc).__name__ in ("TrainingCancelled", "TrainStepCancelled"):
                raise JobCancelled() from None
            raise
        if not out.is_file():
            raise TrainJobError(f"the detector training step wrote no model ({out})")
        return dict(summary or {})

    def _finish(self, record: project_models.ModelVersion, decision: GateDecision, staged: Path) -> JobOutcome:
        self.stage("install", f"{'installing' if decision.accepted else 'recording'} {record.version}: "
                              f"{decision.reason}")
        model_dir = None
        if decision.accepted:
            model_dir = project_models.install_version(self.project_dir, staged, record)
        else:
            project_models.record_run(self.project_dir, record)
        base, tuned = record.metrics["base"], record.metrics["tuned"]
        self.emit({"event": "result", "accepted": decision.accepted,
                   "version": record.version if decision.accepted else None,
                   "model_dir": str(model_dir) if model_dir else None, "reason": decision.reason,
                   "base": base, "tuned": tuned})
        return JobOutcome(decision.accepted, record.version if decision.accepted else None, model_dir,
                          decision.reason, base, tuned, record, record.training)


def _dictionary_of(base: ModelSet, run_dir: Path) -> Path:
    """The recognizer's dictionary file; written from the ONNX 'character' metadata when the set has none."""
    if base.rec.dict_path is not None:
        return base.rec.dict_path
    import onnx

    model = onnx.load(str(base.rec.path), load_external_data=False)
    meta = {p.key: p.value for p in model.metadata_props}
    if "character" not in meta:
        raise TrainJobError(f"{base.rec.path}: no dictionary file and no 'character' metadata: cannot train")
    path = run_dir / "dict.txt"
    path.write_text(meta["character"].rstrip("\n") + "\n", encoding="utf-8")
    return path


def _remove_if_empty(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass


def run_job(job: TrainJob, emit: Emit, should_stop: ShouldStop = lambda: False) -> JobOutcome:
    """Run one training job; raises JobCancelled (nothing left behind) or a LabelerError."""
    return _Job(job, emit, should_stop).run()
