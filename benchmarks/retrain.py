"""Retrain benchmark (skeleton): fine-tune the recognizer on a labelled folder, compare on held-out crops.

    python benchmarks/retrain.py [--train DIR] [--test DIR] [--set ppocrv6-small] [--minutes 20]
                                 [--threads 2] [--max-steps 0] [--out DIR]

Steps: export TRAIN (a PPOCRLabel folder: Label.txt + images) with labeler.core.export into OUT/train-export
(train:val 9:1 by image), fine-tune the set's rec model (labeler.train.rec_finetune) within the time budget,
write the best weights into OUT/tuned/<rec file> (never over the bundled files), then read TEST's
ground-truth crops with the base and the tuned model and print exact-match accuracy for both.
Defaults use ../shared/eval/sroie-retrain (internal data, never copied into the repo).

Still to come with the acceptance gate (issue 5): full-pipeline zero_edit / rec_acc through `labeler eval`
on TEST, and the forgetting check on ../shared/eval/public.
Targets (issue 5, 2 CPU cores): fine-tune <= 20 min; on test zero_edit 0.48 -> >= 0.80, rec_acc >= 0.85.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

SHARED = REPO.parent / "shared" / "eval" / "sroie-retrain"


def _export(folder: Path, out: Path, train: float, val: float, test: float, dict_path: Path) -> Path:
    from labeler.core.export import ExportOptions, export_dataset
    from labeler.core.model import ImageRecord, ImageStatus
    from labeler.core.ppocrlabel_format import read_label_file
    from labeler.core.split import SplitRatios

    # The eval sets are Label.txt + images/ without fileState.txt: every labelled image counts as confirmed.
    records = [ImageRecord(path=key, status=ImageStatus.CONFIRMED, regions=regions)
               for key, regions in read_label_file(folder / "Label.txt").by_key().items()]
    opts = ExportOptions(split=SplitRatios(train, val, test), crop_format="png", dict_path=str(dict_path))
    t0 = time.perf_counter()
    export_dataset(records, folder, out, opts)
    print(f"exported {folder} -> {out} in {time.perf_counter() - t0:.1f} s", flush=True)
    return out


def _accuracy(onnx_path: Path, charset: list[str], samples, threads: int) -> float:
    from labeler.ocr.rec import TextRecognizer
    from labeler.ocr.session import OrtSession

    rec = TextRecognizer(OrtSession(onnx_path, threads=threads), charset)
    texts = rec([s.image for s in samples]).texts
    return sum(t == s.text for t, s in zip(texts, samples)) / max(len(samples), 1)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--train", type=Path, default=SHARED / "train")
    ap.add_argument("--test", type=Path, default=SHARED / "test")
    ap.add_argument("--set", default="ppocrv6-small", help="model set name or folder (labeler models)")
    ap.add_argument("--minutes", type=float, default=20.0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--max-steps", type=int, default=0, help="stop after this many steps (0: budget only)")
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--out", type=Path, default=REPO / "bench-out" / "retrain")
    args = ap.parse_args(argv)
    if not (args.train / "Label.txt").is_file():
        print(f"{args.train}: no Label.txt (../shared/eval absent?)", file=sys.stderr)
        return 2

    import torch

    from labeler.train.onnx_writeback import write_back
    from labeler.train.rec_data import read_dict_file, read_rec_list
    from labeler.train.rec_finetune import RecFinetuneConfig, finetune_rec

    torch.set_num_threads(args.threads)
    from labeler.ocr.registry import resolve_model_set

    model_set = resolve_model_set(args.set)
    base_rec, dict_path = model_set.rec.path, model_set.rec.dict_path
    if dict_path is None:
        raise SystemExit(f"{args.set}: the rec model has no dictionary file")
    charset = read_dict_file(dict_path)
    train_export = _export(args.train, args.out / "train-export", 9, 1, 0, dict_path)
    train = read_rec_list(train_export / "rec" / "train.txt", charset)
    val = read_rec_list(train_export / "rec" / "val.txt", charset)
    print(f"train {len(train)} crops (skipped {train.skipped}), val {len(val)} (skipped {val.skipped})", flush=True)

    def progress(event: dict) -> None:
        print(json.dumps(event), flush=True)

    cfg = RecFinetuneConfig(lr=args.lr, time_budget_s=args.minutes * 60, max_steps=args.max_steps)
    result = finetune_rec(base_rec, charset, train.samples, val.samples, cfg, progress)
    tuned = args.out / "tuned" / base_rec.name
    changed = write_back(base_rec, result.state, tuned)
    print(f"fine-tune: {result.steps} steps, {result.epochs} epochs, {result.seconds:.0f} s, stopped: "
          f"{result.stopped}; val acc {result.base_val_acc} -> {result.best_val_acc}; "
          f"{len(changed)} tensors written to {tuned}", flush=True)

    if (args.test / "Label.txt").is_file():
        test_export = _export(args.test, args.out / "test-export", 1, 0, 0, dict_path)
        test = read_rec_list(test_export / "rec" / "train.txt", charset)
        base_acc = _accuracy(base_rec, charset, test.samples, args.threads)
        tuned_acc = _accuracy(tuned, charset, test.samples, args.threads)
        print(f"| test crops | base rec acc | tuned rec acc |\n|---|---|---|\n"
              f"| {len(test)} | {base_acc:.3f} | {tuned_acc:.3f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
