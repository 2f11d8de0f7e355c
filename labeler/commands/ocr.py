"""`labeler ocr IMAGE... [--json]`: read text from images with the bundled models."""

from __future__ import annotations

import argparse
import json
import sys
import time

from labeler.commands._common import add_model_options, make_pipeline
from labeler.core.errors import ImageReadError


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("ocr", help="detect and recognize text in images", description=__doc__)
    p.add_argument("images", nargs="+", metavar="IMAGE")
    p.add_argument("--json", action="store_true", help="one JSON document with regions, scores and timings")
    add_model_options(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from labeler.core.image_io import read_image

    start = time.perf_counter()
    pipe = make_pipeline(args)
    pipe.load()
    load_s = time.perf_counter() - start
    results, failed = [], 0
    for path in args.images:
        try:
            image = read_image(path)
        except ImageReadError as exc:
            print(f"labeler ocr: error: {exc}", file=sys.stderr)
            failed += 1
            continue
        res = pipe(image)
        t = res.timings
        results.append(
            {
                "image": path,
                "width": res.width,
                "height": res.height,
                "regions": [
                    {"points": r.points.round(1).tolist(), "text": r.text, "score": round(r.score, 4)}
                    for r in res.regions
                ],
                "timings": {k: round(getattr(t, k), 4) for k in ("det", "crop", "cls", "rec", "total")},
            }
        )
        if not args.json:
            if len(args.images) > 1:
                print(f"== {path} ({len(res.regions)} regions, {t.total:.2f} s)")
            for r in res.regions:
                print(f"{r.text}\t{r.score:.3f}")
    if args.json:
        doc = {"model_set": pipe.model_set.name, "load_seconds": round(load_s, 4), "images": results}
        json.dump(doc, sys.stdout, ensure_ascii=False, indent=1)
        print()
    return 1 if failed else 0
