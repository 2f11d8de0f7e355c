"""Re-exports killed at random: the harness of test_export_transaction.py and benchmarks/export_interrupt.py.

A round: OUT holds export v1 of a project; export v2 (other regions, texts, split seed and images) into
OUT is SIGKILLed after a random delay; then OUT must be v1 byte for byte ("old"), the complete v2 ("new",
the kill came after the swap), or missing ("absent", between the two renames of the fallback swap, which
the next export restores), never anything else ("mixed"). Every few rounds an export runs to the end and
must leave v2 and nothing else beside OUT (leftovers of the killed rounds cleaned up).

Two ways to run an export: "zygote", a process that has imported the export once and forks one child
per round (50 rounds fit in a minute on 2 cores), and "cli", a fresh `python -m labeler export` per round.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
NORMALISED_REPORT_KEYS = ("seconds", "recovered")  # differ between two runs of the same export


def make_project(root: Path, version: int, images: int = 10, size: tuple[int, int] = (320, 240)) -> Path:
    """root/data: noisy JPEGs with a grid of regions; version 2 moves and renames every region, adds images."""
    import cv2
    import numpy as np

    folder = root / "data"
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(7)  # the same pixels in both versions: only the labels differ
    count = images + (3 if version == 2 else 0)
    width, height = size
    lines, states = [], []
    for i in range(count):
        name = f"p{i:03d}.jpg"
        pixels = rng.integers(0, 255, (height, width, 3), dtype=np.uint8)
        if not (folder / name).exists():
            cv2.imwrite(str(folder / name), pixels)
        regions = []
        for r in range(8):
            x = 8 + (r % 2) * (width // 2) + (version - 1) * 11
            y = 6 + (r // 2) * (height // 4) + (version - 1) * 7
            w, h = width // 2 - 30, height // 4 - 20
            box = [[x, y], [x + w, y], [x + w, y + h], [x, y + h]]
            regions.append({"transcription": f"v{version} {i}.{r}", "points": box, "difficult": False})
        lines.append(f"data/{name}\t{json.dumps(regions)}")
        states.append(f"{folder / name}\t1")
    (folder / "Label.txt").write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    (folder / "fileState.txt").write_text("".join(f"{line}\n" for line in states), encoding="utf-8")
    return folder


def tree_hash(folder: Path, normalise: bool = False) -> str | None:
    """A hash of every file's path and bytes under folder (None when it is missing); normalise drops the
    report.json fields that differ between two runs of the same export."""
    if not folder.is_dir():
        return None
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        digest.update(rel.encode() + b"\0")
        if path.is_file():
            data = path.read_bytes()
            if normalise and rel == "report.json":
                report = json.loads(data)
                for key in NORMALISED_REPORT_KEYS:
                    report.pop(key, None)
                report.get("options", {}).pop("workers", None)  # rounds run with 1 or 2 workers, same files
                data = json.dumps(report, sort_keys=True).encode()
            digest.update(hashlib.sha256(data).digest())
    return digest.hexdigest()


def classify(out: Path, old_hash: str, new_hash: str) -> str:
    if not out.exists():
        return "absent"
    if tree_hash(out) == old_hash:
        return "old"
    if tree_hash(out, normalise=True) == new_hash:
        return "new"
    return "mixed"


# --------------------------------------------------------------------------- runners


class Zygote:
    """A process that imported the export once; run() forks a child that exports (optionally with a hook)."""

    def __init__(self) -> None:
        env = dict(os.environ, PYTHONPATH=str(REPO))
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--zygote"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
            cwd=str(REPO),
        )
        assert self._read() == {"ready": True}

    def _read(self) -> dict:
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the export zygote died (rc {self.proc.poll()})")
        return json.loads(line)

    def _send(self, message: dict) -> None:
        self.proc.stdin.write(json.dumps(message) + "\n")
        self.proc.stdin.flush()

    def start(
        self, project: Path, out: Path, workers: int = 1, seed: int = 5, exchange: bool = True, hook: str | None = None
    ) -> int:
        self._send(
            {
                "project": str(project),
                "out": str(out),
                "workers": workers,
                "seed": seed,
                "exchange": exchange,
                "hook": hook,
            }
        )
        return self._read()["pid"]

    def finish(self) -> int:
        """Wait for the child; its exit code, or -signal (the child stays a zombie until then: no pid reuse)."""
        self._send({"cmd": "reap"})
        return self._read()["rc"]

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


class Cli:
    """A fresh `python -m labeler export` per round (the real command, imports and all)."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen | None = None

    def start(
        self, project: Path, out: Path, workers: int = 1, seed: int = 5, exchange: bool = True, hook: str | None = None
    ) -> int:
        assert exchange and hook is None, "the CLI runs the export as shipped"
        cmd = [
            sys.executable,
            "-m",
            "labeler",
            "export",
            str(project),
            "--out",
            str(out),
            "--seed",
            str(seed),
            "--workers",
            str(workers),
        ]
        self.proc = subprocess.Popen(cmd, cwd=str(REPO), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        return self.proc.pid

    def finish(self) -> int:
        assert self.proc is not None
        self.proc.wait()
        self.proc.stderr.close()
        return self.proc.returncode

    def close(self) -> None:
        pass


# --------------------------------------------------------------------------- rounds


@dataclass
class Rounds:
    rounds: int = 0
    killed: int = 0  # SIGKILL arrived before the process ended
    mid_export: int = 0  # of which while it held OUT's export lock (writing, swapping or deleting the old one)
    outcomes: dict[str, int] = field(default_factory=lambda: {"old": 0, "new": 0, "absent": 0, "mixed": 0})
    full_runs: int = 0  # uninterrupted exports after killed rounds: each must succeed and clean up
    full_runs_clean: int = 0
    worker_exit_s: list[float] = field(default_factory=list)  # kill -> last worker gone, pool rounds
    workers_left: int = 0  # workers still alive 10 s after their parent was killed
    problems: list[str] = field(default_factory=list)


@dataclass
class Setup:
    root: Path
    project_v1: Path
    project_v2: Path
    out: Path
    pristine: Path  # a copy of the v1 export, to put back after a round that swapped v2 in
    old_hash: str
    new_hash: str
    full_s: float  # an uninterrupted v2 export over v1, seconds (the kill delays are drawn below this)


def prepare(root: Path, runner, images: int = 10) -> Setup:
    v1 = make_project(root / "v1", 1, images)
    v2 = make_project(root / "v2", 2, images)
    out = root / "exports" / "out"
    pristine = root / "pristine"
    pid = runner.start(v1, out, seed=1)
    assert runner.finish() == 0, f"export v1 ({pid}) failed"
    old_hash = tree_hash(out)
    shutil.copytree(out, pristine)
    began = time.perf_counter()
    runner.start(v2, out)
    assert runner.finish() == 0, "export v2 failed"
    full_s = time.perf_counter() - began
    new_hash = tree_hash(out, normalise=True)  # at OUT's own path: report.json names it
    shutil.rmtree(out)
    shutil.copytree(pristine, out)
    assert old_hash != new_hash
    return Setup(root, v1, v2, out, pristine, old_hash, new_hash, full_s)


def leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name != out.name)


def _descendants(pid: int) -> list:
    import psutil

    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def _gone(procs: list, deadline_s: float) -> tuple[float, int]:
    """Seconds until every process in procs exited (zombies count as gone), and how many are left after."""
    import psutil

    began = time.perf_counter()
    while True:
        alive = []
        for p in procs:
            try:
                if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                    alive.append(p)
            except psutil.NoSuchProcess:
                pass
        if not alive or time.perf_counter() - began > deadline_s:
            for p in alive:
                p.kill()  # do not leave them behind a failed check
            return time.perf_counter() - began, len(alive)
        time.sleep(0.01)


def run_rounds(
    setup: Setup, runner, rounds: int, seed: int = 0, pool_every: int = 5, full_every: int = 10, fallback_every: int = 2
) -> Rounds:
    """Kill `rounds` v2 exports over v1 at random moments; see the module docstring."""
    rng = random.Random(seed)
    result = Rounds()
    out = setup.out
    # the kill delays must span the whole export on this machine: measure it here, in the rounds' conditions
    span = max([setup.full_s] + [_timed_full_run(setup, runner) for _ in range(3)])
    since_last_end = 0  # rounds since one whose kill came after the export had swapped v2 in
    for i in range(rounds):
        workers = 2 if pool_every and i % pool_every == pool_every - 1 else 1
        exchange = not (fallback_every and i % fallback_every == 1)
        if since_last_end >= 10:
            span *= 1.5  # exports run slower than measured (a loaded machine): reach further
            since_last_end = 0
        delay = rng.uniform(0.0, span * (1.6 if workers > 1 else 1.1))
        pid = runner.start(setup.project_v2, out, workers=workers, exchange=exchange)
        time.sleep(delay)
        family = _descendants(pid) if workers > 1 else []
        try:
            os.kill(pid, signal.SIGKILL)  # a zombie if it already finished: harmless
        except ProcessLookupError:
            pass
        rc = runner.finish()
        result.rounds += 1
        result.killed += rc == -signal.SIGKILL
        result.mid_export += rc == -signal.SIGKILL and any(n.endswith(".export.lock") for n in leftovers(out))
        if family:
            seconds, left = _gone(family, 10.0)
            result.worker_exit_s.append(seconds)
            result.workers_left += left
        state = classify(out, setup.old_hash, setup.new_hash)
        result.outcomes[state] += 1
        since_last_end = 0 if state == "new" else since_last_end + 1
        if state == "mixed":
            result.problems.append(f"round {i}: mixed export after a kill {delay:.3f} s in (rc {rc})")
        if state in ("new", "mixed"):
            shutil.rmtree(out, ignore_errors=True)
            shutil.copytree(setup.pristine, out)  # the next round starts from v1 again; leftovers stay
        if full_every and (i % full_every == full_every - 1 or i == rounds - 1):
            _full_run(setup, runner, result, i)
    return result


def _timed_full_run(setup: Setup, runner) -> float:
    """Seconds one uninterrupted v2 export over v1 takes; OUT holds v1 again after it."""
    began = time.perf_counter()
    runner.start(setup.project_v2, setup.out)
    rc = runner.finish()
    seconds = time.perf_counter() - began
    assert rc == 0, f"an uninterrupted export failed (rc {rc})"
    shutil.rmtree(setup.out, ignore_errors=True)
    shutil.copytree(setup.pristine, setup.out)
    return seconds


def _full_run(setup: Setup, runner, result: Rounds, i: int) -> None:
    """An export that runs to the end: v2 in OUT, nothing else beside it; then v1 again for the next round."""
    problems = len(result.problems)
    runner.start(setup.project_v2, setup.out)
    rc = runner.finish()
    result.full_runs += 1
    if rc != 0:
        result.problems.append(f"after round {i}: the next export failed (rc {rc})")
    elif tree_hash(setup.out, normalise=True) != setup.new_hash:
        result.problems.append(f"after round {i}: the next export did not write v2")
    if leftovers(setup.out):
        result.problems.append(f"after round {i}: left beside OUT: {leftovers(setup.out)}")
    result.full_runs_clean += len(result.problems) == problems
    shutil.rmtree(setup.out, ignore_errors=True)
    shutil.copytree(setup.pristine, setup.out)


# --------------------------------------------------------------------------- the zygote process


def _child(request: dict) -> None:
    """Runs in the forked child: one export, with the test hooks asked for."""
    import labeler.core.export_swap as swap
    from labeler.core.export import ExportOptions, export_project

    swap.USE_EXCHANGE = request["exchange"]
    hook = request["hook"]
    if hook == "kill_between_renames":  # the fallback swap's crash window: OUT set aside, new not in place
        real_rename = os.rename

        def rename(src, dst):
            real_rename(src, dst)
            if ".old-" in os.path.basename(dst):
                os.kill(os.getpid(), signal.SIGKILL)

        swap.os.rename = rename
    elif hook == "kill_after_exchange":  # swapped, the previous export not yet deleted
        real_exchange = swap.exchange_paths

        def exchange(a, b):
            done = real_exchange(a, b)
            os.kill(os.getpid(), signal.SIGKILL)
            return done

        swap.exchange_paths = exchange
    export_project(request["project"], request["out"], ExportOptions(workers=request["workers"], seed=request["seed"]))


def _zygote() -> None:
    import labeler.core.export  # noqa: F401 - imported once, before any fork, so children start at once

    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                sys.stdin.close()
                os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
                _child(request)
            except BaseException:
                import traceback

                traceback.print_exc()
                code = 3
            os._exit(code)
        print(json.dumps({"pid": pid}), flush=True)
        assert json.loads(sys.stdin.readline()) == {"cmd": "reap"}
        _, status = os.waitpid(pid, 0)
        rc = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
        print(json.dumps({"rc": rc}), flush=True)


if __name__ == "__main__" and sys.argv[1:] == ["--zygote"]:
    _zygote()
