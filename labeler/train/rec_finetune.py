"""CTC fine-tuning of a PP-OCR recognizer, starting from its ONNX weights (PyTorch, CPU or CUDA).

Guards against forgetting what the base model knows (the user's few hundred crops must not erase
millions of pre-training samples):
- low learning rate (AdamW, 5e-5, PaddleOCR's fine-tune guidance is ~1e-4 at batch 8) and gradient
  clipping, so one odd batch cannot move the weights far;
- frozen BatchNorm statistics (OnnxModule.freeze_bn_stats): small batches of one user's scans would
  otherwise re-centre every feature;
- light augmentation (labeler.train.rec_data.augment) so the crops are not memorised pixel for pixel;
- the base model is validated first and is the best state until a fine-tuned one beats it on the
  validation split (exact-match accuracy, ties broken by validation loss); early stopping after
  `patience` epochs without improvement. A run that never improves returns the base weights.

The loss is CTC on the log of the model's softmax output. When the graph ends in Softmax (all PP-OCR
rec graphs do), it is computed as log_softmax of the Softmax input, which is the same value without
the clamp that log(softmax) needs and without its dead gradients; otherwise log(clamp(p, 1e-10)).

Data-parallel runs (labeler.train.worker under torch.distributed.run) pass a DistContext: the ranks
draw the same shuffled global batches, each takes every world-th crop of a batch padded to the whole
batch's width and weighted by its share, so DistributedDataParallel's mean gradient is exactly the
one-process gradient of the whole batch; the single-process path is the one without `dist`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from labeler.core.errors import Cancelled
from labeler.ocr.ctc import case_fold_columns, ctc_greedy_decode, fold_case
from labeler.train.distributed import DistContext
from labeler.train.finetune_rounds import beats, eta_seconds, loop_progress, out_of_time
from labeler.train.onnx_module import OnnxModule, denormals_flushed
from labeler.train.rec_data import (
    AugmentParams,
    RecSample,
    batch_width,
    make_batch,
    training_batches,
    validation_batches,
)
from labeler.train.weight_blend import BlendTrial, blend_states, pick_blend

ProgressFn = Callable[[dict], None]
CancelFn = Callable[[], bool]


@dataclass(frozen=True)
class RecFinetuneConfig:
    lr: float = 5e-5
    weight_decay: float = 0.01
    batch_size: int = 8
    max_epochs: int = 20
    max_steps: int = 0  # 0: no limit (tests and benchmarks cap it)
    patience: int = 3  # rounds (epochs, or val_every_steps) without validation improvement before stopping
    val_every_steps: int = 0  # 0: validate after each epoch; N: every N steps (large sets, short budgets)
    time_budget_s: float = 1200.0
    grad_clip: float = 5.0
    augment: AugmentParams | None = AugmentParams()
    freeze_bn_stats: bool = True
    height: int = 48
    min_width: int = 320
    max_width: int = 960
    val_batch_size: int = 6  # labeler.ocr.rec's default, so validation reads crops as inference does
    seed: int = 0
    device: str = "cpu"
    num_threads: int = 0  # 0: leave torch's default
    # "upper"/"lower": the project writes every letter in that case (labeler.core.conventions). The loss
    # then reads each letter and its partner as one class, so training teaches glyphs, not the case
    # convention, which inference applies by folding the same way (labeler.ocr.ctc.fold_case).
    text_case: str = ""
    case_split_weight: float = 0.0  # with text_case: keep the base model's split between a letter's cases
    # Weight-space blends toward the base checked on validation after training (labeler.train.weight_blend):
    # the smallest alpha whose validation accuracy is within blend_tolerance of the best is kept.
    blend_alphas: tuple[float, ...] = ()
    blend_tolerance: float | None = None  # None: one standard error of the best validation accuracy


@dataclass
class RecFinetuneResult:
    state: dict[str, np.ndarray]  # best weights by ONNX name, ready for onnx_writeback.write_back
    base_val_acc: float | None
    best_val_acc: float | None
    base_val_loss: float | None
    best_val_loss: float | None
    best_epoch: int  # the epoch the best weights come from; 0: the base model was never beaten
    epochs: int
    steps: int
    stopped: str  # "early_stop", "time_budget", "max_epochs", "max_steps"
    seconds: float
    history: list[dict] = field(default_factory=list)  # one entry per epoch
    blend_alpha: float = 1.0  # how far toward the fine-tuned weights the returned state lies (1: all the way)
    blend_trials: list[dict] = field(default_factory=list)  # {alpha, val_acc, val_loss} of each blend checked


@dataclass
class _Validation:
    acc: float
    loss: float
    seconds: float


@dataclass(frozen=True)
class CaseFold:
    """Letters read as their partner in one case: log-probabilities summed, labels mapped."""

    columns: tuple[np.ndarray, np.ndarray]  # (from, to) class indices, labeler.ocr.ctc.case_fold_columns
    to_unique: torch.Tensor
    to_position: torch.Tensor  # for each `from` column, the index of its partner in to_unique
    label_map: dict[int, int]

    @classmethod
    def of(cls, charset: list[str], text_case: str) -> CaseFold | None:
        if not text_case:
            return None
        src, dst = case_fold_columns(charset, text_case)
        unique, position = np.unique(dst, return_inverse=True)
        return cls(
            (src, dst),
            torch.from_numpy(unique),
            torch.from_numpy(position.astype(np.int64)),
            {int(a): int(b) for a, b in zip(src, dst)},
        )

    def log_probs(self, lp: torch.Tensor) -> torch.Tensor:
        src = torch.from_numpy(self.columns[0]).to(lp.device)
        to, pos = self.to_unique.to(lp.device), self.to_position.to(lp.device)
        moved = torch.zeros(lp.shape[:2] + (len(to),), dtype=lp.dtype, device=lp.device)
        moved = moved.index_add(2, pos, lp[..., src].exp())
        out = lp.clone()
        out[..., to] = torch.log(torch.clamp(lp[..., to].exp() + moved, min=1e-30))
        return out

    def labels(self, labels: Sequence[Sequence[int]]) -> list[list[int]]:
        return [[self.label_map.get(c, c) for c in seq] for seq in labels]


def case_split_terms(lp: torch.Tensor, base_lp: torch.Tensor, fold: CaseFold) -> tuple[torch.Tensor, torch.Tensor]:
    """Weighted sum and weight sum of the case-split cross-entropy (see case_split_loss), kept apart so
    data-parallel ranks can divide by the whole batch's weight."""
    src = torch.from_numpy(fold.columns[0]).to(lp.device)
    dst = torch.from_numpy(fold.columns[1]).to(lp.device)
    split = lp[..., dst] - lp[..., src]
    base_split = base_lp[..., dst] - base_lp[..., src]
    weight = base_lp[..., dst].exp() + base_lp[..., src].exp()
    total = F.binary_cross_entropy_with_logits(split, torch.sigmoid(base_split), weight=weight, reduction="sum")
    return total, weight.sum()


def case_split_loss(lp: torch.Tensor, base_lp: torch.Tensor, fold: CaseFold) -> torch.Tensor:
    """How far the model's split between each letter's two cases moved from the base model's, weighted
    by how likely the base model finds the letter there (Bernoulli cross-entropy on the split)."""
    total, weight = case_split_terms(lp, base_lp, fold)
    return total / weight.clamp(min=1e-6)


def ctc_loss(log_probs: torch.Tensor, labels: Sequence[Sequence[int]], fold: CaseFold | None = None) -> torch.Tensor:
    """CTC loss of [N, T, C] log-probabilities (blank = 0): per sample divided by its label length, then averaged."""
    if fold is not None:
        log_probs, labels = fold.log_probs(log_probs), fold.labels(labels)
    n, t, _ = log_probs.shape
    targets = torch.tensor([c for seq in labels for c in seq], dtype=torch.long)
    target_lengths = torch.tensor([len(seq) for seq in labels], dtype=torch.long)
    input_lengths = torch.full((n,), t, dtype=torch.long)
    return F.ctc_loss(
        log_probs.permute(1, 0, 2).float(),
        targets,
        input_lengths,
        target_lengths,
        blank=0,
        reduction="mean",
        zero_infinity=True,
    )


def training_loss(
    lp: torch.Tensor,
    labels: Sequence[Sequence[int]],
    x: torch.Tensor,
    cfg: RecFinetuneConfig,
    fold: CaseFold | None,
    base_model: OnnxModule | None,
) -> torch.Tensor:
    """CTC loss of one batch, plus the case-split term when a frozen base model is given."""
    loss = ctc_loss(lp, labels, fold)
    if base_model is not None and fold is not None:
        with torch.no_grad():
            base_lp = model_log_probs(base_model, x)
        loss = loss + cfg.case_split_weight * case_split_loss(lp, base_lp, fold)
    return loss


def model_log_probs(model: OnnxModule, x: torch.Tensor) -> torch.Tensor:
    if model.ends_in_softmax:
        return model(x, log_probs=True)
    return torch.log(torch.clamp(model(x), min=1e-10))


def _state_of(model: OnnxModule) -> dict[str, np.ndarray]:
    return {k: v.copy() for k, v in model.onnx_tensors().items()}


def validate(
    model: OnnxModule,
    samples: Sequence[RecSample],
    charset: list[str],
    cfg: RecFinetuneConfig,
    should_stop: CancelFn | None = None,
    dist: DistContext | None = None,
) -> _Validation:
    """Exact-match accuracy and mean CTC loss, reading crops as labeler.ocr.rec does (no augmentation).

    With `dist`, each rank reads every world-th batch and the counts are summed: the same figures as one process.
    """
    start = time.perf_counter()
    was_training = model.training
    model.eval()
    batches = validation_batches(samples, cfg.val_batch_size)
    mine = dist.shard(batches) if dist else batches
    rounds = math.ceil(len(batches) / dist.world) if dist else len(batches)
    correct, loss_sum, n_batches = 0, 0.0, 0
    fold = CaseFold.of(charset, cfg.text_case)
    with torch.no_grad():
        for k in range(rounds):
            stop = should_stop is not None and should_stop()
            if dist:
                (stop,) = dist.any_flag(stop)  # every rank polls at the same round, so all stop together
            if stop:
                raise Cancelled()
            if k >= len(mine):
                continue
            chosen = [samples[i] for i in mine[k]]
            x, labels = make_batch(chosen, None, cfg.height, cfg.min_width, cfg.max_width)
            lp = model_log_probs(model, torch.from_numpy(x).to(cfg.device))
            loss_sum += float(ctc_loss(lp, labels, fold))
            n_batches += 1
            probs = lp.exp().cpu().numpy()
            if fold is not None:
                probs = fold_case(probs, fold.columns)  # read as inference reads with this convention
            for s, (text, _) in zip(chosen, ctc_greedy_decode(probs, charset)):
                correct += text == s.text
    if dist:
        correct, loss_sum, n_batches = dist.sum(correct, loss_sum, n_batches)
    model.train(was_training)
    return _Validation(correct / max(len(samples), 1), loss_sum / max(n_batches, 1), time.perf_counter() - start)


def steps_per_epoch(n_train: int, batch_size: int, world: int = 1) -> int:
    """Optimizer steps in one epoch; with several processes a last batch smaller than the world is dropped."""
    full, tail = divmod(n_train, batch_size)
    return full + (1 if tail >= world else 0)


def planned_steps(n_train: int, cfg: RecFinetuneConfig, world: int = 1) -> int:
    """The total_steps a run of `cfg` plans for (fewer when it stops early or runs out of time)."""
    total = steps_per_epoch(n_train, cfg.batch_size, world) * cfg.max_epochs
    return min(total, cfg.max_steps) if cfg.max_steps else total


def backward_on_shard(
    model: OnnxModule,
    net: torch.nn.Module,
    samples: Sequence[RecSample],
    global_count: int,
    width: int,
    cfg: RecFinetuneConfig,
    dist: DistContext,
    rng: np.random.Generator | None,
    fold: CaseFold | None = None,
    base_model: OnnxModule | None = None,
) -> float:
    """Forward + backward of this rank's share of one global batch; returns the global batch's mean loss.

    Every rank pads to the global batch's width (`width`) and weighs its mean loss by its share, so the
    gradient DistributedDataParallel averages is exactly the gradient of the whole batch in one process.
    """
    x, labels = make_batch(samples, rng if cfg.augment else None, cfg.height, width, width, cfg.augment)
    x_t = torch.from_numpy(x).to(cfg.device)
    lp = net(x_t, log_probs=True) if model.ends_in_softmax else torch.log(torch.clamp(net(x_t), min=1e-10))
    ctc = ctc_loss(lp, labels, fold)
    loss = ctc * (len(samples) * dist.world / global_count)
    split = torch.zeros(())
    if base_model is not None and fold is not None:
        with torch.no_grad():
            base_lp = model_log_probs(base_model, x_t)
        part, weight = case_split_terms(lp, base_lp, fold)
        (weight_all,) = dist.sum(float(weight))  # the whole batch's weight, as one process divides by
        split = part / max(weight_all, 1e-6)
        loss = loss + cfg.case_split_weight * split * dist.world
    loss.backward()
    total, split_all = dist.sum(float(ctc.detach()) * len(samples), float(split.detach()))
    return total / global_count + cfg.case_split_weight * split_all


def finetune_rec(
    onnx_path: str | Path,
    charset: list[str],
    train: Sequence[RecSample],
    val: Sequence[RecSample],
    cfg: RecFinetuneConfig = RecFinetuneConfig(),
    progress: ProgressFn | None = None,
    should_stop: CancelFn | None = None,
    dist: DistContext | None = None,
) -> RecFinetuneResult:
    """Fine-tune the recognizer in `onnx_path` on `train`; returns the best weights by ONNX name.

    progress gets dicts {stage, epoch, step, loss, val_acc, eta_s}: "validate" before training and after
    each round, "train" after each step (with the best val_acc so far), "done" at the end. should_stop is
    polled between steps and raises Cancelled (core.errors). The time budget covers training and the last validation.

    dist (a torch.distributed.run process): cfg.batch_size is the global batch, split across the ranks; all
    ranks take the same seed-shuffled batches and leave every loop at the same step; only rank 0 reports
    progress and only rank 0's result holds the weights (the others return an empty state).
    """
    with denormals_flushed():
        return _finetune_rec(onnx_path, charset, train, val, cfg, progress, should_stop, dist)


def _finetune_rec(
    onnx_path: str | Path,
    charset: list[str],
    train: Sequence[RecSample],
    val: Sequence[RecSample],
    cfg: RecFinetuneConfig = RecFinetuneConfig(),
    progress: ProgressFn | None = None,
    should_stop: CancelFn | None = None,
    dist: DistContext | None = None,
) -> RecFinetuneResult:
    """finetune_rec itself, run with denormals flushed."""
    if not train:
        raise ValueError("no training samples")
    if dist is not None and steps_per_epoch(len(train), cfg.batch_size, dist.world) == 0:
        raise ValueError(f"{len(train)} training samples cannot be shared by {dist.world} processes")
    start = time.perf_counter()
    if dist is not None:
        cfg = replace(cfg, device=dist.device)
    if cfg.num_threads:
        torch.set_num_threads(cfg.num_threads)
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    # One process draws shuffles and augmentation from one stream; ranks must shuffle alike but augment apart.
    aug_rng = rng if dist is None else np.random.default_rng([cfg.seed, dist.rank + 1])
    keeps_state = dist is None or dist.is_main
    emit = progress if progress is not None and keeps_state else (lambda event: None)

    def cancelled() -> bool:
        return should_stop is not None and should_stop()

    blends = sorted({float(a) for a in cfg.blend_alphas if 0.0 < a < 1.0}) if val else []

    def snapshot() -> dict[str, np.ndarray]:
        return _state_of(model) if keeps_state or blends else {}  # every rank blends, so every rank keeps one

    model = OnnxModule(onnx_path, freeze_bn_stats=cfg.freeze_bn_stats).to(cfg.device)
    classes = _output_classes(model, cfg)
    if classes != len(charset):
        raise ValueError(f"model has {classes} classes but the dictionary gives {len(charset)}")
    net = dist.wrap(model) if dist is not None else model
    fold = CaseFold.of(charset, cfg.text_case)
    base_model = None
    if fold is not None and cfg.case_split_weight > 0:
        base_model = OnnxModule(onnx_path, freeze_bn_stats=True).to(cfg.device).eval()
        for p in base_model.parameters():
            p.requires_grad_(False)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    base_state = _state_of(model) if blends else {}

    val_cost = 0.0
    base = best = None
    if val:
        emit(loop_progress("validate", 0, 0, None, None, None))
        base = best = validate(model, val, charset, cfg, should_stop, dist)
        val_cost = base.seconds
        emit(loop_progress("validate", 0, 0, base.loss, base.acc, None))
    best_state, best_epoch = snapshot(), 0
    world = dist.world if dist is not None else 1
    per_epoch = steps_per_epoch(len(train), cfg.batch_size, world)
    steps_per_round = cfg.val_every_steps or per_epoch
    total_steps = planned_steps(len(train), cfg, world)
    history: list[dict] = []
    step, epoch, stale, stopped = 0, 0, 0, ""
    train_time = 0.0
    losses: list[float] = []  # since the last check

    def check() -> None:
        """Close a round (an epoch, or val_every_steps steps): validate, keep the best, count stale rounds."""
        nonlocal best, best_state, best_epoch, stale, stopped, val_cost
        entry = {"epoch": epoch, "step": step, "train_loss": float(np.mean(losses))}
        losses.clear()
        if val:
            v = validate(model, val, charset, cfg, should_stop, dist)
            val_cost = v.seconds
            entry.update(val_acc=v.acc, val_loss=v.loss)
            emit(loop_progress("validate", epoch, step, v.loss, v.acc, None))
            improved = beats(v.acc, v.loss, best.acc, best.loss)
            if dist is not None:
                improved = dist.broadcast_flag(improved)  # rank 0 decides, so no rank can part ways
            if improved:
                best, best_state, best_epoch, stale = v, snapshot(), epoch, 0
            else:
                stale += 1
                if stale >= cfg.patience and not stopped:
                    stopped = "early_stop"
        else:
            best_state, best_epoch = snapshot(), epoch  # nothing to choose by: keep the latest
        history.append(entry)

    model.train()
    while not stopped and epoch < cfg.max_epochs:
        epoch += 1
        batches = training_batches(len(train), cfg.batch_size, rng)
        if dist is not None:
            batches = batches[:per_epoch]
        for idx in batches:
            stop_now = cancelled()
            late = out_of_time(start, cfg.time_budget_s, train_time / max(step, 1), val_cost * (1 + len(blends)))
            if dist is not None:
                stop_now, late = dist.any_flag(stop_now, late)
            if stop_now:
                raise Cancelled()
            if late:
                stopped = "time_budget"
                break
            t0 = time.perf_counter()
            opt.zero_grad(set_to_none=True)
            if dist is None:
                x, labels = make_batch(
                    [train[i] for i in idx],
                    rng if cfg.augment else None,
                    cfg.height,
                    cfg.min_width,
                    cfg.max_width,
                    cfg.augment,
                )
                x_t = torch.from_numpy(x).to(cfg.device)
                loss = training_loss(model_log_probs(model, x_t), labels, x_t, cfg, fold, base_model)
                loss.backward()
                step_loss = float(loss.detach())
            else:
                width = batch_width([train[i].image for i in idx], cfg.height, cfg.min_width, cfg.max_width)
                step_loss = backward_on_shard(
                    model,
                    net,
                    [train[i] for i in dist.shard(idx)],
                    len(idx),
                    width,
                    cfg,
                    dist,
                    aug_rng,
                    fold,
                    base_model,
                )
            if cfg.grad_clip:
                torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
            opt.step()
            step += 1
            train_time += time.perf_counter() - t0
            losses.append(step_loss)
            eta = eta_seconds(
                start, cfg.time_budget_s, train_time / step, total_steps - step, val_cost, steps_per_round
            )
            emit(loop_progress("train", epoch, step, losses[-1], best.acc if best else None, eta))
            if cfg.max_steps and step >= cfg.max_steps:
                stopped = "max_steps"
            if cfg.val_every_steps and step % cfg.val_every_steps == 0:
                check()
            if stopped:
                break
        if losses and not cfg.val_every_steps:
            check()  # end of an epoch
    if losses:
        check()  # the run ended in the middle of a round: its last steps count too
    stopped = stopped or "max_epochs"
    blend_alpha, trials = 1.0, []
    if blends and best_epoch > 0:
        chosen, trials = _choose_blend(
            model, base_state, best_state, best, blends, val, charset, cfg, should_stop, dist, emit, epoch, step
        )
        if chosen.alpha < 1.0:
            blend_alpha, best = chosen.alpha, _Validation(chosen.val_acc, chosen.val_loss, 0.0)
            best_state = blend_states(base_state, best_state, chosen.alpha)
    if not keeps_state:
        best_state = {}
    seconds = time.perf_counter() - start
    emit(
        loop_progress(
            "done", epoch, step, history[-1]["train_loss"] if history else None, best.acc if best else None, 0.0
        )
    )
    return RecFinetuneResult(
        best_state,
        base.acc if base else None,
        best.acc if best else None,
        base.loss if base else None,
        best.loss if best else None,
        best_epoch,
        epoch,
        step,
        stopped,
        seconds,
        history,
        blend_alpha,
        [{"alpha": t.alpha, "val_acc": t.val_acc, "val_loss": t.val_loss} for t in trials],
    )


def _choose_blend(
    model: OnnxModule,
    base_state: dict[str, np.ndarray],
    tuned_state: dict[str, np.ndarray],
    tuned_val: _Validation,
    alphas: Sequence[float],
    val: Sequence[RecSample],
    charset: list[str],
    cfg: RecFinetuneConfig,
    should_stop: CancelFn | None,
    dist: DistContext | None,
    emit: ProgressFn,
    epoch: int,
    step: int,
) -> tuple[BlendTrial, list[BlendTrial]]:
    """Validate each blend of base and tuned weights; the pick (weight_blend.pick_blend) and all trials."""
    trials = [BlendTrial(1.0, tuned_val.acc, tuned_val.loss)]
    for alpha in alphas:
        load_state(model, blend_states(base_state, tuned_state, alpha))
        v = validate(model, val, charset, cfg, should_stop, dist)
        trials.append(BlendTrial(alpha, v.acc, v.loss))
        emit({**loop_progress("blend", epoch, step, v.loss, v.acc, None), "alpha": alpha})
    load_state(model, tuned_state)
    # Validation counts are summed over the ranks, so every rank makes the same pick.
    return pick_blend(trials, cfg.blend_tolerance, len(val)), trials


def _output_classes(model: OnnxModule, cfg: RecFinetuneConfig) -> int:
    with torch.no_grad():
        was = model.training
        model.eval()
        out = model(torch.zeros(1, 3, cfg.height, cfg.min_width, device=cfg.device))
        model.train(was)
    return int(out.shape[-1])


def load_state(model: OnnxModule, state: dict[str, np.ndarray]) -> None:
    """Copy weights by ONNX name into a module (e.g. the best state into a fresh model)."""
    with torch.no_grad():
        for name, value in state.items():
            model.tensor(name).copy_(torch.from_numpy(value))
