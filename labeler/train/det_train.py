"""The detector training step: an export folder in, a tuned ONNX file out (labeler.train.det_finetune inside).

Runs in one process: in `labeler train` itself (engine), or in the training worker with --model det.
"""

from __future__ import annotations

import time
from pathlib import Path

from labeler.core.errors import Cancelled
from labeler.train.det_data import read_det_list
from labeler.train.det_finetune import DetFinetuneConfig, finetune_det, planned_det_steps
from labeler.train.onnx_writeback import write_back
from labeler.train.step_report import Emit, TrainInputError, progress_events, step_summary


def train_det(
    export_dir: Path,
    base_det_onnx: Path,
    out_onnx: Path,
    cfg: DetFinetuneConfig,
    emit: Emit,
    should_stop,
) -> dict:
    """Fine-tune `base_det_onnx` on export_dir/det/train.txt (validating on val.txt) and write the best weights
    into a copy of it at `out_onnx` (atomic). Returns a summary; Cancelled writes nothing."""
    started = time.perf_counter()
    export_dir, out_onnx = Path(export_dir), Path(out_onnx)
    train_list, val_list = export_dir / "det" / "train.txt", export_dir / "det" / "val.txt"
    if not train_list.is_file():
        raise TrainInputError(f"{train_list}: not found (is {export_dir} a labeler export?)")
    train = read_det_list(train_list, export_dir)
    val = read_det_list(val_list, export_dir) if val_list.is_file() else None
    if not train.samples:
        raise TrainInputError(f"{train_list}: no usable training images (skipped: {train.skipped or 'none listed'})")
    progress = progress_events("det", planned_det_steps(len(train), cfg), emit)
    val_samples = val.samples if val is not None else []
    result = finetune_det(base_det_onnx, train.samples, val_samples, cfg, progress, should_stop)
    if should_stop():
        raise Cancelled()
    changed = write_back(base_det_onnx, result.state, out_onnx)
    scores = (result.base_val_hmean, result.best_val_hmean)
    return step_summary("det", out_onnx, scores, result, started, (train, val), len(changed), 1)
