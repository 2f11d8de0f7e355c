"""Long transcriptions: how long the GUI thread is blocked by one region whose text is 50 MB.

    python benchmarks/long_text.py [--mb 50] [--repo PATH]

Runs the real main window offscreen on a folder with one pre-labelled image holding such a region
(Cache.cach) and a second, ordinary image. Each step runs on the GUI thread as the window would run it;
its wall time is how long the window could not repaint or take input. The save is the autosave
thread's: there the column is the longest gap of a 1 ms timer on the GUI thread (GIL held by the save).
`--repo` imports `labeler` from another checkout (e.g. the code before a change) to compare.
Target (issue 11): no step above ~100 ms of GUI-thread time, apart from reading the 50 MB file.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

from machine import cpu_model
from stall import StallMeter

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parents[1]


def make_folder(root: Path, mb: int) -> tuple[Path, str]:
    from tests.conftest import render_lines, write_image

    folder = root / "data"
    write_image(folder / "img1.png", render_lines(["a very long text"]))
    write_image(folder / "img2.png", render_lines(["short"]))
    text = ("long text " * (mb * 100_000 + 1))[: mb * 1_000_000]
    regions = [
        {"transcription": text, "points": [[38, 50], [300, 50], [300, 92], [38, 92]], "difficult": False, "score": 0.5},
        {"transcription": "short", "points": [[38, 130], [330, 130], [330, 172], [38, 172]], "difficult": False},
    ]
    (folder / "Cache.cach").write_text(f"data/img1.png\t{json.dumps(regions, ensure_ascii=False)}\n", encoding="utf-8")
    return folder, text


def timed(app, fn) -> float:
    """Wall ms of fn() plus the repaints and events it left behind."""
    start = time.perf_counter()
    fn()
    app.processEvents()
    app.processEvents()
    return 1000 * (time.perf_counter() - start)


def run(mb: int) -> list[tuple[str, float | None, str]]:
    from PyQt5.QtWidgets import QApplication

    from labeler.core.project import open_project
    from labeler.ui.editor import Editor
    from labeler.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication([])
    rows: list[tuple[str, float | None, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder, text = make_folder(Path(tmp), mb)
        start = time.perf_counter()
        open_project(folder)
        rows.append(("core open_project alone (read + check the file)", 1000 * (time.perf_counter() - start), ""))
        window = MainWindow(Editor(autosave_delay=0.2))
        window.resize(1366, 768)
        window.show()
        app.processEvents()
        ed = window.editor
        rows.append(("open the folder and show the image", timed(app, lambda: window.open_folder(folder)), "GUI"))
        rows.append(("select the long region (list, field, crop)", timed(app, lambda: ed.select(0)), "GUI"))
        if hasattr(window.correction, "edit_long_text"):
            rows.append(("Ctrl+E: open the whole text", timed(app, lambda: window.regions.edit_text(0)), "GUI"))
            dialog = window.correction.long_dialog
            rows.append(("  next page", timed(app, lambda: dialog.show_page(1)), "GUI"))
            rows.append(("  cancel", timed(app, dialog.reject), "GUI"))
        rows.append(("accept the region (Enter: reviewed)", timed(app, window.correction.accept), "GUI"))
        meter = StallMeter()
        meter.start()
        start = time.perf_counter()
        while (ed.saver.pending or ed.project.is_dirty) and time.perf_counter() - start < 60:
            app.processEvents()
            time.sleep(0.0005)
        stall = meter.stop()
        rows.append(
            (
                "autosave (thread): longest GUI stall",
                1000 * stall,
                f"save took {1000 * (time.perf_counter() - start):.0f} ms",
            )
        )
        rows.append(("next image", timed(app, lambda: ed.step(1)), "GUI"))
        rows.append(("back to the long one", timed(app, lambda: ed.step(-1)), "GUI"))
        window.close()
        saved = (folder / "Cache.cach").read_text(encoding="utf-8").split("\t", 1)[1]
        kept = json.loads(saved)[0]["transcription"] == text
        rows.append(("text saved back unchanged", None, "yes" if kept else "NO"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=50, help="size of the long transcription in MB (ASCII)")
    parser.add_argument("--repo", type=Path, default=REPO, help="checkout whose labeler package to time")
    args = parser.parse_args()
    sys.path[:0] = [str(args.repo.resolve()), str(REPO)]  # labeler from --repo; tests.conftest from here
    from PyQt5.QtCore import QT_VERSION_STR

    rows = run(args.mb)
    print(f"CPU: {cpu_model()} ({os.cpu_count()} cores) · Python {platform.python_version()} · Qt {QT_VERSION_STR}")
    print(f"code: {args.repo.resolve()} · one region of {args.mb} MB")
    print(f"{'step':<50} {'ms':>9}  note")
    for name, ms, note in rows:
        print(f"{name:<50} {'' if ms is None else f'{ms:9.0f}':>9}  {note}")


if __name__ == "__main__":
    main()
