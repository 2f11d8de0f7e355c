"""`labeler confirm DIR [IMAGE...]`: promote pre-labels to confirmed labels, headless.

The command-line counterpart of the window's Ctrl+V: each chosen pre-labelled image (Cache.cach) becomes
confirmed (Label.txt + fileState.txt) with its regions as they are. `--min-score X` confirms only images
whose every recognised region scored at least X (regions drawn by hand have no score and do not hold an
image back); the others are listed with their lowest score. Saved through the project's locked merge, so
it is safe beside an open window or a running `labeler prelabel`.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path

from labeler.commands._common import fraction, require_folder


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("confirm", help="promote pre-labels to confirmed labels", description=__doc__)
    p.add_argument("folder", type=Path, metavar="DIR")
    p.add_argument(
        "images", nargs="*", metavar="IMAGE", help="image file names in DIR (default: every pre-labelled one)"
    )
    p.add_argument("--min-score", type=fraction, metavar="X", help="only images whose regions all scored >= X (0..1)")
    p.add_argument("--dry-run", action="store_true", help="say what would be confirmed, write nothing")
    p.set_defaults(run=run)


@dataclass
class ConfirmPlan:
    confirm: list[str] = field(default_factory=list)
    low_score: list[tuple[str, float]] = field(default_factory=list)  # (image, its lowest score)
    not_prelabelled: list[str] = field(default_factory=list)  # new (nothing to confirm) or already confirmed
    unknown: list[str] = field(default_factory=list)  # named but not an image of the folder


def plan_confirm(project, names: list[str], min_score: float | None) -> ConfirmPlan:
    from labeler.core.model import ImageStatus

    plan = ConfirmPlan()
    chosen = names or [r.path for r in project.records if r.status is ImageStatus.PRELABELLED]
    for name in chosen:
        rec = project.by_path.get(name) or project.by_path.get(Path(name).name)  # "DIR/x.png" or "x.png"
        if rec is None:
            plan.unknown.append(name)
        elif rec.status is not ImageStatus.PRELABELLED:
            plan.not_prelabelled.append(f"{rec.path} ({rec.status.value})")
        else:
            scores = [r.score for r in rec.regions if r.score is not None]
            if min_score is not None and scores and min(scores) < min_score:
                plan.low_score.append((rec.path, min(scores)))
            else:
                plan.confirm.append(rec.path)
    return plan


def run(args: argparse.Namespace) -> int:
    from labeler.core.model import ImageStatus
    from labeler.core.project import open_project, save_project

    require_folder(args.folder)
    project = open_project(args.folder)
    for err in project.errors:
        print(f"labeler confirm: warning: {err}", file=sys.stderr)
    plan = plan_confirm(project, args.images, args.min_score)
    regions = 0
    if not args.dry_run and plan.confirm:
        with project.lock:
            for path in plan.confirm:
                rec = project.record(path)
                regions += len(rec.regions)
                rec.status = ImageStatus.CONFIRMED
                rec.mark_edited()
        result = save_project(project)
        for line in result.messages():
            print(line, file=sys.stderr)
    else:
        regions = sum(len(project.record(p).regions) for p in plan.confirm)
    verb = "would confirm" if args.dry_run else "confirmed"
    print(f"{verb} {len(plan.confirm)} image(s) ({regions} regions) in {project.folder}")
    for path, score in plan.low_score:
        print(f"  left: {path}: a region scored {score:.3f} < --min-score {args.min_score}")
    for text in plan.not_prelabelled:
        print(f"  left: {text}: not pre-labelled")
    for name in plan.unknown:
        print(f"labeler confirm: error: not found: {name} (no such image in {project.folder})", file=sys.stderr)
    return 1 if plan.unknown else 0
