"""The Retrain panel: a real child process (QProcess) speaking the train protocol -> curves, progress, metrics
table, model switch, re-label offer; cancel (terminate, then kill); and the round trip with `labeler train`."""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import threading
import time
from pathlib import Path

import cv2
import pytest
from PyQt5.QtCore import QTimer
from PyQt5.QtWidgets import QMessageBox

from labeler.core.model import ImageStatus
from labeler.ui import i18n
from labeler.ui.retrain_runner import EXIT_KILLED, LineBuffer, RetrainRunner, TrainOptions, train_argv

CHILD = Path(__file__).with_name("scripted_train_child.py")
REPO = Path(__file__).resolve().parents[2]


class TickCounter:
    """A 10 ms timer on the GUI thread: how many times it fired, and the longest gap between two ticks.

    `reference_ticks` counts the 10 ms wake-ups of a plain thread meanwhile: what this machine's scheduler
    allows now (on a loaded CI machine far fewer than elapsed / 10 ms), so the GUI thread is compared with it.
    """

    def __init__(self) -> None:
        self.ticks, self.longest, self.reference_ticks = 0, 0.0, 0
        self._last = time.perf_counter()
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._tick)
        self._stop = threading.Event()
        self._reference = threading.Thread(target=self._count_reference, name="tick-reference", daemon=True)

    def _tick(self) -> None:
        now = time.perf_counter()
        self.ticks += 1
        self.longest = max(self.longest, now - self._last)
        self._last = now

    def _count_reference(self) -> None:
        while not self._stop.wait(0.010):
            self.reference_ticks += 1

    def __enter__(self) -> TickCounter:
        self._last = time.perf_counter()
        self.timer.start()
        self._reference.start()
        return self

    def __exit__(self, *exc) -> None:
        self.timer.stop()
        self._stop.set()
        self._reference.join()


def scripted(mode: str, *extra: str):
    """An argv_for that runs the scripted child instead of `labeler train`."""
    return lambda folder, _options: [sys.executable, str(CHILD), mode, str(folder), *extra]


def install_model_copy(project: Path, version: str = "v1") -> Path:
    """A real model set (the bundled light one) where the engine installs tuned models: PROJECT/.labeler/models/v1."""
    source = REPO / "models" / "ppocrv4-mobile"
    target = project / ".labeler" / "models" / version
    target.mkdir(parents=True)
    manifest = json.loads((source / "manifest.json").read_text(encoding="utf-8"))
    for part in ("det", "rec", "cls"):
        if manifest.get(part):
            manifest[part]["file"] = "bundled:" + (Path(source.name) / manifest[part]["file"]).as_posix()
    (target / "dict.txt").write_bytes((source / "dict.txt").read_bytes())  # found beside the manifest, as installed
    (target / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return target


@pytest.fixture
def english():
    yield
    i18n.set_language("en")


# ------------------------------------------------------------------ pieces


def test_train_argv_is_an_argument_list_with_the_chosen_options():
    options = TrainOptions(time_budget_min=5, det=True, nproc=2, device="cuda", max_steps=3)
    argv = train_argv("/data/my project", options, python="/usr/bin/python3")
    assert argv == [
        "/usr/bin/python3",
        "-m",
        "labeler",
        "train",
        "/data/my project",
        "--time-budget",
        "5",
        "--det",
        "--nproc",
        "2",
        "--device",
        "cuda",
        "--max-steps",
        "3",
    ]
    assert train_argv("p")[4:] == ["p", "--time-budget", "20", "--device", "cpu"]  # the defaults stay short
    assert train_argv("p", TrainOptions(models="/p/.labeler/models/v2", threads=1))[-4:] == [
        "--threads",
        "1",
        "--models",
        "/p/.labeler/models/v2",
    ]
    with pytest.raises(ValueError):
        train_argv("p", TrainOptions(device="tpu"))
    if importlib.util.find_spec("labeler.commands.train") is not None:  # the real parser accepts what we send
        from labeler.cli import build_parser

        args = build_parser().parse_args(argv[3:])
        assert args.command == "train" and args.max_steps == 3 and args.det


def test_line_buffer_keeps_a_partial_line_for_the_next_chunk():
    buffer = LineBuffer()
    assert buffer.feed(b'{"event": "st') == []
    assert buffer.feed(b'age"}\n{"a"') == ['{"event": "stage"}']
    assert buffer.feed("：中\r\n".encode()[:2]) == []  # a UTF-8 character cut in two waits too
    assert buffer.feed("：中\r\n".encode()[2:]) == ['{"a"：中']
    assert buffer.rest() == ""


# ------------------------------------------------------------------ the panel with a scripted child process


@pytest.mark.models
def test_panel_follows_a_scripted_training_run_and_switches_the_model(make_window, project_folder, qtbot, monkeypatch):
    window = make_window(project_folder)
    ed, panel = window.editor, window.retrain
    model_dir = install_model_copy(project_folder)
    window.actions_by_name["retrain"].trigger()
    assert window.retrain_dock.isVisible() and not panel.advanced.isVisible()  # advanced options folded away
    chunks: list[bytes] = []
    feed = LineBuffer.feed
    monkeypatch.setattr(LineBuffer, "feed", lambda self, chunk: chunks.append(chunk) or feed(self, chunk))
    questions: list[str] = []
    monkeypatch.setattr(
        QMessageBox, "question", lambda _parent, _title, text, *_a: questions.append(text) or QMessageBox.Yes
    )
    panel.argv_for = scripted("accept", str(model_dir))
    messages: list[str] = []
    ed.message.connect(messages.append)
    seen_progress: list[str] = []
    panel.runner.received.connect(lambda e: e["event"] == "progress" and seen_progress.append(panel.progress.format()))
    base_pipeline = ed.pipeline()  # made lazily (no model loaded): the switch must drop it

    with TickCounter() as ticks:
        started = time.perf_counter()
        assert panel.start()
        assert not panel.start_button.isEnabled() and panel.cancel_button.isEnabled()
        with qtbot.waitSignal(panel.runner.finished, timeout=60000) as finished:
            pass
        elapsed = time.perf_counter() - started
    assert finished.args == [0]
    # The child sleeps ~1.5 s in steps; the GUI thread kept ticking all along (elapsed / 10 ms ticks on an idle
    # machine; under load, at least half of what a plain thread's 10 ms wake-ups got meanwhile).
    assert ticks.ticks >= 0.5 * min(elapsed / 0.010, ticks.reference_ticks) and ticks.longest < 0.25, (
        ticks.ticks,
        ticks.reference_ticks,
        elapsed,
        ticks.longest,
    )
    assert any(not c.endswith(b"\n") for c in chunks)  # a line did arrive in pieces, and still parsed:
    kinds = [e["event"] for e in panel.runner.events]
    assert kinds.count("progress") == 6 and kinds[-1] == "result"
    losses = [2.0, 1.6, 1.3, 1.1, 0.9, 0.8]
    assert panel.loss_plot.points("rec loss") == [(float(s), loss) for s, loss in enumerate(losses, 1)]
    assert panel.acc_plot.points("rec val acc") == [(3.0, 0.65), (6.0, 0.8)]
    assert "rec: step 2/6" in seen_progress[1] and "ETA 0:00" in seen_progress[1]
    table = {
        panel.table.verticalHeaderItem(r).text(): [panel.table.item(r, c).text() for c in range(3)] for r in range(6)
    }
    assert table["rec_acc"] == ["0.500", "0.750", "+0.250"] and table["zero_edit"] == ["0.450", "0.400", "-0.050"]
    assert table["det_H"][2] == "+0.000"
    log = panel.log_view.toPlainText()
    assert "[train] epoch 1 step 6/6 loss 0.800" in log and "a stray line from a library" in log
    # Accepted: the editor's next OCR job uses the project's new model; the status bar says so. The re-label job
    # below may already have made the new pipeline on its thread (it starts when the run finishes).
    assert ed.model_set == str(model_dir) and ed.cached_pipeline is not base_pipeline
    assert ed.cached_pipeline is None or Path(ed.cached_pipeline.model_set.folder) == model_dir
    assert window.model_switch.label.text() == "Model: tuned v1"
    assert "Accepted: model v1 now pre-labels" in panel.result_label.text()
    assert panel.progress.format() == "finished"
    assert panel.start_button.isEnabled() and not panel.cancel_button.isEnabled()
    # The offer named the two unconfirmed images; Yes re-labelled both with the new model, the confirmed one untouched.
    assert questions == ["Re-label the 2 images not yet confirmed with the new model?"]
    qtbot.waitUntil(lambda: not window.batch.running, timeout=120000)  # loads the new model: slow on a busy machine
    assert sorted(window.batch.applied) == ["img1.png", "img10.png"], messages
    img1, img2, img10 = (ed.project.record(p) for p in ("img1.png", "img2.png", "img10.png"))
    # The labels are the new model's own reading of the page ("Tota1" was the old pre-label); whether the
    # light model reads the gap after "Total:" as a space differs between opencv/onnxruntime releases.
    from labeler.ocr.pipeline import OcrPipeline

    direct = OcrPipeline(str(model_dir))(cv2.imread(str(project_folder / "img1.png")))
    relabelled = [r.transcription.strip() for r in img1.regions]
    assert relabelled == [r.text.strip() for r in direct.regions]
    assert [t.replace(" ", "") for t in relabelled] == ["helloworld", "Total:42.5"]
    assert img10.status is ImageStatus.PRELABELLED and img10.regions
    assert img2.status is ImageStatus.CONFIRMED and [r.transcription for r in img2.regions] == ["second page"]
    assert ed.pipeline().model_set.folder == model_dir  # the labels came from the manifest in the project


def test_not_accepted_keeps_the_model_and_says_why(make_window, project_folder, qtbot, monkeypatch):
    window = make_window(project_folder)
    ed, panel = window.editor, window.retrain
    monkeypatch.setattr(QMessageBox, "question", lambda *a: pytest.fail("no re-label offer without a new model"))
    panel.argv_for = scripted("reject")
    assert panel.start()
    with qtbot.waitSignal(panel.runner.finished, timeout=20000) as finished:
        pass
    assert finished.args == [0]
    assert ed.model_set == "light" and window.model_switch.label.text() == "Model: light"
    assert panel.result_label.text() == (
        "Not accepted: no gain on the test split. Pre-labelling keeps the current model."
    )
    assert panel.state.switched_to is None and panel.state.relabel_offered is None
    assert panel.table.item(1, 1).text() == "0.750"  # the tuned numbers are still shown


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return not Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"


def test_cancel_terminates_the_child_and_the_panel_goes_idle(make_window, project_folder, qtbot):
    window = make_window(project_folder)
    panel = window.retrain
    panel.argv_for = scripted("slow")
    with TickCounter() as ticks:
        assert panel.start()
        qtbot.waitUntil(lambda: len(panel.loss_plot.points("rec loss")) >= 3, timeout=15000)
        pid = panel.runner.process.processId()
        assert "rec: step" in panel.progress.format() and panel.progress.maximum() == 600
        with qtbot.waitSignal(panel.runner.finished, timeout=10000) as finished:
            panel.cancel_button.click()
    assert finished.args == [130] and not _alive(pid)
    assert ticks.longest < 0.25
    assert panel.runner.events[-1] == {"event": "cancelled"}
    assert panel.state.cancelled and panel.progress.format() == "cancelled"
    assert panel.stage_label.text() == "Cancelled: nothing was installed."
    assert panel.start_button.isEnabled() and not panel.cancel_button.isEnabled() and panel.advanced.isEnabled()
    assert window.editor.model_set == "light"


def test_a_child_that_ignores_sigterm_is_killed(qtbot, tmp_path):
    runner = RetrainRunner(kill_after_ms=300)
    lines: list[str] = []
    runner.log_line.connect(lines.append)
    runner.start([sys.executable, str(CHILD), "stubborn", str(tmp_path)])
    qtbot.waitUntil(lambda: bool(runner.events), timeout=10000)
    pid = runner.process.processId()
    with qtbot.waitSignal(runner.finished, timeout=10000) as finished:
        runner.cancel()
    assert finished.args == [EXIT_KILLED] and not _alive(pid) and not runner.running
    assert any("did not stop within 0.3 s: killed" in line for line in lines)


def test_closing_the_window_stops_a_running_training(make_window, project_folder, qtbot):
    window = make_window(project_folder)
    window.retrain.argv_for = scripted("slow")
    assert window.retrain.start()
    qtbot.waitUntil(lambda: bool(window.retrain.runner.events), timeout=15000)
    pid = window.retrain.runner.process.processId()
    window.close()
    assert not window.retrain.runner.running and not _alive(pid)


def test_start_needs_confirmed_images(make_window, tmp_path):
    from tests.conftest import render_lines, write_image

    write_image(tmp_path / "new" / "a.png", render_lines(["nothing confirmed"]))
    window = make_window(tmp_path / "new")
    assert not window.retrain.start() and not window.retrain.runner.running
    assert "No confirmed images yet" in window.retrain.stage_label.text()


def test_panel_and_action_in_chinese(make_window, english, qtbot):
    window = make_window()
    i18n.set_language("zh_CN")
    i18n.retranslate(window)
    panel = window.retrain
    assert window.actions_by_name["retrain"].text() == "重新训练(&T)..."
    qtbot.waitUntil(lambda: panel.start_button.text() != "Start retraining")  # LanguageChange is a posted event
    assert panel.start_button.text() == "开始训练" and panel.advanced_toggle.text() == "高级选项"
    assert panel.table.horizontalHeaderItem(0).text() == "训练前"
    i18n.set_language("en")
    qtbot.waitUntil(lambda: panel.start_button.text() == "Start retraining")


# ------------------------------------------------------------------ a project's own tuned model

needs_model_store = pytest.mark.skipif(
    importlib.util.find_spec("labeler.ocr.project_models") is None,
    reason="waiting for labeler.ocr.project_models (train engine, helper A1)",
)


@needs_model_store
def test_opening_a_project_with_an_active_tuned_model_uses_it(make_window, project_folder, tmp_path):
    model_dir = install_model_copy(project_folder, "v1")
    history = {
        "active": "v1",
        "versions": [
            {
                "version": "v1",
                "created": "2026-11-30T10:00:00",
                "base_model": "light",
                "engine": "torch",
                "accepted": True,
                "metrics": {"base": {}, "tuned": {}},
                "train_images": 1,
                "test_images": 1,
                "seconds": 1.0,
            }
        ],
    }
    (model_dir.parent / "history.json").write_text(json.dumps(history), encoding="utf-8")
    window = make_window(project_folder)
    assert Path(window.editor.model_set).resolve() == model_dir.resolve()
    assert window.model_switch.label.text() == "Model: tuned v1"
    other = tmp_path / "other"
    other.mkdir()
    (other / "a.png").write_bytes((project_folder / "img1.png").read_bytes())
    assert window.open_folder(other)  # a project without its own model: back to the set the window had
    assert window.editor.model_set == "light"


# ------------------------------------------------------------------ the round trip with the real `labeler train`

needs_train_cli = pytest.mark.skipif(
    importlib.util.find_spec("labeler.commands.train") is None,
    reason="waiting for `labeler train` (labeler/commands/train.py, helper A1)",
)

WORDS = [
    "invoice 2041",
    "total 18.50",
    "paid cash",
    "date 03/11",
    "table 7",
    "thank you",
    "coffee 3.20",
    "tea 2.80",
    "cake 4.10",
    "tax 1.33",
    "change 0.50",
    "card 5512",
]


def confirmed_project(folder: Path, count: int = 12) -> Path:
    """Rendered one-line images, every one confirmed with its true box and text."""
    import cv2

    from tests.conftest import render_lines, write_image

    labels, states = [], []
    for i in range(count):
        text = WORDS[i % len(WORDS)]
        write_image(folder / f"line{i:02d}.png", render_lines([text], size=(480, 120), scale=1.2))
        (w, h), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_DUPLEX, 1.2, 2)
        x0, y0, x1, y1 = 34, 80 - h - 6, 40 + w + 6, 80 + base + 4
        region = {"transcription": text, "points": [[x0, y0], [x1, y0], [x1, y1], [x0, y1]], "difficult": False}
        key = f"{folder.name}/line{i:02d}.png"
        labels.append(f"{key}\t{json.dumps([region])}\n")
        states.append(f"{key}\t1\n")
    write_image(folder / "todo.png", render_lines(["not confirmed yet"], size=(480, 120), scale=1.2))
    (folder / "Label.txt").write_text("".join(labels), encoding="utf-8")
    (folder / "fileState.txt").write_text("".join(states), encoding="utf-8")
    return folder


@needs_train_cli
@pytest.mark.models
def test_round_trip_with_labeler_train(make_window, tmp_path, qtbot, monkeypatch):
    folder = confirmed_project(tmp_path / "shop")
    window = make_window(folder)
    ed, panel = window.editor, window.retrain
    before = ed.model_set
    questions: list[str] = []
    monkeypatch.setattr(QMessageBox, "question", lambda _p, _t, text, *_a: questions.append(text) or QMessageBox.No)
    window.actions_by_name["retrain"].trigger()
    with TickCounter() as ticks:
        assert panel.start(TrainOptions(time_budget_min=2, max_steps=2, threads=1))
        with qtbot.waitSignal(panel.runner.finished, timeout=240000) as finished:
            pass
    log = panel.log_view.toPlainText()
    assert finished.args == [0], log
    assert ticks.longest < 0.5
    kinds = [e["event"] for e in panel.runner.events]
    assert kinds[0] == "start" and "progress" in kinds and kinds[-1] == "result", kinds
    assert panel.runner.events[0]["base_model"] == "ppocrv4-mobile"  # the set pre-labelling in the window ("light")
    assert panel.loss_plot.points("rec loss"), log
    for row in range(panel.table.rowCount()):  # base and tuned are both filled in
        assert panel.table.item(row, 0).text() != "-" and panel.table.item(row, 1).text() != "-", log
    result = panel.state.result
    if result["accepted"]:
        models = (folder / ".labeler" / "models").resolve()
        assert Path(ed.model_set).resolve().parent == models and Path(result["model_dir"]).resolve().parent == models
        assert window.model_switch.label.text() == f"Model: tuned {result['version']}"
        assert questions == ["Re-label the 1 images not yet confirmed with the new model?"]
        assert not window.batch.running  # the answer was No
    else:
        assert ed.model_set == before and questions == []
        assert panel.result_label.text().startswith("Not accepted: ")
        assert not (folder / ".labeler" / "models").is_dir() or not any(
            p.is_dir() for p in (folder / ".labeler" / "models").iterdir()
        )
