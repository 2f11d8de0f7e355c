"""GUI responsiveness: first image of a 10,000-image folder, and event-loop stalls during background OCR.

    python benchmarks/gui.py [--data ../shared/eval/public] [--images 10000]

Runs the real main window offscreen. A 1 ms QTimer measures the event loop: a stall is the longest
gap between two of its ticks. Auto-labelling goes image by image through the window's own
background job (the user-facing path), on the evaluation images when ../shared/eval is present.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from stall import StallMeter

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Own settings (pre-labelling on open off): the user's settings file must not start OCR behind the timings.
_CONFIG = Path(tempfile.mkdtemp(prefix="labeler-gui-bench-"))
(_CONFIG / "labeler").mkdir()
(_CONFIG / "labeler" / "settings.json").write_text('{"prelabel_on_open": false}\n', encoding="utf-8")
os.environ["XDG_CONFIG_HOME"] = str(_CONFIG)
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
DEFAULT_DATA = REPO.parent / "shared" / "eval" / "public"


def wait_until(app, condition, timeout: float) -> None:
    end = time.time() + timeout
    while not condition() and time.time() < end:
        app.processEvents()
        time.sleep(0.0005)


def first_image_of_big_folder(app, n: int) -> tuple[float, float]:
    from labeler.ui.main_window import MainWindow
    from tests.conftest import render_lines, write_image

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "big"
        first = write_image(folder / "img00000.png", render_lines(["first page"], size=(1240, 1754)))
        data = first.read_bytes()
        for i in range(1, n):
            (folder / f"img{i:05d}.png").write_bytes(data)
        start = time.perf_counter()
        window = MainWindow()
        window.show()
        ok = window.open_folder(folder)
        wait_until(app, lambda: window.canvas.image_array is not None, 10)  # large pages are decoded on a thread
        app.processEvents()
        shown = time.perf_counter() - start
        assert ok
        step_start = time.perf_counter()
        window.editor.step(1)
        app.processEvents()
        wait_until(app, lambda: window.canvas.image_array is not None, 10)
        step = time.perf_counter() - step_start
        window.close()
        return shown, step


def auto_label_stalls(app, data: Path, limit: int) -> dict:
    from labeler.core.image_io import list_images
    from labeler.ui.editor import Editor
    from labeler.ui.main_window import MainWindow

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "images"
        folder.mkdir()
        for p in list_images(data / "images")[:limit]:
            shutil.copy(p, folder / p.name)
        window = MainWindow(Editor(model_set="default"))
        window.show()
        window.open_folder(folder)
        meter = StallMeter()
        job_stalls, switch_times = [], []
        start = time.perf_counter()
        for i in range(len(window.editor.project.records)):
            t = time.perf_counter()
            window.editor.go_to(i)  # showing the next image: measured apart from the OCR
            app.processEvents()
            wait_until(app, lambda: not window.image_loader.loading, 10)  # a large image is decoded on a thread
            switch_times.append(time.perf_counter() - t)
            meter.start()
            job = window.editor.auto_label_current()
            wait_until(app, lambda job=job: job is None or not window.editor.ocr.jobs, 120)
            job_stalls.append(meter.stop())
        total = time.perf_counter() - start
        window.close()
        return {
            "images": len(job_stalls),
            "max_stall_ms": 1000 * max(job_stalls),
            "median_image_max_stall_ms": 1000 * statistics.median(job_stalls),
            "max_switch_ms": 1000 * max(switch_times),
            "median_switch_ms": 1000 * statistics.median(switch_times),
            "seconds": total,
        }


def batch_auto_label_stalls(app, data: Path, limit: int) -> dict:
    """'Auto-label all new images': one background job over the folder while the user browses images."""
    from labeler.core.image_io import list_images
    from labeler.ui.editor import Editor
    from labeler.ui.main_window import MainWindow

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "images"
        folder.mkdir()
        for p in list_images(data / "images")[:limit]:
            shutil.copy(p, folder / p.name)
        window = MainWindow(Editor(model_set="default"))
        window.show()
        window.open_folder(folder)
        app.processEvents()
        meter = StallMeter()
        meter.start()
        start = time.perf_counter()
        window.batch.start()
        browse_at = time.perf_counter() + 2.0
        while window.batch.running and time.perf_counter() - start < 600:
            app.processEvents()
            if time.perf_counter() >= browse_at:  # the user keeps working: next image every 2 s
                window.editor.step(1)
                browse_at = time.perf_counter() + 2.0
            time.sleep(0.0005)
        total = time.perf_counter() - start
        stall = meter.stop()
        gaps = sorted(meter.gaps)
        done = sum(1 for r in window.editor.project.records if r.regions)
        window.close()
        return {
            "max_stall_ms": 1000 * stall,
            "p99_gap_ms": 1000 * gaps[int(0.99 * (len(gaps) - 1))],
            "images": done,
            "seconds": total,
        }


PAINT_COUNTERS: list = []


def _paints(widget) -> list[int]:
    """A counter of the widget's paint events (the benchmark must really repaint, not just queue)."""
    from PyQt5.QtCore import QEvent, QObject

    class Counter(QObject):
        def eventFilter(self, obj, event):
            if event.type() == QEvent.Paint:
                count[0] += 1
            return False

    count = [0]
    counter = Counter(widget)
    widget.installEventFilter(counter)
    PAINT_COUNTERS.append(counter)  # a filter Python drops stops counting
    return count


def _steps(app, meter, actions) -> float:
    """Run each action, letting the event loop (and the repaint) run after each; the longest gap in ms."""
    meter.start()
    worst = (0.0, -1)
    for k, action in enumerate(actions):
        t = time.perf_counter()
        action()
        app.processEvents()
        worst = max(worst, (time.perf_counter() - t, k))
    app.processEvents()
    stall = 1000 * meter.stop()
    if os.environ.get("GUI_BENCH_DEBUG"):
        print(f"  worst step {worst[1]} of {len(actions)}: {1000 * worst[0]:.1f} ms")
    return stall


def _mouse(widget, kind: str, pos, buttons=None) -> None:
    from PyQt5.QtCore import QEvent, QPointF, Qt
    from PyQt5.QtGui import QMouseEvent
    from PyQt5.QtWidgets import QApplication

    types = {"press": QEvent.MouseButtonPress, "move": QEvent.MouseMove, "release": QEvent.MouseButtonRelease}
    button = Qt.NoButton if kind == "move" else Qt.LeftButton
    held = Qt.NoButton if kind == "release" else Qt.LeftButton
    QApplication.sendEvent(widget, QMouseEvent(types[kind], QPointF(pos), button, held, Qt.NoModifier))


def _drag_actions(canvas, start, end, steps: int = 20) -> list:
    """Press at `start` (scene), move in `steps`, release at `end`: one action per event."""
    from PyQt5.QtCore import QPointF

    vp = canvas.viewport()
    a, b = canvas.mapFromScene(QPointF(*start)), canvas.mapFromScene(QPointF(*end))
    acts = [lambda: _mouse(vp, "press", a)]
    for k in range(1, steps + 1):
        acts.append(lambda k=k: _mouse(vp, "move", a + (b - a) * k / steps))
    acts.append(lambda: _mouse(vp, "release", b))
    return acts


def _write_project(folder: Path, image, name: str, regions: list[dict]) -> None:
    import json

    import cv2

    folder.mkdir(parents=True)
    params = [cv2.IMWRITE_JPEG_QUALITY, 90] if name.endswith(".jpg") else []
    ok, buf = cv2.imencode(Path(name).suffix, image, params)
    assert ok
    (folder / name).write_bytes(buf.tobytes())
    line = f"{folder.name}/{name}\t{json.dumps(regions, ensure_ascii=False)}\n"
    (folder / "Cache.cach").write_text(line, encoding="utf-8")


def _open_and_show(app, folder: Path):
    """A window on `folder`: seconds until its first image and regions are painted, and the longest stall (ms)."""
    from labeler.ui.main_window import MainWindow

    window = MainWindow()
    window.resize(1400, 900)
    window.show()
    app.processEvents()
    paints = _paints(window.canvas.viewport())
    meter = StallMeter()
    meter.start()
    start = time.perf_counter()
    assert window.open_folder(folder)
    app.processEvents()
    # A huge image is decoded on a thread; its regions follow one event-loop turn after it.
    wait_until(app, lambda: window.canvas.image_array is not None and len(window.canvas.scene().items()) > 1, 30)
    window.canvas.viewport().repaint()
    shown = time.perf_counter() - start
    app.processEvents()
    return window, shown, paints, 1000 * meter.stop()


def huge_image_stalls(app, side: int = 10000) -> dict:
    """A side x side (100 Mpx at 10000) JPEG: time to display, longest stalls zooming, panning, dragging a vertex."""
    import cv2
    import numpy as np

    from labeler.ui.image_item import ImageItem

    img = np.full((side, side, 3), 255, np.uint8)
    regions = []
    for i, y in enumerate(range(300, side - 200, side // 20)):
        cv2.putText(
            img,
            f"line {i} of a huge scan",
            (200, y),
            cv2.FONT_HERSHEY_DUPLEX,
            side / 1000,
            (0, 0, 0),
            max(2, side // 1000),
        )
        top, bottom, right = y - side // 60, y + side // 200, 180 + side // 2
        box = [[180, top], [right, top], [right, bottom], [180, bottom]]
        regions.append({"transcription": f"line {i} of a huge scan", "points": box, "difficult": False})
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "huge"
        _write_project(folder, img, "huge.jpg", regions)
        del img
        opened_at = time.perf_counter()
        window, shown, paints, open_stall = _open_and_show(app, folder)
        canvas, ed, meter = window.canvas, window.editor, StallMeter()
        painted_before = paints[0]
        r = {"display_s": shown, "open_ms": open_stall}
        item = next(i for i in canvas.scene().items() if isinstance(i, ImageItem))  # the huge image, as drawn
        r["zoom_ms"] = _steps(app, meter, [canvas.zoom_in] * 12 + [canvas.zoom_out] * 12)  # pyramid still building
        wait_until(app, item.levels_ready.is_set, 30)
        r["pyramid_s"] = item.ready_at - opened_at
        r["zoom_ready_ms"] = _steps(app, meter, [canvas.zoom_in] * 12 + [canvas.zoom_out] * 12)
        canvas.set_zoom(1.0)  # 100 %: pan across real pixels
        h, v = canvas.horizontalScrollBar(), canvas.verticalScrollBar()
        pan = [lambda: (h.setValue(h.value() + 150), v.setValue(v.value() + 100)) for _ in range(30)]
        r["pan_ms"] = _steps(app, meter, pan)
        canvas.fit_window()
        ed.select(0)
        app.processEvents()
        (x0, y0) = ed.current.regions[0].points[0]
        r["vertex_fit_ms"] = _steps(app, meter, _drag_actions(canvas, (x0, y0), (x0 + side / 50, y0 - side / 100)))
        canvas.set_zoom(0.5)
        canvas.centerOn(*ed.current.regions[0].points[1])
        app.processEvents()
        (x1, y1) = ed.current.regions[0].points[1]
        r["vertex_zoomed_ms"] = _steps(app, meter, _drag_actions(canvas, (x1, y1), (x1 + 120, y1 + 60)))
        r["paints"] = paints[0] - painted_before
        t = time.perf_counter()
        window.correction.refresh()  # the crop preview of the selected region (correction.py), on every edit
        r["crop_preview_ms"] = 1000 * (time.perf_counter() - t)
        r["moved"] = ed.current.regions[0].points[0] != (x0, y0) and ed.current.regions[0].points[1] != (x1, y1)
        window.close()
        return r


def many_regions_stalls(app, n: int = 1000) -> dict:
    """An A4 page at 300 dpi with n regions: time to show; longest stalls selecting, dragging, undo/redo, typing."""
    import numpy as np
    from PyQt5.QtCore import Qt
    from PyQt5.QtTest import QTest

    w, h = 2480, 3508
    cols = 10
    rows = -(-n // cols)
    cell_w, cell_h = w / cols, h / rows
    regions = []
    for i in range(n):
        x, y = (i % cols) * cell_w + 8, (i // cols) * cell_h + 4
        box = [[x, y], [x + cell_w - 16, y], [x + cell_w - 16, y + cell_h - 8], [x, y + cell_h - 8]]
        score = 0.9 if i % 7 else 0.5  # some low-confidence regions, drawn in another colour
        regions.append({"transcription": f"word {i}", "points": box, "difficult": False, "score": score})
    long_text = " ".join(f"item{k:03d} 12.50" for k in range(11))[:120]  # a 120-character line, the page wide
    y = (rows - 1) * cell_h + 4
    regions[-10] = {"transcription": long_text, "points": [[8, y], [w - 8, y], [w - 8, y + cell_h - 8], [8, y + cell_h - 8]],
                    "difficult": False, "score": 0.8}  # fmt: skip
    img = np.full((h, w, 3), 235, np.uint8)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "dense"
        _write_project(folder, img, "dense.png", regions)
        window, shown, _paints_count, open_stall = _open_and_show(app, folder)
        canvas, ed, meter = window.canvas, window.editor, StallMeter()
        r = {"show_s": shown, "open_ms": open_stall, "regions": len(ed.current.regions)}

        def centre(i):
            (x0, y0), _, (x2, y2), _ = ed.current.regions[i].points
            return (x0 + x2) / 2, (y0 + y2) / 2

        picks = [137, 512, 3, 999 % n, 640, 641, 77, 250, 888 % n, 420]
        clicks = []
        for i in picks:

            def click(i=i):
                pos = canvas.mapFromScene(*centre(i))
                _mouse(canvas.viewport(), "press", pos)
                _mouse(canvas.viewport(), "release", pos)

            clicks.append(click)
        r["first_select_ms"] = _steps(app, meter, clicks[:1])  # the first crop preview of the image
        r["select_ms"] = _steps(app, meter, clicks[1:])
        r["selected_ok"] = ed.selected == picks[-1]
        start = centre(picks[-1])
        r["drag_ms"] = _steps(app, meter, _drag_actions(canvas, start, (start[0] + 40, start[1] + 25)))
        # the mouse moves in whole view pixels: allow two of them
        r["dragged_ok"] = abs(centre(picks[-1])[0] - start[0] - 40) <= 2 / canvas.zoom
        r["undo_redo_ms"] = _steps(app, meter, [ed.undo, ed.redo] * 5)
        ed.select(500)
        app.processEvents()
        typing = [lambda: window.regions.edit_text(500)]
        typing.append(lambda: QTest.keyClick(QApplication_focus(), Qt.Key_End))  # the editor opens with all selected
        typing += [lambda ch=ch: QTest.keyClick(QApplication_focus(), ch) for ch in " fixed"]
        typing.append(lambda: QTest.keyClick(QApplication_focus(), Qt.Key_Return))
        r["typing_ms"] = _steps(app, meter, typing)
        r["typed_ok"] = ed.current.regions[500].transcription == "word 500 fixed"
        r["set_text_ms"] = _steps(app, meter, [lambda k=k: ed.set_text(500, f"word 500 fixed{k}") for k in range(10)])
        # The line editor on the 120-character line: Ctrl+L, the cursor along it (the strip follows), typing, then
        # Tab / Shift+Tab through the regions after it.
        long_index = n - 10
        ed.select(long_index)
        app.processEvents()
        field = window.correction.text

        def key(k, mods=Qt.NoModifier):
            return lambda: QTest.keyClick(QApplication_focus(), k, mods)

        line = [lambda: window.actions_by_name["line_editor"].trigger(), key(Qt.Key_Home)]
        line += [key(Qt.Key_Right)] * 60 + [key(Qt.Key_Right, Qt.ControlModifier)] * 10 + [key(Qt.Key_End)]
        line += [key(Qt.Key_Left, Qt.ControlModifier)] * 10 + [key(ch) for ch in "ok"]
        r["line_editor_ms"] = _steps(app, meter, line)
        r["line_editor_ok"] = field.hasFocus() and ed.selected == long_index
        walk = [key(Qt.Key_Tab)] * 9 + [key(Qt.Key_Backtab, Qt.ShiftModifier)] * 9
        r["tab_walk_ms"] = _steps(app, meter, walk)
        r["tab_walk_ok"] = ed.selected == long_index and "ok" in ed.current.regions[long_index].transcription
        window.close()
        return r


def QApplication_focus():
    from PyQt5.QtWidgets import QApplication

    return QApplication.focusWidget()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--images", type=int, default=10000, help="size of the big folder")
    parser.add_argument("--limit", type=int, default=30, help="evaluation images to auto-label")
    parser.add_argument("--only-editing", action="store_true", help="only the huge-image and many-regions rows")
    args = parser.parse_args()
    from PyQt5.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    print_editing_rows(app)
    if args.only_editing:
        return 0
    shown, step = first_image_of_big_folder(app, args.images)
    print(f"{'measure':58} {'value':>10}  target")
    print(f"{f'first image of a {args.images}-image folder on screen (s)':58} {shown:10.2f}  < 2")
    print(f"{'next image (D) in that folder (ms)':58} {1000 * step:10.1f}")
    if not (args.data / "images").is_dir():
        print(f"skipped auto-labelling stalls: no evaluation images at {args.data}")
        return 0
    r = auto_label_stalls(app, args.data, args.limit)
    print(f"{'longest event-loop stall during background auto-label (ms)':58} {r['max_stall_ms']:10.1f}  < 50")
    print(f"{'median per-image longest stall (ms)':58} {r['median_image_max_stall_ms']:10.1f}")
    print(f"{'longest image switch until shown (ms)':58} {r['max_switch_ms']:10.1f}")
    print(f"{'median image switch (ms)':58} {r['median_switch_ms']:10.1f}")
    print(f"{'images auto-labelled / seconds':58} {r['images']:>4} / {r['seconds']:.1f}")
    b = batch_auto_label_stalls(app, args.data, args.limit)
    print(f"{'batch auto-label all, user browsing: longest stall (ms)':58} {b['max_stall_ms']:10.1f}  < 50")
    print(f"{'batch auto-label all: 99th percentile loop gap (ms)':58} {b['p99_gap_ms']:10.1f}")
    print(f"{'batch: images labelled / seconds':58} {b['images']:>4} / {b['seconds']:.1f}")
    return 0


def print_editing_rows(app) -> None:
    big = huge_image_stalls(app)
    print(f"{'measure':58} {'value':>10}  target")
    print(f"{'100 Mpx JPEG (10000 x 10000): open until painted (s)':58} {big['display_s']:10.2f}")
    print(f"{'100 Mpx: longest stall while opening (ms)':58} {big['open_ms']:10.1f}  < 50")
    print(f"{'100 Mpx: longest stall zooming at once after opening (ms)':58} {big['zoom_ms']:10.1f}  < 50")
    print(f"{'100 Mpx: pyramid (halved copies) complete after (s)':58} {big['pyramid_s']:10.2f}")
    print(f"{'100 Mpx: longest stall zooming in / out (ms)':58} {big['zoom_ready_ms']:10.1f}  < 50")
    print(f"{'100 Mpx: longest stall panning at 100 % (ms)':58} {big['pan_ms']:10.1f}  < 50")
    print(f"{'100 Mpx: longest stall dragging a vertex, fit window (ms)':58} {big['vertex_fit_ms']:10.1f}  < 50")
    print(f"{'100 Mpx: longest stall dragging a vertex, 50 % (ms)':58} {big['vertex_zoomed_ms']:10.1f}  < 50")
    print(f"{'100 Mpx: of which the crop preview refresh per edit (ms)':58} {big['crop_preview_ms']:10.1f}")
    print(f"{'100 Mpx: repaints / vertices moved':58} {big['paints']:>10} / {big['moved']}")
    dense = many_regions_stalls(app)
    n = dense["regions"]
    print(f"{f'{n} regions on an A4 page: open until painted (s)':58} {dense['show_s']:10.2f}")
    print(f"{f'{n} regions: longest stall while opening (ms)':58} {dense['open_ms']:10.1f}  < 50")
    print(f"{f'{n} regions: first click after opening (crop preview) (ms)':58} {dense['first_select_ms']:10.1f}")
    print(f"{f'{n} regions: longest stall selecting by click (ms)':58} {dense['select_ms']:10.1f}  < 50")
    print(f"{f'{n} regions: longest stall dragging a region (ms)':58} {dense['drag_ms']:10.1f}  < 50")
    print(f"{f'{n} regions: longest stall undo / redo (ms)':58} {dense['undo_redo_ms']:10.1f}  < 50")
    print(f"{f'{n} regions: longest stall typing a transcription (ms)':58} {dense['typing_ms']:10.1f}  < 50")
    print(f"{f'{n} regions: longest stall per committed text edit (ms)':58} {dense['set_text_ms']:10.1f}  < 50")
    print(f"{f'{n} regions: line editor, cursor along a 120-char line (ms)':58} {dense['line_editor_ms']:10.1f}  < 50")
    print(f"{f'{n} regions: line editor, Tab / Shift+Tab between regions (ms)':58} {dense['tab_walk_ms']:10.1f}  < 50")
    ok = dense["selected_ok"] and dense["dragged_ok"] and dense["typed_ok"]
    ok = ok and dense["line_editor_ok"] and dense["tab_walk_ok"]
    print(f"{f'{n} regions: the edits took effect':58} {str(ok):>10}")


if __name__ == "__main__":
    sys.exit(main())
