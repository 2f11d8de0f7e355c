"""Pre-labelling benchmark: speed, memory and accuracy of our pipeline (both model sets) and the peer.

    python benchmarks/prelabel.py [--data ../shared/eval/public] [--threads 2] [--sets default,light] [--rounds N]

Each system runs in its own subprocess on the same images with the same thread count, so peak
memory is its own. The peer (RapidOCR 3.10.0, same PP-OCRv6 files) runs when `rapidocr` is importable.
Prints a table: per-stage seconds, s/image, images/s, peak RSS, and the metrics of `labeler eval`.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
DEFAULT_DATA = REPO.parent / "shared" / "eval" / "public"


def _images(data: Path) -> list[Path]:
    from labeler.core.image_io import list_images

    return list_images(data / "images")


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux reports KiB


def run_ours(data: Path, threads: int, model_set: str, opts: dict) -> dict:
    from labeler.core.image_io import read_image
    from labeler.ocr.det import DetParams
    from labeler.ocr.pipeline import OcrPipeline, PipelineOptions, det_params, rec_params
    from labeler.ocr.rec import RecParams
    from labeler.ocr.registry import resolve_model_set

    t0 = time.perf_counter()
    workers = int(opts.pop("workers", 1))
    session_threads = max(1, threads // workers)
    # The same options as `labeler prelabel` (spinning threads: the machine is ours).
    options = PipelineOptions(threads=session_threads, text_score=opts.pop("text_score", 0.5), spin_threads=True)
    models = resolve_model_set(model_set)
    if opts:  # experiments: override det / rec parameters ("db.NAME" for DB post-processing)
        from dataclasses import replace

        det_kw = {k: v for k, v in opts.items() if k in DetParams.__dataclass_fields__}
        rec_kw = {k: v for k, v in opts.items() if k in RecParams.__dataclass_fields__}
        db_kw = {k[3:]: v for k, v in opts.items() if k.startswith("db.")}
        det, rec = det_params(models), rec_params(models)
        options = replace(options, det=replace(det, db=replace(det.db, **db_kw), **det_kw), rec=replace(rec, **rec_kw))
    pipe = OcrPipeline(models, options)
    pipe.load()
    load_s = time.perf_counter() - t0
    from labeler.ocr.batch import ocr_images

    preds, per_image, stages = {}, [], {"det": 0.0, "crop": 0.0, "cls": 0.0, "rec": 0.0}
    start = time.perf_counter()
    for item in ocr_images(pipe, _images(data), read_image, workers):
        path, result = item.path, item.result
        # With several images in flight, per-image time is the interval between finished images.
        per_image.append(time.perf_counter() - start)
        start = time.perf_counter()
        for k in stages:
            stages[k] += getattr(result.timings, k)
        preds[f"images/{path.name}"] = [
            {"transcription": r.text, "points": r.points.tolist(), "score": r.score} for r in result.regions
        ]
    return {"preds": preds, "per_image": per_image, "stages": stages, "load_s": load_s, "peak_rss_mb": _peak_rss_mb()}


def run_peer(data: Path, threads: int) -> dict:
    import cv2
    from rapidocr import RapidOCR

    t0 = time.perf_counter()
    engine = RapidOCR(
        params={
            "EngineConfig.onnxruntime.intra_op_num_threads": threads,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
            "Global.log_level": "error",
        }
    )
    load_s = time.perf_counter() - t0
    preds, per_image, stages = {}, [], {"det": 0.0, "crop": 0.0, "cls": 0.0, "rec": 0.0}
    for path in _images(data):
        start = time.perf_counter()
        image = cv2.imread(str(path))
        out = engine(image)
        per_image.append(time.perf_counter() - start)
        elapse = getattr(out, "elapse_list", None) or [0.0, 0.0, 0.0]
        for k, v in zip(("det", "cls", "rec"), elapse):
            stages[k] += float(v or 0.0)
        boxes = [] if out.boxes is None else out.boxes.tolist()
        txts = out.txts or ()
        scores = out.scores or ()
        preds[f"images/{path.name}"] = [
            {"transcription": t, "points": b, "score": float(s)} for b, t, s in zip(boxes, txts, scores)
        ]
    return {"preds": preds, "per_image": per_image, "stages": stages, "load_s": load_s, "peak_rss_mb": _peak_rss_mb()}


def _score(data: Path, preds: dict) -> dict:
    from labeler.core.metrics import evaluate
    from labeler.core.ppocrlabel_format import parse_label_line, read_label_file

    gt = read_label_file(data / "Label.txt").by_key()
    pred = {k: parse_label_line(k + "\t" + json.dumps(v)).regions for k, v in preds.items()}
    return evaluate(gt, pred).total.metrics()


def _worker(args: argparse.Namespace) -> None:
    data = Path(args.data)
    opts = json.loads(args.opts) if args.opts else {}
    res = run_peer(data, args.threads) if args.worker == "peer" else run_ours(data, args.threads, args.worker, opts)
    json.dump(res, sys.stdout)


def _spawn(system: str, args: argparse.Namespace, opts: str = "") -> dict | None:
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads))
    cmd = [sys.executable, __file__, "--worker", system, "--data", str(args.data), "--threads", str(args.threads)]
    if opts:
        cmd += ["--opts", opts]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        print(f"[{system}] failed:\n{proc.stderr[-2000:]}", file=sys.stderr)
        return None
    return json.loads(proc.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--sets", default="default,light", help="our model sets to run, comma-separated")
    parser.add_argument("--no-peer", action="store_true")
    parser.add_argument("--opts", default="", help="JSON of det/rec parameter overrides (experiments)")
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="run the systems in turn this many times (a shared machine's speed drifts); "
        "the table shows the median round, the ratio is the median of the per-round ratios",
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        _worker(args)
        return 0
    if not (args.data / "Label.txt").is_file():
        print(f"skipped: no evaluation data at {args.data}")
        return 0
    systems = [f"labeler:{s}" for s in args.sets.split(",") if s]
    try:
        import rapidocr  # noqa: F401

        if not args.no_peer:
            systems.append("peer")
    except ImportError:
        print("note: rapidocr not installed; peer row skipped (pip install rapidocr==3.10.0)")
    rounds: dict[str, list[dict]] = {}
    for _ in range(max(1, args.rounds)):
        for system in systems:  # in turn, so drift of the machine's speed hits every system alike
            res = _spawn(
                system.split(":")[-1] if system != "peer" else "peer", args, args.opts if system != "peer" else ""
            )
            if res is not None:
                rounds.setdefault(system, []).append(res)
    rows = {}
    for system, runs in rounds.items():
        runs_by_time = sorted(runs, key=lambda r: sum(r["per_image"]))
        res = dict(runs_by_time[len(runs_by_time) // 2])  # the median round
        res["peak_rss_mb"] = max(r["peak_rss_mb"] for r in runs)
        res["metrics"] = _score(args.data, res["preds"])
        res["round_totals"] = [sum(r["per_image"]) for r in runs]
        rows[system] = res
    n = len(_images(args.data))
    header = f"{'system':18} {'det s':>7} {'cls s':>6} {'rec s':>7} {'s/img':>6} {'med':>5} {'img/s':>6} {'load s':>6} {'peakMB':>7}"
    metric_names = ["det_hmean", "rec_acc", "rec_acc_norm", "one_minus_ned", "e2e_hmean", "zero_edit"]
    header += "".join(f" {m[:12]:>12}" for m in metric_names)
    print(f"\n{n} images from {args.data}, {args.threads} threads\n")
    print(header)
    print("-" * len(header))
    for system, r in rows.items():
        total = sum(r["per_image"])
        line = (
            f"{system:18} {r['stages']['det']:7.1f} {r['stages']['cls']:6.1f} {r['stages']['rec']:7.1f} "
            f"{total / n:6.2f} {statistics.median(r['per_image']):5.2f} {n / total:6.2f} {r['load_s']:6.2f} "
            f"{r['peak_rss_mb']:7.0f}"
        )
        line += "".join(f" {r['metrics'][m]:12.3f}" for m in metric_names)
        print(line)
    if "peer" in rows:
        print()
        peer_totals = rows["peer"]["round_totals"]
        for system, r in rows.items():
            if system == "peer":
                continue
            ratios = [p / o for p, o in zip(peer_totals, r["round_totals"])]
            each = ", ".join(f"{x:.2f}" for x in ratios)
            print(
                f"speed ratio {system} / peer: {statistics.median(ratios):.2f}x images per second"
                + (f" (median of {len(ratios)} rounds: {each})" if len(ratios) > 1 else "")
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
