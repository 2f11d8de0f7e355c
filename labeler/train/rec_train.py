"""The recognizer training step: an export folder in, a tuned ONNX file out (labeler.train.rec_finetune inside).

Run in the `labeler train` process (labeler.train.rec_step) or in each rank of the training worker
(labeler.train.worker under torch.distributed.run).
"""

from __future__ import annotations

import time
from pathlib import Path

from labeler.core.errors import Cancelled
from labeler.train.onnx_writeback import write_back
from labeler.train.rec_data import read_dict_file, read_rec_list
from labeler.train.rec_finetune import finetune_rec, planned_steps
from labeler.train.step_report import Emit, TrainInputError, progress_events, step_summary


def train_rec(
    export_dir: Path,
    base_rec_onnx: Path,
    dict_path: Path,
    out_onnx: Path,
    cfg,
    emit: Emit,
    should_stop,
    dist=None,
) -> dict:
    """Fine-tune `base_rec_onnx` on export_dir/rec/train.txt (validating on val.txt) and write the best
    weights into a copy of it at `out_onnx` (atomic). Returns a summary dict. Cancelled when should_stop()
    turns true: nothing is written. With `dist`, only rank 0 writes and emits.
    """
    started = time.perf_counter()
    export_dir, out_onnx = Path(export_dir), Path(out_onnx)
    charset = read_dict_file(dict_path)
    train_list, val_list = export_dir / "rec" / "train.txt", export_dir / "rec" / "val.txt"
    if not train_list.is_file():
        raise TrainInputError(f"{train_list}: not found (is {export_dir} a labeler export?)")
    train = read_rec_list(train_list, charset, export_dir, cfg.height, cfg.max_width)
    val = read_rec_list(val_list, charset, export_dir, cfg.height, cfg.max_width) if val_list.is_file() else None
    if not train.samples:
        raise TrainInputError(f"{train_list}: no usable training crops (skipped: {train.skipped or 'none listed'})")
    world = dist.world if dist is not None else 1
    main = dist is None or dist.is_main
    quiet: Emit = emit if main else (lambda event: None)
    progress = progress_events("rec", planned_steps(len(train), cfg, world), quiet)
    val_samples = val.samples if val is not None else []
    result = finetune_rec(base_rec_onnx, charset, train.samples, val_samples, cfg, progress, should_stop, dist)
    changed: list[str] = []
    if main:
        if should_stop():
            raise Cancelled()
        changed = write_back(base_rec_onnx, result.state, out_onnx)  # temp file + fsync + os.replace
    summary = step_summary(
        "rec",
        out_onnx if main else None,
        (result.base_val_acc, result.best_val_acc),
        result,
        started,
        (train, val),
        len(changed),
        world,
    )
    summary.update(blend_alpha=result.blend_alpha, blend_trials=result.blend_trials)
    return summary
