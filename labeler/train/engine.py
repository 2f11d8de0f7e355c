"""The `labeler train` job, start to finish, in the parent process (no Qt; torch only once training starts).

open project -> export its confirmed images (labeler.core.export, split by image) into
PROJECT/.labeler/runs/<time>/export -> baseline: the base model set's full pipeline on the held-out split
(test, or val when test is empty), scored like `labeler eval` -> fine-tune the recognizer (and with --det
the detector) from the base set's ONNX weights -> write the weights back into a copy of the base ONNX
graph -> a self-contained staged model set (manifest with sha256s) -> the tuned set on the same images ->
gate: accept only when zero_edit strictly improved -> install (one rename) + history entry; a rejected
run is recorded, not installed -> result event. The run folder is deleted at the end, also on error or
cancel, so no partial model is ever left or installed. A run killed outright (SIGKILL, the GUI's kill after
its grace period, a crash) cannot: the next run removes such folders (labeler.train.run_dirs: each run holds
an OS lock on its folder, which dies with its process) and says how many and how large in a cleanup stage.

The base model set is --models when given, else the project's active version, else the user's settings
(default: the bundled PP-OCRv6 small set). Guards against forgetting: the fine-tune's own (low learning
rate, frozen BatchNorm statistics, early stopping on validation, best-of including the base weights, the
weight blend toward the base; see labeler.train.rec_finetune and default_rec_config) and the held-out gate
here. Without --det, the detector's box outline is fitted to the train images first (labeler.train.box_fit).
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from labeler.core.errors import Cancelled, LabelerError
from labeler.ocr import project_models
from labeler.ocr.registry import ModelSet, resolve_model_set
from labeler.train.evaluate import Evaluation, HeldOutSet, evaluate_model_set, held_out_from_export
from labeler.train.gate import GateDecision, decide
from labeler.train.job_spec import TrainJobSpec
from labeler.train.run_dirs import clean_dead_runs, new_run_dir

Emit = Callable[[dict], None]
ShouldStop = Callable[[], bool]
DET_SHARE = 0.4  # with --det, the detector gets this share of the time budget (the recognizer the rest)


class TrainJobError(LabelerError):
    """The job cannot run or failed (message says why)."""


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


VAL_CROPS_MAX = 300  # validation crops used for early stopping / best-of (a seeded subset of rec/val.txt)


def default_rec_config(job: TrainJobSpec, time_budget_s: float, train_crops: int):
    """The fine-tune settings for a `labeler train` run (a RecFinetuneConfig); each value and the
    measurements behind it: docs/training-notes.md ("The recognizer fine-tune's settings")."""
    from labeler.train.rec_finetune import RecFinetuneConfig

    steps_per_epoch = max(1, math.ceil(train_crops / 8))
    return RecFinetuneConfig(
        lr=job.lr or 2e-5,
        weight_decay=0.01,
        batch_size=8,
        max_epochs=20,
        max_steps=job.max_steps,
        patience=3,
        val_every_steps=min(150, steps_per_epoch),
        time_budget_s=time_budget_s,
        grad_clip=5.0,
        freeze_bn_stats=True,
        seed=job.seed,
        device=job.device,
        num_threads=job.threads,
        case_split_weight=1.0,
        blend_alphas=(0.25, 0.5),
    )


def project_text_case(export_dir: Path) -> str:
    """ "upper"/"lower" when the exported training lines write every letter in one case (else "")."""
    from labeler.core.conventions import uniform_text_case

    train_list = export_dir / "rec" / "train.txt"
    try:
        lines = train_list.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return ""  # the training step reports an unreadable list with its own error
    return uniform_text_case(line.split("\t", 1)[1] for line in lines if "\t" in line)


def cap_validation_list(export_dir: Path, limit: int = VAL_CROPS_MAX, seed: int = 0) -> int:
    """Keep a seeded subset of at most `limit` lines in export_dir/rec/val.txt; returns the count kept."""
    import random

    from labeler.core.atomic import atomic_write_text

    path = export_dir / "rec" / "val.txt"
    if not path.is_file():
        return 0
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    if len(lines) > limit:
        keep = sorted(random.Random(seed).sample(range(len(lines)), limit))
        lines = [lines[i] for i in keep]
        atomic_write_text(path, "".join(f"{ln}\n" for ln in lines))
    return len(lines)


# ------------------------------------------------------------------------------------------- the job


class _Job:
    def __init__(self, job: TrainJobSpec, emit: Emit, should_stop: ShouldStop):
        self.job, self.emit, self.should_stop = job, emit, should_stop
        self.project_dir = Path(job.project_dir).resolve()
        self.started = time.perf_counter()

    def check_cancel(self) -> None:
        if self.should_stop():
            raise Cancelled()

    def stage(self, name: str, message: str) -> None:
        self.emit({"event": "stage", "stage": name, "message": message})

    def run(self) -> JobOutcome:
        job = self.job
        if not (self.project_dir / "Label.txt").is_file():
            raise TrainJobError(f"{self.project_dir}: no confirmed images (no Label.txt: confirm some images first)")
        base, chosen_by = resolve_base(self.project_dir, job.models)
        self.emit(
            {
                "event": "start",
                "project": str(self.project_dir),
                "engine": "torch",
                "device": job.device,
                "base_model": base.name,
                "time_budget_s": float(job.time_budget_s),
                "nproc": job.nproc,
            }
        )
        cleanup = clean_dead_runs(self.project_dir)  # folders of killed runs; never a live run's
        if cleanup.summary():
            self.stage("cleanup", cleanup.summary())
        claim = new_run_dir(self.project_dir, keep=job.keep_run)  # owned (OS lock) until released or killed
        try:
            return self._run_in(claim.folder, base, chosen_by)
        finally:
            claim.release(remove=not job.keep_run)

    def _run_in(self, run_dir: Path, base: ModelSet, chosen_by: str) -> JobOutcome:
        job = self.job
        dict_path = _dictionary_of(base, run_dir)
        export_dir = run_dir / "export"
        report = self._export(export_dir, dict_path)
        cap_validation_list(export_dir, VAL_CROPS_MAX, job.seed)
        held_out = held_out_from_export(export_dir)
        if held_out is None:  # the gate could never accept: do not spend the budget
            raise TrainJobError(
                f"{self.project_dir}: {report.images_exported} usable confirmed image(s) leave the "
                f"test and val splits empty (--split {':'.join(f'{v:g}' for v in job.split.as_tuple())}"
                "); confirm more images to measure a gain on"
            )
        train_images = report.splits["train"].images
        base_metrics = self._evaluate("base", base, held_out, run_dir / "eval" / "base.txt")

        version = project_models.next_version_name(self.project_dir)
        staged = run_dir / "model"
        staged.mkdir()
        tuned_rec = staged / base.rec.path.name
        budget = job.time_budget_s * (1 - DET_SHARE if job.det else 1.0)
        self.stage(
            "train",
            f"fine-tuning the recognizer of {base.name} ({chosen_by}) on "
            f"{report.splits['train'].rec_crops} crops of {train_images} images, budget "
            f"{budget / 60:.1f} min",
        )
        text_case = project_text_case(export_dir)
        if text_case:
            self.stage(
                "train",
                f"the confirmed labels write every letter in {text_case} case: letters are read "
                f"case-blind and written {text_case} case (the recognizer learns glyphs, not case)",
            )
        box_fit = None if job.det else self._fit_boxes(export_dir, base)  # with --det the detector learns them
        if box_fit is not None:
            budget = max(0.0, budget - box_fit.seconds)
        training = self._train_rec(
            export_dir, base, dict_path, tuned_rec, budget, report.splits["train"].rec_crops, text_case
        )
        if box_fit is not None:
            training["box_fit"] = {
                "unclip_ratio": box_fit.unclip_ratio,
                "base_unclip_ratio": box_fit.base_ratio,
                "det_hmean": box_fit.det_hmean,
                "base_det_hmean": box_fit.base_det_hmean,
                "images": box_fit.images,
                "seconds": round(box_fit.seconds, 1),
            }
        replace = {"rec": tuned_rec}
        if job.det:
            det_budget = max(0.0, job.time_budget_s - (time.perf_counter() - self.train_started))
            replace["det"] = staged / base.det.path.name
            training["det"] = self._train_det(export_dir, base, replace["det"], det_budget)
        self.check_cancel()
        project_models.write_model_set(
            staged,
            base,
            replace,
            version,
            f"fine-tuned from {base.name} on {train_images} confirmed images of {self.project_dir.name}",
            dict_path=dict_path,
            info={k: v for k, v in training.items() if k != "det"},
            rec_postprocess={"text_case": text_case},
            det_postprocess=box_fit.det_postprocess() if box_fit is not None else None,
        )
        tuned_metrics = self._evaluate("tuned", staged, held_out, run_dir / "eval" / "tuned.txt")

        decision = decide(base_metrics, tuned_metrics, held_out.split, held_out.images)
        record = project_models.ModelVersion(
            version=version,
            created=project_models.now_iso(),
            base_model=base.name,
            engine="torch",
            accepted=decision.accepted,
            metrics={"base": base_metrics.metrics, "tuned": tuned_metrics.metrics},
            train_images=train_images,
            test_images=held_out.images,
            seconds=round(time.perf_counter() - self.started, 1),
            reason=decision.reason,
            eval_split=held_out.split,
            training=training,
        )
        self.check_cancel()  # last point where a cancel still means "nothing happened"
        return self._finish(record, decision, staged)

    # ----------------------------------------------------------------------------------- steps

    def _export(self, export_dir: Path, dict_path: Path | None):
        from labeler.core.export import ExportOptions, export_dataset, load_confirmed_records
        from labeler.core.model import ImageStatus

        self.stage("export", f"exporting the confirmed images of {self.project_dir}")
        records, errors = load_confirmed_records(self.project_dir)
        confirmed = sum(1 for r in records if r.status == ImageStatus.CONFIRMED)
        if confirmed == 0:
            raise TrainJobError(f"{self.project_dir}: no confirmed images (confirm some images first)")
        workers = min(self.job.threads, max(1, confirmed // 40))  # a process pool only pays off for many images
        options = ExportOptions(
            split=self.job.split,
            seed=self.job.seed,
            crop_format="png",
            images="link",
            dict_path=str(dict_path) if dict_path else None,
            workers=workers,
        )
        report = export_dataset(
            records, self.project_dir, export_dir, options, cancel=self.should_stop, input_errors=errors
        )
        if report.cancelled:
            raise Cancelled()
        s = report.splits
        if s["train"].rec_crops == 0:
            raise TrainJobError(f"{self.project_dir}: the confirmed images give no usable training crops")
        missing = report.missing_chars
        note = ""
        if missing is not None and missing.texts_affected:
            chars = "".join(list(missing.missing)[:10])
            note = f"; {missing.texts_affected} text(s) use characters the recognizer lacks ({chars!r}; not trained on)"
        self.stage(
            "export",
            f"{report.images_exported} images: train {s['train'].images} ({s['train'].rec_crops} "
            f"crops), val {s['val'].images} ({s['val'].rec_crops}), test {s['test'].images} "
            f"({s['test'].rec_crops}){note}",
        )
        return report

    def _evaluate(self, which: str, model_set: ModelSet | Path, held_out: HeldOutSet, predictions: Path) -> Evaluation:
        stage = "baseline" if which == "base" else "evaluate"
        self.stage(stage, f"{which} model on {held_out.images} {held_out.split} image(s)")
        ev = evaluate_model_set(model_set, held_out, self.job.threads, self.should_stop, predictions)
        for failure in ev.failed:
            self.stage(stage, f"could not read {failure} (scored as all missed)")
        self.emit(
            {"event": "metrics", "which": which, "split": held_out.split, "images": ev.images, "metrics": ev.metrics}
        )
        return ev

    def _train_rec(
        self,
        export_dir: Path,
        base: ModelSet,
        dict_path: Path,
        out: Path,
        budget: float,
        crops: int,
        text_case: str = "",
    ) -> dict:
        from labeler.train import rec_step

        self.check_cancel()
        self.train_started = time.perf_counter()
        cfg = dataclasses.replace(default_rec_config(self.job, budget, crops), text_case=text_case)
        if self.job.nproc > 1:
            summary = rec_step.train_rec_torchrun(
                self.job.nproc,
                export_dir,
                base.rec.path,
                dict_path,
                out,
                cfg,
                self.emit,
                self.should_stop,
                self.job.threads,
            )
        else:
            summary = rec_step.train_rec_inprocess(
                export_dir, base.rec.path, dict_path, out, cfg, self.emit, self.should_stop
            )
        if not out.is_file():
            raise TrainJobError(f"the recognizer training step wrote no model ({out})")
        summary.pop("out_onnx", None)  # a path in the run folder, which is about to go
        summary.setdefault("seconds", round(time.perf_counter() - self.train_started, 1))
        summary["lr"], summary["batch_size"], summary["nproc"] = cfg.lr, cfg.batch_size, self.job.nproc
        summary["val_every_steps"] = cfg.val_every_steps
        if text_case:
            summary["text_case"] = text_case
        return summary

    def _fit_boxes(self, export_dir: Path, base: ModelSet):
        """The unclip ratio that draws boxes the way the confirmed train images do (labeler.train.box_fit)."""
        from labeler.core.ppocrlabel_format import read_label_file
        from labeler.ocr.pipeline import det_params
        from labeler.train.box_fit import fit_unclip_ratio

        train_list = export_dir / "det" / "train.txt"
        if not train_list.is_file():
            return None
        self.check_cancel()
        fit = fit_unclip_ratio(
            base.det.path,
            det_params(base),
            export_dir,
            read_label_file(train_list).by_key(),
            threads=max(1, self.job.threads or 2),
            should_stop=self.should_stop,
        )
        table = ", ".join(f"{r:g}: {h:.3f}" for r, h in sorted(fit.table.items()))
        verdict = (
            f"boxes drawn with unclip ratio {fit.unclip_ratio:g} (the model's {fit.base_ratio:g})"
            if fit.changed
            else f"the model's own unclip ratio {fit.base_ratio:g} fits best"
        )
        self.stage(
            "train",
            f"box outline fitted on {fit.images} train images in {fit.seconds:.0f} s: {verdict}; "
            f"det H-mean by ratio {table}",
        )
        return fit

    def _train_det(self, export_dir: Path, base: ModelSet, out: Path, budget: float) -> dict:
        from labeler.train.det_finetune import DetFinetuneConfig, inference_fields
        from labeler.train.det_train import train_det

        # Validation reads images with the base set's own detection settings, as prelabel would.
        cfg = DetFinetuneConfig(
            **inference_fields(base.det.preprocess, base.det.postprocess),
            time_budget_s=budget,
            max_steps=self.job.max_steps,
            seed=self.job.seed,
            device=self.job.device,
            num_threads=self.job.threads,
        )
        self.stage("train", f"fine-tuning the detector of {base.name}, budget {budget / 60:.1f} min")
        self.check_cancel()
        summary = dict(train_det(export_dir, base.det.path, out, cfg, self.emit, self.should_stop) or {})
        if not out.is_file():
            raise TrainJobError(f"the detector training step wrote no model ({out})")
        summary.pop("out_onnx", None)
        return summary

    def _finish(self, record: project_models.ModelVersion, decision: GateDecision, staged: Path) -> JobOutcome:
        self.stage(
            "install", f"{'installing' if decision.accepted else 'recording'} {record.version}: {decision.reason}"
        )
        model_dir = None
        if decision.accepted:
            model_dir = project_models.install_version(self.project_dir, staged, record)
        else:
            project_models.record_run(self.project_dir, record)
        base, tuned = record.metrics["base"], record.metrics["tuned"]
        self.emit(
            {
                "event": "result",
                "accepted": decision.accepted,
                "version": record.version if decision.accepted else None,
                "model_dir": str(model_dir) if model_dir else None,
                "reason": decision.reason,
                "base": base,
                "tuned": tuned,
            }
        )
        return JobOutcome(
            decision.accepted,
            record.version if decision.accepted else None,
            model_dir,
            decision.reason,
            base,
            tuned,
            record,
            record.training,
        )


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


def run_job(job: TrainJobSpec, emit: Emit, should_stop: ShouldStop = lambda: False) -> JobOutcome:
    """Run one training job; raises Cancelled (core.errors; nothing left behind) or a LabelerError."""
    return _Job(job, emit, should_stop).run()
