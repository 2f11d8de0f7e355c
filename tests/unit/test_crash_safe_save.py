"""SIGKILL a process in the middle of repeated saves, 200+ times: every file is always the old or the new one.

The child opens a small project and saves it in a loop, alternating two states A and B that differ in all
three files (Label.txt, Cache.cach, fileState.txt). After each kill every file must equal, byte for byte,
its version in A or in B (files may differ in which: they are replaced one after another), and the folder
must open without errors.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(os.name != "posix", reason="needs SIGKILL")

KILLS = 200
FILES = ("Label.txt", "Cache.cach", "fileState.txt")
IMAGES = ["1.jpg", "2.jpg", "3.jpg", "4.jpg", "5.jpg"]

# Runs in the child: `python -c CHILD folder once A|B` saves one state; `... loop` saves B, A, B, ... forever.
CHILD = r"""
import sys
from labeler.core.model import ImageStatus, TextRegion
from labeler.core.project import open_project, save_project

IMAGES = ["1.jpg", "2.jpg", "3.jpg", "4.jpg", "5.jpg"]

def regions(state, i, n):
    text = 'true "%s" \\ \t 第%d行 \u2028 😀' % (state, i)
    return [TextRegion([(x * 7 + 1, i), (x * 7 + 90, i), (x * 7 + 90, i + 30), (x * 7 + 1, i + 30)], text + str(x))
            for x in range(n)]

def apply(project, state):
    for i, rec in enumerate(project.records):
        if rec.path == "4.jpg":  # pre-labelled in both states, different OCR output
            rec.status = ImageStatus.PRELABELLED
            rec.regions = [TextRegion([(0.5, 0.25), (9.75, 0), (9, 5.5)], "ocr " + state)]
        elif rec.path == "5.jpg":  # the last image: confirmed in A only (keeps line order stable)
            rec.status = ImageStatus.CONFIRMED if state == "A" else ImageStatus.NEW
            rec.regions = regions(state, i, 3) if state == "A" else []
        else:
            rec.status = ImageStatus.CONFIRMED
            rec.regions = regions(state, i, 40 if state == "A" else 25)
        rec.dirty = True

folder, mode = sys.argv[1], sys.argv[2]
project = open_project(folder, images=IMAGES)
if project.errors:
    sys.exit("errors at open: %s" % project.errors)
if mode == "once":
    apply(project, sys.argv[3])
    save_project(project)
    sys.exit(0)
print("ready", flush=True)
n = 0
while True:
    apply(project, "BA"[n % 2])
    save_project(project)
    n += 1
"""


def run_child(folder: Path, *args: str, **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", CHILD, str(folder), *args], **kw)


def snapshot(folder: Path) -> dict[str, bytes | None]:
    return {name: (folder / name).read_bytes() if (folder / name).exists() else None for name in FILES}


def test_sigkill_during_repeated_saves_never_corrupts(tmp_path: Path) -> None:
    from labeler.core.project import open_project

    folder = tmp_path / "imgs"
    folder.mkdir()
    for name in IMAGES:
        (folder / name).write_bytes(b"")
    states = {}
    for state in ("A", "B", "A"):
        assert run_child(folder, "once", state).wait(timeout=60) == 0
        states.setdefault(state, snapshot(folder))
        assert snapshot(folder) == states[state]  # a state's bytes do not depend on the state before
    a, b = states["A"], states["B"]
    assert all(a[n] and b[n] and a[n] != b[n] for n in FILES)

    rnd = random.Random(1234)
    seen_b = 0
    started = time.monotonic()
    for kill in range(KILLS):
        child = run_child(folder, "loop", stdout=subprocess.PIPE)
        assert child.stdout is not None
        assert child.stdout.readline() == b"ready\n", "child failed to open the project"
        time.sleep(rnd.uniform(0.001, 0.030))
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
        child.stdout.close()
        assert child.returncode == -signal.SIGKILL
        now = snapshot(folder)
        for name in FILES:
            assert now[name] in (a[name], b[name]), f"kill {kill}: {name} is neither state"
        seen_b += now["Label.txt"] == b["Label.txt"]
        project = open_project(folder, images=IMAGES)
        assert project.errors == [], f"kill {kill}: {project.errors}"
    elapsed = time.monotonic() - started
    # The kills landed at different moments: both states were left on disk many times, and many kills
    # hit a write between its temp file and the rename (each such kill leaves a `.Label.txt.*.tmp`).
    assert 10 < seen_b < KILLS - 10, seen_b
    interrupted_writes = len(list(folder.glob(".*.tmp")))
    assert interrupted_writes >= 10, interrupted_writes
    assert elapsed < 120
