"""`labeler eval GT_LABEL PRED_LABEL`: detection / recognition / end-to-end figures of predictions against GT."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from labeler.commands._common import require_file
from labeler.core.errors import FileError
from labeler.core.metrics import EvalResult, evaluate
from labeler.core.ppocrlabel_format import LabelFileContent, read_label_file

DESCRIPTION = (
    "Compare predictions (Cache.cach or a Label.txt) with ground truth (Label.txt). Regions match one-to-one "
    "at polygon IoU >= 0.5, highest first; '###' / difficult GT regions are not scored, and predictions lying "
    "mostly inside them are dropped. Images are paired by key, then by file name."
)


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = subparsers.add_parser("eval", help="score predictions against ground truth", description=DESCRIPTION)
    parser.add_argument("gt", metavar="GT_LABEL", type=Path, help="ground truth label file (Label.txt)")
    parser.add_argument("pred", metavar="PRED_LABEL", type=Path, help="predictions (Cache.cach or Label.txt)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    parser.add_argument("--per-image", action="store_true", help="add one line (or JSON entry) per image")
    parser.set_defaults(run=run)
    return parser


def _read(path: Path, allow_empty: bool) -> LabelFileContent:
    """Read one label file, reporting bad lines on stderr; raise only when nothing usable is left."""
    try:
        content = read_label_file(path)
    except OSError as exc:
        raise FileError(path, f"cannot read ({exc.strerror or exc})") from None
    for err in content.errors:
        print(f"labeler eval: {err}", file=sys.stderr)
    # An empty prediction file is a legitimate (bad) result; a GT with nothing in it cannot be scored.
    if not content.lines and (content.errors or not allow_empty):
        raise FileError(path, "no readable label lines")
    return content


def _fmt(value: float) -> str:
    return f"{value:.3f}"


def _table(result: EvalResult, gt_path: Path, pred_path: Path) -> str:
    c = result.counts()
    missing = c["images_missing_pred"]
    dropped = c["pred_dropped"]
    rows = [
        ("images", f"{c['images']}", f"{missing} without predictions (all missed)" if missing else ""),
        ("gt regions scored", f"{c['gt_scored']}", ""),
        ("gt don't-care", f"{c['gt_dont_care']}", "not scored"),
        ("predictions", f"{c['predictions']}", f"+ {dropped} dropped inside don't-care regions" if dropped else ""),
        ("matched", f"{c['matched']}", f"{c['text_exact']} with exact text"),
    ]
    if c["pred_images_not_in_gt"]:
        rows.append(("pred-only images", f"{c['pred_images_not_in_gt']}", "not in GT, not scored"))
    rows.append(("", "", ""))
    rows += [(name, _fmt(value), "") for name, value in result.metrics().items()]
    width = max(len(r[0]) for r in rows)
    num_width = max(len(r[1]) for r in rows)
    lines = [f"GT:   {gt_path}", f"pred: {pred_path}", ""]
    for label, value, note in rows:
        line = f"{label:<{width}}  {value:>{num_width}}" + (f"  {note}" if note else "")
        lines.append(line.rstrip())
    return "\n".join(lines)


def _per_image_table(result: EvalResult) -> str:
    names = [image.key if image.pred_key is not None else f"{image.key} (no pred)" for image in result.images]
    w = max([len("image"), *map(len, names)])
    lines = [f"{'image':<{w}} {'gt':>5} {'pred':>5} {'match':>5} {'det_H':>6} {'rec_acc':>7} {'e2e_H':>6}"]
    for name, image in zip(names, result.images):
        t = image.tally
        lines.append(
            f"{name:<{w}} {t.gt_scored:>5} {t.predictions:>5} {t.matched:>5} "
            f"{_fmt(t.det_hmean):>6} {_fmt(t.rec_acc):>7} {_fmt(t.e2e_hmean):>6}"
        )
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    require_file(args.gt, "GT_LABEL")
    require_file(args.pred, "PRED_LABEL")
    gt = _read(args.gt, allow_empty=False)
    pred = _read(args.pred, allow_empty=True)
    result = evaluate(gt.by_key(), pred.by_key())
    if result.unmatched_pred:
        print(
            f"labeler eval: warning: {len(result.unmatched_pred)} predicted image(s) not in the GT, not scored "
            f"(first: {result.unmatched_pred[0]})",
            file=sys.stderr,
        )
    if args.json:
        out = result.to_dict(per_image=args.per_image)
        out["gt"], out["pred"] = str(args.gt), str(args.pred)
        out["errors"] = len(gt.errors) + len(pred.errors)
        print(json.dumps(out, ensure_ascii=False, indent=None))
        return 0
    print(_table(result, args.gt, args.pred))
    if args.per_image:
        print()
        print(_per_image_table(result))
    return 0
