"""Open / save speed of a PPOCRLabel folder (targets: open 10,000 images x 50 regions < 1.5 s, save < 1 s).

Generates a folder in a temp dir: N empty placeholder images, Label.txt (integer points, every image
confirmed), fileState.txt, and Cache.cach (float points, as OCR writes them, for every image), then prints
a table. Times are the median of --repeat runs, in this process (modules already imported, as in the GUI);
"cold open" is a fresh interpreter including imports.

    python benchmarks/project_io.py [--images 10000] [--regions 50] [--repeat 3] [--keep DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path

from machine import cpu_model as _cpu_model

from labeler.core.history import History, SetText
from labeler.core.project import open_project, save_project


def generate(folder: Path, images: int, regions: int, seed: int = 0) -> None:
    rnd = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    words = ["发票", "合计", "Total", "2024-01-31", "¥128.00", "编号 No.", "地址: 北京市", "true", "a\tb"]
    label, cache, state = [], [], []
    for i in range(images):
        name = f"img_{i:05d}.jpg"
        (folder / name).touch()
        lab, pre = [], []
        for j in range(regions):
            x, y, w, h = rnd.randint(0, 1500), rnd.randint(0, 2000), rnd.randint(20, 400), rnd.randint(12, 60)
            text = f"{rnd.choice(words)} {i}-{j}"
            pts = [[x, y], [x + w, y], [x + w, y + h], [x, y + h]]
            lab.append({"transcription": text, "points": pts, "difficult": False})
            fpts = [[px + 0.5 * rnd.randint(0, 1), py * 1.0] for px, py in pts]
            pre.append({"transcription": text, "points": fpts, "difficult": False})
        key = f"{folder.name}/{name}"
        label.append(f"{key}\t{json.dumps(lab, ensure_ascii=False)}\n")
        cache.append(f"{key}\t{json.dumps(pre, ensure_ascii=False)}\n")
        state.append(f"{folder / name}\t1\n")  # old PPOCRLabel: absolute paths
    (folder / "Label.txt").write_text("".join(label), encoding="utf-8")
    (folder / "Cache.cach").write_text("".join(cache), encoding="utf-8")
    (folder / "fileState.txt").write_text("".join(state), encoding="utf-8")


CPU: list[float] = []  # CPU seconds of the last timed() call: on a busy shared machine, wall time lies


def timed(fn, repeat: int) -> tuple[float, object]:
    times, cpu, result = [], [], None
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        result = fn()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    CPU.append(statistics.median(cpu))
    return statistics.median(times), result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--images", type=int, default=10_000)
    ap.add_argument("--regions", type=int, default=50)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--keep", type=Path, help="generate into this folder and keep it (it gets renamed)")
    args = ap.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="labeler-bench-")) if args.keep is None else None
    folder = (tmp / "imgs") if tmp else args.keep
    try:
        t0 = time.perf_counter()
        generate(folder, args.images, args.regions)
        size = sum((folder / n).stat().st_size for n in ("Label.txt", "Cache.cach", "fileState.txt"))
        print(
            f"generated {args.images} images x {args.regions} regions in {time.perf_counter() - t0:.1f} s "
            f"({size / 1e6:.0f} MB of label files) in {folder}"
        )
        rows: list[tuple[str, float, float | None, float | None]] = []

        # The first open warms the disk cache and imports; the timed runs below are what a user sees.
        open_project(folder)
        t_open, project = timed(lambda: open_project(folder), args.repeat)
        assert not project.errors, project.errors[:3]
        rows.append(("open (Label + Cache + fileState)", t_open, CPU[-1], 1.5))

        cold = subprocess.run(
            [
                sys.executable,
                "-c",
                "import time; t=time.perf_counter(); from labeler.core.project import open_project; "
                f"p=open_project({str(folder)!r}); print(time.perf_counter()-t)",
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        rows.append(("open, fresh interpreter incl. imports", float(cold.stdout.strip()), None, None))

        rec = project.records[len(project.records) // 2]
        t_first, _ = timed(lambda: (rec.set_regions_loader(_loader_of(project, rec)), rec.regions), args.repeat)
        rows.append((f"show one image (parse its {args.regions} regions)", t_first, CPU[-1], None))

        history = History(rec, project.lock)
        counter = iter(range(10**9))

        def edit_and_save():
            history.push(SetText(0, f"edited {next(counter)}"), merge=False)
            return save_project(project)

        save_project(project)  # first save migrates the absolute-path fileState lines to keys
        t_one, result = timed(edit_and_save, args.repeat)
        rows.append((f"save after one edit (writes {len(result.written)} file)", t_one, CPU[-1], 1.0))

        t_noop, _ = timed(lambda: save_project(project), args.repeat)
        rows.append(("save, nothing changed (no write)", t_noop, CPU[-1], None))

        # What the folder lock and the merge check cost a save: the same save with both bypassed.
        with _without_lock_and_merge():
            t_bare, _ = timed(edit_and_save, args.repeat)
        rows.append(("  same save, lock + merge check bypassed", t_bare, CPU[-1], None))
        from labeler.core.folder_lock import FolderLock
        from labeler.core.project_merge import merge_from_disk

        def lock_and_check():
            with FolderLock(folder):
                merge_from_disk(project, project.source)

        t_lock, _ = timed(lock_and_check, 50)
        rows.append(("  -> the lock + merge check add (median of 50)", t_lock, CPU[-1], 0.05))

        # Another writer saved a different image just before: this save re-reads and merges the files.
        other = open_project(folder)
        other_rec = other.records[len(other.records) // 3]
        other_history = History(other_rec, other.lock)

        def save_after_other_writer():
            other_history.push(SetText(0, f"other writer {next(counter)}"), merge=False)
            save_project(other)
            t0, c0 = time.perf_counter(), time.process_time()
            edit_and_save()
            return time.perf_counter() - t0, time.process_time() - c0

        merged = [save_after_other_writer() for _ in range(args.repeat)]
        rows.append(
            (
                "save after one edit, another writer saved between",
                statistics.median(m[0] for m in merged),
                statistics.median(m[1] for m in merged),
                None,
            )
        )
        assert open_project(folder).record(other_rec.path).regions[0].transcription.startswith("other writer")

        # Renamed folder: every key is stale, so the save rewrites every line of all three files.
        names = iter(f"renamed{i}" for i in range(10**9))
        times, cpu = [], []
        for _ in range(args.repeat):
            new = folder.with_name(next(names))
            folder.rename(new)
            folder = new
            renamed = open_project(folder)
            t0, c0 = time.perf_counter(), time.process_time()
            result = save_project(renamed)
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        label = f"save all, renamed folder ({len(result.written)} files, every line)"
        rows.append((label, statistics.median(times), statistics.median(cpu), 1.0))
        project = renamed
        rec = project.records[len(project.records) // 2]

        t_load, _ = timed(lambda: [r.regions for r in project.records], 1)
        rows.append(("parse all regions (every image shown once)", t_load, CPU[-1], None))

        def save_all():
            n = next(counter)
            for r in project.records:  # a real change in every record, so every line is rewritten
                r.regions[0].transcription = f"bulk {n}"
                r.dirty = True
            return save_project(project)

        t_all, result = timed(save_all, args.repeat)
        rows.append((f"save all, every record re-serialised ({result.records})", t_all, CPU[-1], 1.0))

        check = open_project(folder)
        assert not check.errors and check.records[len(check.records) // 2].regions == rec.regions

        print(f"\n{'operation':<48} {'wall s':>8} {'CPU s':>7} {'target':>7}")
        for name, secs, cpu_s, target in rows:
            flag = "" if target is None else (" ok" if secs < target else " MISSED")
            tgt = "" if target is None else f"{target:g}"
            cpu_txt = "" if cpu_s is None else f"{cpu_s:.4f}"
            print(f"{name:<48} {secs:>8.4f} {cpu_txt:>7} {tgt:>7}{flag}")
        print(f"\nCPU: {_cpu_model()}")
        print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} (wall times grow with other load)")
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print(f"kept (renamed by the benchmark): {folder}")
    return 0


@contextlib.contextmanager
def _without_lock_and_merge():
    """The save path as it was before the folder lock and merge (for the overhead row only)."""
    import labeler.core.ppocrlabel_project as io
    from labeler.core.project_merge import MergeReport

    saved = io.FolderLock, io.merge_from_disk
    io.FolderLock = lambda folder: contextlib.nullcontext(types.SimpleNamespace(took_over=None))
    io.merge_from_disk = lambda project, src, rule: MergeReport()
    try:
        yield
    finally:
        io.FolderLock, io.merge_from_disk = saved


def _loader_of(project, rec):
    # Re-arm the lazy loader from the line on disk, so each timed access really parses.
    from labeler.core.ppocrlabel_format import parse_regions

    line = next(ln for ln in project.source.label.lines if ln.record is rec and ln.winner)
    return lambda: parse_regions(line.raw)


if __name__ == "__main__":
    sys.exit(main())
