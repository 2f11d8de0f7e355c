"""DB detector fine-tuning from its ONNX weights (PyTorch), validated with the real inference path.

Loss on the probability map only (the DB threshold branch is not in the inference graphs): balanced BCE
with online hard negative mining (3 negatives per positive pixel, PaddleOCR's BalanceLoss) plus Dice,
both over the mask of det_data. BCE runs on the logits (the input of the graph's final Sigmoid), so
saturated pixels keep their gradient. Guards as in rec_finetune: low learning rate, gradient clipping,
frozen BatchNorm statistics, the base model validated first and kept until a tuned one beats it.

Validation writes the current weights into a temporary copy of the ONNX file and runs labeler.ocr.det's
TextDetector (the real pre- and post-processing, onnxruntime) on the validation images: val_acc is the
detection H-mean of labeler.core.metrics (IoU 0.5, don't-care regions), val_loss the same loss on the
probability maps inference produces. Each epoch is one random crop per training image.
"""

from __future__ import annotations

import math
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from labeler.core.errors import Cancelled
from labeler.core.image_io import read_image
from labeler.core.metrics import Tally, evaluate_image
from labeler.core.model import TextRegion
from labeler.ocr.db_postprocess import DBParams
from labeler.ocr.det import DetParams, TextDetector
from labeler.ocr.session import OrtSession
from labeler.train.det_data import CropParams, DetSample, inference_targets, random_crop
from labeler.train.finetune_rounds import beats, eta_seconds, loop_progress, out_of_time
from labeler.train.onnx_module import OnnxModule, denormals_flushed
from labeler.train.onnx_writeback import write_back

ProgressFn = Callable[[dict], None]
CancelFn = Callable[[], bool]


@dataclass(frozen=True)
class DetFinetuneConfig:
    lr: float = 2e-5
    weight_decay: float = 1e-4
    batch_size: int = 4
    crop_size: int = 640
    scale_jitter: tuple[float, float] = (0.7, 1.4)
    max_rotate_deg: float = 5.0
    p_text_focus: float = 0.9
    shrink_ratio: float = 0.4
    min_text_size: float = 8.0
    ohem_ratio: float = 3.0  # negatives kept per positive pixel; 0: plain masked BCE
    bce_weight: float = 1.0
    dice_weight: float = 1.0
    max_epochs: int = 20
    max_steps: int = 0
    patience: int = 3
    val_every_steps: int = 0
    time_budget_s: float = 1200.0
    grad_clip: float = 5.0
    freeze_bn_stats: bool = True
    # Inference settings of the model set (its manifest), so validation reads images as prelabel does.
    limit_side_len: int = 736
    limit_type: str = "min"
    max_side_len: int = 2000
    db_thresh: float = 0.3
    db_box_thresh: float = 0.5
    db_unclip_ratio: float = 1.6
    seed: int = 0
    device: str = "cpu"
    num_threads: int = 0

    def det_params(self) -> DetParams:
        return DetParams(
            self.limit_side_len,
            self.limit_type,
            self.max_side_len,
            db=DBParams(self.db_thresh, self.db_box_thresh, self.db_unclip_ratio),
        )

    def crop_params(self) -> CropParams:
        return CropParams(
            self.crop_size,
            tuple(self.scale_jitter),
            self.max_rotate_deg,
            self.p_text_focus,
            self.shrink_ratio,
            self.min_text_size,
        )


def inference_fields(preprocess: dict, postprocess: dict) -> dict:
    """DetFinetuneConfig fields from a model set manifest's det "preprocess" / "postprocess" (validation then
    reads images as prelabel does with that set): DetFinetuneConfig(**inference_fields(...), time_budget_s=...)."""
    names = {"limit_side_len": "limit_side_len", "limit_type": "limit_type", "max_side_len": "max_side_len"}
    out = {field_name: preprocess[key] for key, field_name in names.items() if key in preprocess}
    db = {"thresh": "db_thresh", "box_thresh": "db_box_thresh", "unclip_ratio": "db_unclip_ratio"}
    out.update({field_name: postprocess[key] for key, field_name in db.items() if key in postprocess})
    return out


def planned_det_steps(n_train: int, cfg: DetFinetuneConfig) -> int:
    """The total_steps a run of `cfg` plans for (fewer when it stops early or runs out of time)."""
    total = math.ceil(n_train / cfg.batch_size) * cfg.max_epochs
    return min(total, cfg.max_steps) if cfg.max_steps else total


@dataclass
class DetFinetuneResult:
    state: dict[str, np.ndarray]
    base_val_hmean: float | None
    best_val_hmean: float | None
    base_val_loss: float | None
    best_val_loss: float | None
    best_epoch: int
    epochs: int
    steps: int
    stopped: str
    seconds: float
    history: list[dict] = field(default_factory=list)


@dataclass
class _Validation:
    hmean: float
    loss: float
    seconds: float


def db_loss(
    pred: torch.Tensor, gt: torch.Tensor, mask: torch.Tensor, cfg: DetFinetuneConfig, from_logits: bool = True
) -> torch.Tensor:
    """Balanced (OHEM) BCE + Dice of a [N, 1, H, W] (or [N, H, W]) map against [N, H, W] targets."""
    pred = pred.reshape(gt.shape)
    if from_logits:
        bce = F.binary_cross_entropy_with_logits(pred, gt, reduction="none")
        prob = torch.sigmoid(pred)
    else:
        prob = pred.clamp(1e-6, 1 - 1e-6)
        bce = F.binary_cross_entropy(prob, gt, reduction="none")
    positive, negative = gt * mask, (1 - gt) * mask
    n_pos = int(positive.sum().item())
    if cfg.ohem_ratio > 0:
        n_neg = int(min(negative.sum().item(), n_pos * cfg.ohem_ratio))
        neg_loss = torch.topk((bce * negative).reshape(-1), n_neg).values.sum() if n_neg else bce.new_zeros(())
        bce_term = ((bce * positive).sum() + neg_loss) / (n_pos + n_neg + 1e-6)
    else:
        bce_term = (bce * mask).sum() / (mask.sum() + 1e-6)
    inter = (prob * gt * mask).sum()
    union = (prob * mask).sum() + (gt * mask).sum() + 1e-6
    return cfg.bce_weight * bce_term + cfg.dice_weight * (1 - 2 * inter / union)


class _RecordingSession:
    """Passes through to onnxruntime and keeps the probability maps it returned (one, or two halves)."""

    def __init__(self, inner: OrtSession):
        self.inner = inner
        self.outputs: list[np.ndarray] = []

    def run(self, x: np.ndarray) -> np.ndarray:
        y = self.inner.run(x)
        self.outputs.append(y)
        return y


def validate_det(
    onnx_path: Path,
    samples: Sequence[DetSample],
    cfg: DetFinetuneConfig,
    threads: int,
    should_stop: CancelFn | None = None,
) -> _Validation:
    """H-mean and loss of the ONNX model at onnx_path on `samples`, through TextDetector as prelabel runs it."""
    start = time.perf_counter()
    det = cfg.det_params()
    session = _RecordingSession(OrtSession(onnx_path, threads))
    detector = TextDetector(session, det)
    tally, losses = Tally(), []
    for sample in samples:
        if should_stop is not None and should_stop():
            raise Cancelled()
        image = read_image(sample.image_path)
        session.outputs.clear()
        found = detector(image)
        predicted = [TextRegion([(float(x), float(y)) for x, y in quad]) for quad in found.boxes]
        tally += evaluate_image(list(sample.regions), predicted).tally
        gt, mask = inference_targets(image.shape, sample, det, cfg.crop_params())
        full_h, full_w = gt.shape
        for k, out in enumerate(session.outputs):
            h, w = out.shape[-2:]
            y0, x0 = (0, 0) if k == 0 else (full_h - h, full_w - w)  # the second half ends at the far edge
            part = [torch.from_numpy(np.ascontiguousarray(t[y0 : y0 + h, x0 : x0 + w]))[None] for t in (gt, mask)]
            losses.append(float(db_loss(torch.from_numpy(out[0]), part[0], part[1], cfg, from_logits=False)))
    return _Validation(tally.det_hmean, float(np.mean(losses)) if losses else 0.0, time.perf_counter() - start)


def finetune_det(
    onnx_path: str | Path,
    train: Sequence[DetSample],
    val: Sequence[DetSample],
    cfg: DetFinetuneConfig = DetFinetuneConfig(),
    progress: ProgressFn | None = None,
    should_stop: CancelFn | None = None,
) -> DetFinetuneResult:
    """Fine-tune the DB detector in `onnx_path`; returns the best weights by ONNX name.

    Events and stopping as rec_finetune.finetune_rec ({stage, epoch, step, loss, val_acc, eta_s}; val_acc is the
    detection H-mean). The time budget covers training and the last validation.
    """
    with denormals_flushed():
        return _finetune_det(onnx_path, train, val, cfg, progress, should_stop)


def _finetune_det(
    onnx_path: str | Path,
    train: Sequence[DetSample],
    val: Sequence[DetSample],
    cfg: DetFinetuneConfig = DetFinetuneConfig(),
    progress: ProgressFn | None = None,
    should_stop: CancelFn | None = None,
) -> DetFinetuneResult:
    """finetune_det itself, run with denormals flushed."""
    if not train:
        raise ValueError("no training images")
    start = time.perf_counter()
    if cfg.num_threads:
        torch.set_num_threads(cfg.num_threads)
    threads = cfg.num_threads or torch.get_num_threads()
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    emit = progress or (lambda event: None)
    onnx_path = Path(onnx_path)
    det, crop = cfg.det_params(), cfg.crop_params()

    model = OnnxModule(onnx_path, freeze_bn_stats=cfg.freeze_bn_stats).to(cfg.device)
    if not model.ends_in_sigmoid:
        raise ValueError(f"{onnx_path}: not a DB detector (its output does not come from a Sigmoid)")
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    workdir = tempfile.TemporaryDirectory(prefix="labeler-det-val-")

    def run_validation() -> _Validation:
        candidate = Path(workdir.name) / "candidate.onnx"
        write_back(onnx_path, model.onnx_tensors(), candidate)
        return validate_det(candidate, val, cfg, threads, should_stop)

    try:
        val_cost = 0.0
        base = best = None
        if val:
            emit(loop_progress("validate", 0, 0, None, None, None))
            base = best = validate_det(onnx_path, val, cfg, threads, should_stop)
            val_cost = base.seconds
            emit(loop_progress("validate", 0, 0, base.loss, base.hmean, None))
        best_state, best_epoch = model.onnx_tensors(), 0
        per_epoch = math.ceil(len(train) / cfg.batch_size)
        total_steps = planned_det_steps(len(train), cfg)
        steps_per_round = cfg.val_every_steps or per_epoch
        history: list[dict] = []
        step, epoch, stale, stopped, train_time = 0, 0, 0, "", 0.0
        losses: list[float] = []

        def check() -> None:
            nonlocal best, best_state, best_epoch, stale, stopped, val_cost
            entry = {"epoch": epoch, "step": step, "train_loss": float(np.mean(losses))}
            losses.clear()
            if val:
                v = run_validation()
                val_cost = v.seconds
                entry.update(val_hmean=v.hmean, val_loss=v.loss)
                emit(loop_progress("validate", epoch, step, v.loss, v.hmean, None))
                if beats(v.hmean, v.loss, best.hmean, best.loss):
                    best, best_state, best_epoch, stale = v, model.onnx_tensors(), epoch, 0
                else:
                    stale += 1
                    if stale >= cfg.patience and not stopped:
                        stopped = "early_stop"
            else:
                best_state, best_epoch = model.onnx_tensors(), epoch
            history.append(entry)

        model.train()
        while not stopped and epoch < cfg.max_epochs:
            epoch += 1
            order = rng.permutation(len(train))
            for first in range(0, len(train), cfg.batch_size):
                if should_stop is not None and should_stop():
                    raise Cancelled()
                if out_of_time(start, cfg.time_budget_s, train_time / max(step, 1), val_cost):
                    stopped = "time_budget"
                    break
                t0 = time.perf_counter()
                crops = [
                    random_crop(read_image(train[i].image_path), train[i], det, crop, rng)
                    for i in order[first : first + cfg.batch_size]
                ]
                x, gt, mask = (torch.from_numpy(np.stack(parts)).to(cfg.device) for parts in zip(*crops))
                loss = db_loss(model(x, logits=True), gt, mask, cfg)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                if cfg.grad_clip:
                    torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
                opt.step()
                step += 1
                train_time += time.perf_counter() - t0
                losses.append(float(loss.detach()))
                eta = eta_seconds(
                    start, cfg.time_budget_s, train_time / step, total_steps - step, val_cost, steps_per_round
                )
                emit(loop_progress("train", epoch, step, losses[-1], best.hmean if best else None, eta))
                if cfg.max_steps and step >= cfg.max_steps:
                    stopped = "max_steps"
                if cfg.val_every_steps and step % cfg.val_every_steps == 0:
                    check()
                if stopped:
                    break
            if losses and not cfg.val_every_steps:
                check()
        if losses:
            check()
    finally:
        workdir.cleanup()
    stopped = stopped or "max_epochs"
    emit(
        loop_progress(
            "done", epoch, step, history[-1]["train_loss"] if history else None, best.hmean if best else None, 0.0
        )
    )
    return DetFinetuneResult(
        best_state,
        base.hmean if base else None,
        best.hmean if best else None,
        base.loss if base else None,
        best.loss if best else None,
        best_epoch,
        epoch,
        step,
        stopped,
        time.perf_counter() - start,
        history,
    )
