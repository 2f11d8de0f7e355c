"""Two writers on one folder, killed at random: the harness of test_two_writers_stress.py and benchmarks/two_writers.py.

Each round starts two writer processes on the same folder: "window" (the window's save path: History
edits, AutoSaver-style saves with save_project, refresh_project as the file watcher would) or "prelabel"
(the prelabel command's store_prelabels / save_prelabels). Either may be SIGKILLed at a random moment.

Every writer logs each edit (image, the text it replaced, the new text) before applying it, and the ids
of the edits a save covered after that save returned (the acknowledgement). Texts are unique, so the
final files can be checked: an acknowledged edit of a person is lost unless its text is on disk, or was
replaced by a later edit that started from it (the chain of `old` texts from what is on disk), or is kept
in .labeler/conflicts/. An acknowledged confirmation is lost unless the image is confirmed on disk or its
version is in the chain or the conflicts. Pre-labels are machine output: they may yield, never overwrite.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import time
from dataclasses import dataclass, field
from pathlib import Path

IMAGES = 6


def make_folder(folder: Path) -> None:
    from labeler.core.model import ImageStatus, TextRegion
    from labeler.core.project import open_project, save_project

    folder.mkdir(parents=True, exist_ok=True)
    for i in range(IMAGES):
        (folder / f"img{i}.png").write_bytes(b"")  # never decoded: listing only
    project = open_project(folder, images=[f"img{i}.png" for i in range(IMAGES)])
    for rec in project.records:
        rec.regions = [TextRegion([(0, 0), (10, 0), (10, 10), (0, 10)], f"init-{rec.path}")]
        rec.status = ImageStatus.PRELABELLED
        rec.dirty = True
    save_project(project)


def _log(fd: int, entry: dict) -> None:
    os.write(fd, (json.dumps(entry) + "\n").encode())
    os.fsync(fd)


def writer(folder: str, kind: str, tag: str, seed: int, log_path: str, edits: int) -> None:
    """One writer process: `edits` random edits, saved in small groups, each save acknowledged in the log."""
    from labeler.commands.prelabel import save_prelabels, store_prelabels
    from labeler.core.history import Batch, HistoryBook, SetStatus, SetText
    from labeler.core.model import ImageStatus, TextRegion
    from labeler.core.project import open_project, refresh_project, save_project

    rnd = random.Random(seed)
    fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    project = open_project(folder, images=[f"img{i}.png" for i in range(IMAGES)])
    book = HistoryBook(project.lock)
    pending: list[str] = []
    for n in range(edits):
        if kind == "window" and rnd.random() < 0.3:
            refresh_project(project)  # the file watcher noticed a change
        rec = rnd.choice(project.records)
        old = rec.regions[0].transcription if rec.regions else ""
        eid = f"{tag}-{n}"
        if kind == "window":
            confirm = rnd.random() < 0.4
            _log(fd, {"id": eid, "kind": kind, "img": rec.path, "old": old, "new": eid, "confirm": confirm})
            commands = [SetText(0, eid)] + ([SetStatus(ImageStatus.CONFIRMED)] if confirm else [])
            book.push(rec, Batch(commands))
        else:
            if rec.status is ImageStatus.CONFIRMED:
                continue
            _log(fd, {"id": eid, "kind": kind, "img": rec.path, "old": old, "new": eid, "confirm": False})
            store_prelabels(project, rec, [TextRegion([(0, 0), (10, 0), (10, 10), (0, 10)], eid)])
        pending.append(eid)
        if rnd.random() < 0.5:
            if kind == "window":
                save_project(project)
            else:
                save_prelabels(project)
            _log(fd, {"ack": pending})
            pending = []
        time.sleep(rnd.random() * 0.004)
    if pending:
        save_project(project) if kind == "window" else save_prelabels(project)
        _log(fd, {"ack": pending})
    os.close(fd)


@dataclass
class RoundStats:
    rounds: int = 0
    killed: int = 0
    acked_edits: int = 0
    acked_confirms: int = 0
    conflicts: int = 0
    lost_edits: list[str] = field(default_factory=list)
    lost_confirms: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _read_log(path: Path) -> tuple[dict[str, dict], set[str]]:
    edits, acked = {}, set()
    if not path.exists():
        return edits, acked
    for line in path.read_text().splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue  # a line cut by the kill
        if "ack" in entry:
            acked.update(entry["ack"])
        else:
            edits[entry["id"]] = entry
    return edits, acked


def _read_logs(logs: list[Path]) -> tuple[dict[str, dict], set[str]]:
    edits: dict[str, dict] = {}
    acked: set[str] = set()
    for log in logs:
        e, a = _read_log(log)
        edits.update(e)
        acked |= a
    return edits, acked


def _conflict_texts(folder: Path) -> set[tuple[str, str]]:
    """(image, text) of every version kept in .labeler/conflicts/."""
    out = set()
    for f in (folder / ".labeler" / "conflicts").glob("*.json"):
        data = json.loads(f.read_text(encoding="utf-8"))
        for version in (data["discarded"], data["kept_version"]):
            line = version["line"]
            if line:
                for region in json.loads(line.split("\t", 1)[1]):
                    out.add((data["image"], region["transcription"]))
    return out


def check(folder: Path, logs: list[Path], stats: RoundStats) -> None:
    """Count acknowledged edits and confirmations of people that are nowhere on disk (must stay 0)."""
    from labeler.core.model import ImageStatus
    from labeler.core.project import open_project

    project = open_project(folder, images=[f"img{i}.png" for i in range(IMAGES)])
    assert not project.errors, project.errors
    edits, acked = _read_logs(logs)
    by_new = {e["new"]: e for e in edits.values()}
    kept = _conflict_texts(folder)
    stats.conflicts = len(list((folder / ".labeler" / "conflicts").glob("*.json")))
    for rec in project.records:
        on_disk = rec.regions[0].transcription if rec.regions else ""
        # Kept: what is on disk, the versions in conflicts/, and every text a kept version was written over.
        safe = {on_disk} | {text for image, text in kept if image == rec.path}
        todo = list(safe)
        while todo:
            edit = by_new.get(todo.pop())
            if edit is not None and edit["old"] not in safe:
                safe.add(edit["old"])
                todo.append(edit["old"])
        for e in edits.values():
            if e["img"] != rec.path or e["id"] not in acked or e["kind"] != "window":
                continue
            if e["new"] not in safe:
                stats.lost_edits.append(f"{e['id']} on {rec.path}")
            elif e["confirm"] and rec.status is not ImageStatus.CONFIRMED and e["new"] == on_disk:
                stats.lost_confirms.append(f"{e['id']} on {rec.path}")


def run_rounds(base: Path, rounds: int, seed: int = 0, edits: int = 30) -> RoundStats:
    """`rounds` rounds of two writers with random kills on one folder, checked after each round."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["labeler.core.project", "labeler.commands.prelabel", "labeler.core.history"])
    rnd = random.Random(seed)
    stats = RoundStats()
    folder = base / "project"
    make_folder(folder)
    logs: list[Path] = []
    start = time.perf_counter()
    for r in range(rounds):
        kinds = rnd.choice([("window", "window"), ("window", "prelabel"), ("prelabel", "window")])
        procs = []
        for w, kind in enumerate(kinds):
            log = base / f"log-{r}-{w}.jsonl"
            logs.append(log)
            args = (str(folder), kind, f"r{r}w{w}{kind[0]}", rnd.randrange(1 << 30), str(log), edits)
            p = ctx.Process(target=writer, args=args)
            p.start()
            procs.append(p)
        victims = [p for p in procs if rnd.random() < 0.6]
        if victims:
            time.sleep(rnd.random() * 0.15)
            for p in victims:
                if p.is_alive():
                    p.kill()
                    stats.killed += 1
        for p in procs:
            p.join(60)
            if p.is_alive():
                p.kill()
                raise AssertionError(f"round {r}: a writer hung (deadlock?)")
            if p not in victims and p.exitcode != 0:
                raise AssertionError(f"round {r}: a writer failed with exit code {p.exitcode}")
        stats.rounds += 1
        check(folder, logs, stats)
    edits_all, acked_all = _read_logs(logs)
    people = [e for e in edits_all.values() if e["kind"] == "window" and e["id"] in acked_all]
    stats.acked_edits = len(people)
    stats.acked_confirms = sum(1 for e in people if e["confirm"])
    stats.lost_edits = sorted(set(stats.lost_edits))
    stats.lost_confirms = sorted(set(stats.lost_confirms))
    stats.seconds = time.perf_counter() - start
    return stats
