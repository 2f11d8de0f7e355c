"""Two writers on one folder with random SIGKILLs: are acknowledged edits and confirmations ever lost?

Runs tests/unit/two_writers_harness.py (the same harness the CI test runs): each round starts two writer
processes on one folder (the window's save path and/or the prelabel command's), kills one or both at a
random moment in about six rounds of ten, then checks every acknowledged edit and confirmation of a person
against the files: on disk, superseded by a later edit made on top of it, or kept in .labeler/conflicts/.

    python benchmarks/two_writers.py [--rounds 200] [--seed 11] [--edits 30]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from machine import cpu_model

from tests.unit.two_writers_harness import run_rounds


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=200)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--edits", type=int, default=30, help="edits per writer per round")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="labeler-two-writers-") as tmp:
        s = run_rounds(Path(tmp), args.rounds, seed=args.seed, edits=args.edits)
    rows = [
        ("rounds (two writers each)", s.rounds),
        ("writers killed mid-round (SIGKILL)", s.killed),
        ("acknowledged edits of a person", s.acked_edits),
        ("acknowledged confirmations", s.acked_confirms),
        ("conflicts kept in .labeler/conflicts/", s.conflicts),
        ("lost edits", len(s.lost_edits)),
        ("lost confirmations", len(s.lost_confirms)),
    ]
    print(f"{'':<40} {'count':>7}")
    for name, value in rows:
        print(f"{name:<40} {value:>7}")
    print(f"\n{s.seconds:.1f} s; CPU: {cpu_model()}")
    for lost in s.lost_edits + s.lost_confirms:
        print("LOST", lost)
    return 1 if s.lost_edits or s.lost_confirms else 0


if __name__ == "__main__":
    sys.exit(main())
