"""Decompression-bomb benchmark: tiny files declaring 30000 x 30000 pixels, one per format OpenCV decodes.

    python benchmarks/image_bombs.py [--old-rev REV | --no-old] [--old-limit-gb 3] [--timeout 120]

Each file is read by read_image in a fresh interpreter (per format, per code version) and the table gives
its size, the declared size, the time to reject it, the RSS before the call and the peak RSS after it.
The previous image_io (by default the one before labeler/core/image_header.py was added; HEAD when that is
not committed yet) runs in the same way, loaded from a temp file, with its address space capped
(RLIMIT_AS, --old-limit-gb more than at start) and a timeout, so a bomb it decodes cannot take the machine
down: such a bomb shows as a memory error at the cap, or a timeout.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from machine import cpu_model  # noqa: E402

from tests.unit.test_image_bombs import BOMBS, write_bomb  # noqa: E402 - the same files the tests use

_CHILD = r"""
import importlib.util, json, os, resource, sys, time
repo, module_file, image, limit, extra = sys.argv[1:6]
sys.path.insert(0, repo)
if module_file:  # the previous image_io, from a temp file
    spec = importlib.util.spec_from_file_location("old_image_io", module_file)
    image_io = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(image_io)
else:
    from labeler.core import image_io
from labeler.core.errors import ImageReadError

def rss():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024

mapped = int(open("/proc/self/statm").read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
resource.setrlimit(resource.RLIMIT_AS, (mapped + int(extra), resource.RLIM_INFINITY))
before, peak_before = rss(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
start = time.perf_counter()
try:
    img = image_io.read_image(image, max_pixels=int(limit))
    outcome = f"decoded {img.shape[1]} x {img.shape[0]}"
except ImageReadError as e:
    outcome = "refused: " + e.reason
except MemoryError as e:
    outcome = "MemoryError at the address-space cap"
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"seconds": seconds, "before": before, "peak_before": peak_before, "peak": peak,
                  "outcome": outcome}))
"""


def old_source(rev: str | None) -> str:
    """The previous image_io.py: at `rev`, or just before image_header.py was added, or HEAD."""
    if rev is None:
        added = subprocess.run(["git", "log", "--diff-filter=A", "--format=%H", "--", "labeler/core/image_header.py"],
                               cwd=REPO, capture_output=True, text=True, check=True).stdout.split()  # fmt: skip
        rev = f"{added[-1]}^" if added else "HEAD"
    show = subprocess.run(["git", "show", f"{rev}:labeler/core/image_io.py"], cwd=REPO, capture_output=True,
                          text=True, check=True)  # fmt: skip
    return show.stdout


def run_one(image: Path, limit: int, module_file: str, extra: int, timeout: float) -> dict:
    args = [sys.executable, "-c", _CHILD, str(REPO), module_file, str(image), str(limit), str(extra)]
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"seconds": timeout, "before": 0, "peak": 0, "outcome": f"still decoding after {timeout:.0f} s"}
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["?"])[-1]
        return {"seconds": float("nan"), "before": 0, "peak": 0, "outcome": f"crashed ({done.returncode}): {last}"}
    run = json.loads(done.stdout.strip().splitlines()[-1])
    # OpenCV swallows a failed allocation (imdecode returns None) and only logs it: that is the cap at work.
    wanted = re.search(r"Failed to allocate (\d+) bytes", done.stderr + run["outcome"])
    if wanted:
        run["outcome"] = f"decode started, stopped by the cap: allocating {int(wanted.group(1)) / 2**30:.1f} GiB failed"
    return run


def _cell(run: dict) -> str:
    """Time; RSS before the call; peak RSS before -> after it (the first peak is the interpreter's start-up)."""
    mib = 2**20
    peaks = f"{run.get('peak_before', 0) / mib:4.0f} -> {run['peak'] / mib:5.0f}"
    return f"{run['seconds'] * 1000:9.1f} ms {run['before'] / mib:4.0f} {peaks} MiB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--old-rev", help="git revision of the previous image_io.py (default: see above)")
    parser.add_argument("--no-old", action="store_true", help="measure the current code only")
    parser.add_argument("--old-limit-gb", type=float, default=3.0, help="address space the old code may add")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per read before it is killed")
    opts = parser.parse_args()
    extra = int(opts.old_limit_gb * 2**30)
    print(f"CPU: {cpu_model()}; Python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        old_file = ""
        if not opts.no_old:
            old_file = str(folder / "old_image_io.py")
            Path(old_file).write_text(old_source(opts.old_rev), encoding="utf-8")
        cells = "time, RSS, peak RSS before -> after"
        print(
            f"{'format (misleading name)':38} {'bytes':>5} {'declared':>13}  {'new: ' + cells:35}"
            + ("" if opts.no_old else f"  {'old: ' + cells:35}  old outcome")
        )
        for case in BOMBS:
            path, bomb = write_bomb(folder, case)
            new = run_one(path, bomb.limit, "", extra, opts.timeout)
            line = f"{case:38} {len(bomb.data):5} {bomb.width:>6} x {bomb.height:<6} {_cell(new)}"
            if not new["outcome"].startswith("refused"):
                line += f"  NEW CODE: {new['outcome']}"
            if old_file:
                old = run_one(path, bomb.limit, old_file, extra, opts.timeout)
                line += f"  {_cell(old)}  {old['outcome'][:90]}"
            print(line, flush=True)


if __name__ == "__main__":
    main()
