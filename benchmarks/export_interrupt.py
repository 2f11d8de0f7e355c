"""Re-exports killed at random: is an earlier export ever left mixed with a half-written new one?

Runs tests/unit/export_kill_harness.py (the harness of the CI test): OUT holds export v1 of a project;
export v2 (other regions, texts, split and images) into OUT is SIGKILLed after a random delay; then OUT
must be v1 byte for byte, the complete v2, or absent (between the two renames of the fallback swap; the
next export restores it), never mixed. Every tenth round an export runs to the end and must clean up.
Then the cost of the transaction: the same export into a new folder and over an earlier export.

    python benchmarks/export_interrupt.py [--rounds 50] [--seed 0] [--mode cli|zygote] [--images 6]
        [--overhead-images 100] [--repeat 3]

--mode cli runs a fresh `python -m labeler export` per round (every 5th with --workers 2, whose worker
processes must be gone after the kill); zygote forks the export from a preloaded process (faster, and
every 2nd round uses the two-rename swap instead of renameat2).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from machine import cpu_model

from tests.unit.export_kill_harness import Cli, Zygote, make_project, prepare, run_rounds


def overhead(root: Path, images: int, repeat: int) -> tuple[list[float], list[float], list[float], int]:
    """Seconds of one export into a new OUT and over an earlier one (in process, 1 worker), and the
    part of the latter spent building (the rest: flush, swap, deleting the earlier export); file count."""
    from labeler.core.export import ExportOptions, export_project

    v1 = make_project(root / "ov1", 1, images, size=(640, 480))
    v2 = make_project(root / "ov2", 2, images, size=(640, 480))
    fresh, over, build = [], [], []
    for i in range(repeat):
        out = root / f"fresh{i}" / "out"
        began = time.perf_counter()
        export_project(v2, out, ExportOptions(workers=1))
        fresh.append(time.perf_counter() - began)
        shutil.rmtree(out.parent)
        out = root / f"over{i}" / "out"
        export_project(v1, out, ExportOptions(workers=1))
        began = time.perf_counter()
        report = export_project(v2, out, ExportOptions(workers=1))
        over.append(time.perf_counter() - began)
        build.append(report.seconds)
        files = sum(1 for p in out.rglob("*") if p.is_file())
        shutil.rmtree(out.parent)
    return fresh, over, build, files


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=50)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--mode", choices=("cli", "zygote"), default="cli")
    ap.add_argument("--images", type=int, default=6, help="images of the killed exports (v2 has 3 more)")
    ap.add_argument("--overhead-images", type=int, default=100, help="images (640x480, 8 regions) for the timing")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    began = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="labeler-export-interrupt-") as tmp:
        root = Path(tmp)
        runner = Cli() if args.mode == "cli" else Zygote()
        try:
            setup = prepare(root / "kill", runner, images=args.images)
            s = run_rounds(setup, runner, args.rounds, seed=args.seed, fallback_every=0 if args.mode == "cli" else 2)
        finally:
            runner.close()
        fresh, over, build, files = overhead(root / "time", args.overhead_images, args.repeat)
    rows = [
        ("rounds (re-export killed at a random moment)", s.rounds),
        ("killed before the export process ended", s.killed),
        ("killed mid-export (holding OUT's lock)", s.mid_export),
        ("previous export intact (byte-identical)", s.outcomes["old"]),
        ("new export complete (kill after the swap)", s.outcomes["new"]),
        ("absent (between the fallback's renames)", s.outcomes["absent"]),
        ("mixed", s.outcomes["mixed"]),
        ("uninterrupted exports after kills, clean", f"{s.full_runs_clean}/{s.full_runs}"),
        ("workers alive 10 s after their parent's kill", s.workers_left),
    ]
    print(f"{'':<48} {'count':>7}")
    for name, value in rows:
        print(f"{name:<48} {value:>7}")
    if s.worker_exit_s:
        print(
            f"\nworker processes gone after the parent's SIGKILL ({len(s.worker_exit_s)} pool rounds): median "
            f"{statistics.median(s.worker_exit_s):.2f} s, max {max(s.worker_exit_s):.2f} s"
        )
    f, o, b = statistics.median(fresh), statistics.median(over), statistics.median(build)
    print(
        f"\nexport of {args.overhead_images + 3} images ({files} files), median of {args.repeat}: into a new folder "
        f"{f:.2f} s, over an earlier export {o:.2f} s (building {b:.2f} s, flush + swap + deleting the earlier "
        f"export {o - b:.2f} s): overhead {o - f:+.2f} s ({(o - f) / f:+.0%})"
    )
    print(f"\n{args.mode} mode, {time.perf_counter() - began:.1f} s; CPU: {cpu_model()}")
    for problem in s.problems:
        print("PROBLEM", problem)
    return 1 if s.problems or s.outcomes["mixed"] or s.workers_left else 0


if __name__ == "__main__":
    sys.exit(main())
