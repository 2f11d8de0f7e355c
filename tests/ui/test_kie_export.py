"""File menu jobs (export, convert, import) and KIE mode, on a real PPOCRLabel folder in tmp_path."""

from __future__ import annotations

import json
import time

from PyQt5.QtCore import Qt

from labeler.core.export import ExportOptions
from labeler.core.model import ImageStatus
from labeler.core.ppocrlabel_format import read_label_file
from labeler.core.project import open_project
from labeler.core.split import SplitRatios
from labeler.ui.export_actions import ConvertDialog, ExportDialog, ImportDialog
from labeler.ui.kie import read_class_list


def _wait_job(qtbot, jobs, timeout=30000):
    qtbot.waitUntil(lambda: not jobs.busy, timeout=timeout)
    assert jobs.progress_dialog is None  # closed when the job ended


def test_menus_have_the_entries(make_window, project_folder):
    window = make_window(project_folder)
    names = window.actions_by_name
    for name in ("export_paddleocr", "convert_labels", "import_labels", "kie_mode", "kie_set_class"):
        assert name in names
    assert names["kie_set_class"].shortcut().toString() == "Ctrl+X"
    assert not names["kie_set_class"].isEnabled()  # only in KIE mode
    file_menu = window.menuBar().actions()[0].menu()
    assert names["export_paddleocr"] in file_menu.actions()
    assert file_menu.actions()[-1] is names["quit"]  # Quit stays last


def test_export_dialog_values(qtbot):
    dialog = ExportDialog("/tmp/out")
    qtbot.addWidget(dialog)
    dialog.train.setValue(7)
    dialog.val.setValue(3)
    dialog.test.setValue(0)
    dialog.seed.setValue(5)
    out, options = dialog.values()
    assert out == "/tmp/out"
    assert options.split == SplitRatios(7, 3, 0) and options.seed == 5 and not options.include_unconfirmed


def test_export_from_the_gui_writes_lists_and_crops(make_window, project_folder, tmp_path, qtbot):
    window = make_window(project_folder)
    ed, jobs = window.editor, window.file_jobs
    ed.go_to(1)  # img2 (confirmed): edit it, the export must see the edit without waiting for autosave
    ed.set_text(0, "second page!")
    out = tmp_path / "export"
    job = jobs.export(out, ExportOptions(split=SplitRatios(1, 0, 0)))
    assert job is not None
    _wait_job(qtbot, jobs)
    report = jobs.last_report
    assert report is not None and jobs.last_error is None
    assert report.images_exported == 1  # only the confirmed image
    assert (out / "det" / "train.txt").read_text("utf-8").startswith("images/img2.png\t")
    rec_lines = (out / "rec" / "train.txt").read_text("utf-8").splitlines()
    assert rec_lines == ["rec/crops/img2_crop_0.jpg\tsecond page!"]
    assert (out / "rec" / "crops" / "img2_crop_0.jpg").stat().st_size > 0
    assert (out / "images" / "img2.png").is_file()
    assert "Exported 1 of 1 images" in jobs.last_text


def test_export_error_is_reported(make_window, project_folder, tmp_path, qtbot):
    window = make_window(project_folder)
    jobs = window.file_jobs
    out = tmp_path / "busy"
    out.mkdir()
    (out / "someone_elses.txt").write_text("x")
    jobs.export(out)
    _wait_job(qtbot, jobs)
    assert jobs.last_report is None and "not empty" in jobs.last_error
    assert "Export failed" in jobs.last_text


def test_convert_to_labelme_writes_json(make_window, project_folder, tmp_path, qtbot):
    window = make_window(project_folder)
    jobs = window.file_jobs
    dialog = ConvertDialog(str(project_folder))
    qtbot.addWidget(dialog)
    dialog.src_fmt.setCurrentText("ppocrlabel")
    dialog.src.setText(str(project_folder))
    dialog.dst.setText(str(tmp_path / "labelme"))
    assert dialog.values()[:2] == ("ppocrlabel", "labelme")
    jobs.convert(*dialog.values())
    _wait_job(qtbot, jobs)
    assert jobs.last_conversion is not None and jobs.last_conversion.images == 1
    data = json.loads((tmp_path / "labelme" / "img2.json").read_text("utf-8"))
    assert data["imagePath"] == "img2.png"
    assert [s["label"] for s in data["shapes"]] == ["second page"]


def test_import_labelme_as_prelabels_one_undo_step_per_image(make_window, project_folder, tmp_path, qtbot):
    window = make_window(project_folder)
    ed, jobs = window.editor, window.file_jobs
    labelme = tmp_path / "lm"
    labelme.mkdir()
    shape = {"label": "imported", "points": [[10, 10], [200, 10], [200, 60], [10, 60]], "shape_type": "polygon"}
    for name in ("img2", "img10", "nothere"):
        doc = {
            "version": "5.0.1",
            "shapes": [shape],
            "imagePath": f"{name}.png",
            "imageHeight": 320,
            "imageWidth": 900,
            "imageData": None,
            "flags": {},
        }
        (labelme / f"{name}.json").write_text(json.dumps(doc), "utf-8")
    dialog = ImportDialog()
    qtbot.addWidget(dialog)
    dialog.src.setText(str(labelme))
    jobs.import_labels(*dialog.values())
    _wait_job(qtbot, jobs)
    summary = jobs.last_import
    assert summary is not None, jobs.last_error
    assert summary.imported == ["img10.png"]
    assert summary.skipped_confirmed == ["img2.png"] and summary.unmatched == ["nothere.png"]
    rec10 = ed.project.record("img10.png")
    assert rec10.status is ImageStatus.PRELABELLED and [r.transcription for r in rec10.regions] == ["imported"]
    assert ed.project.record("img2.png").regions[0].transcription == "second page"  # confirmed: untouched
    ed.flush()
    cache = (project_folder / "Cache.cach").read_text("utf-8")
    assert "data/img10.png" in cache and "imported" in cache
    ed.go_to(2)
    ed.undo()  # the whole import of that image is one step
    assert rec10.regions == [] and rec10.status is ImageStatus.NEW


def test_kie_class_set_saved_reloaded_and_undone(make_window, project_folder, tmp_path, qtbot):
    classes = tmp_path / "classes.txt"
    classes.write_text("question\nanswer\n\nheader\nanswer\n", "utf-8")
    assert read_class_list(classes) == ["question", "answer", "header"]
    window = make_window(project_folder)
    ed, kie = window.editor, window.kie
    kie.load_classes(classes)
    window.actions_by_name["kie_mode"].trigger()
    assert kie.enabled and kie.dock.isVisible() and window.actions_by_name["kie_set_class"].isEnabled()
    assert kie.panel.class_list.count() == 3
    assert kie.classes.colour("question") != kie.classes.colour("answer")

    ed.select(1)
    qtbot.keyClick(window.canvas, Qt.Key_X, Qt.ControlModifier)  # Ctrl+X pops up the class list
    menu = kie.menu
    assert menu is not None and menu.isVisible()
    answer = next(a for a in menu.actions() if a.data() == "answer")
    answer.trigger()
    menu.close()
    rec = ed.current
    assert rec.regions[1].key_cls == "answer"
    assert kie.panel.table.item(1, 2).text() == "answer"
    assert "answer" in kie.panel.selected_label.text()

    ed.select(0)
    kie.panel.new_class.setText("total")  # a typed class
    kie.panel.new_class.returnPressed.emit()
    assert kie.classes.names[-1] == "total"
    assert kie.set_key_class("total")
    assert not kie.set_key_class("total")  # no change, no undo step
    ed.undo()
    assert rec.regions[0].key_cls is None and kie.panel.table.item(0, 2).text() == ""
    ed.redo()
    assert rec.regions[0].key_cls == "total"

    window.actions_by_name["confirm"].trigger()  # confirm saves now
    lines = {line.key: line for line in read_label_file(project_folder / "Label.txt").lines}
    saved = lines["data/img1.png"].regions
    assert [r.key_cls for r in saved] == ["total", "answer"]
    assert '"key_cls": "answer"' in (project_folder / "Label.txt").read_text("utf-8")
    reopened = open_project(project_folder)
    assert [r.key_cls for r in reopened.record("img1.png").regions] == ["total", "answer"]


def test_kie_export_uses_class_list(make_window, project_folder, tmp_path, qtbot):
    window = make_window(project_folder)
    ed, kie, jobs = window.editor, window.kie, window.file_jobs
    kie.classes.set_names(["header", "question"])
    kie.set_enabled(True)
    ed.go_to(1)
    ed.select(0)
    assert kie.set_key_class("question")
    jobs.export(tmp_path / "kie_out", ExportOptions(split=SplitRatios(1, 0, 0)))
    _wait_job(qtbot, jobs)
    assert jobs.last_report is not None, jobs.last_error
    assert (tmp_path / "kie_out" / "kie" / "train.txt").read_text("utf-8").startswith("images/img2.png\t")
    class_list = (tmp_path / "kie_out" / "kie" / "class_list.txt").read_text("utf-8").split()
    assert class_list == ["OTHER", "header", "question"]  # our order, not sorted


def test_ctrl_x_does_nothing_outside_kie_mode(make_window, project_folder, qtbot):
    window = make_window(project_folder)
    window.editor.select(0)
    qtbot.keyClick(window.canvas, Qt.Key_X, Qt.ControlModifier)
    assert window.kie.menu is None and window.editor.current.regions[0].key_cls is None


def test_export_progress_and_cancel(make_window, project_folder, tmp_path, qtbot, monkeypatch):
    import labeler.ui.export_actions as export_actions

    seen = []

    def slow_export(project_dir, out_dir, options, progress, cancel):
        seen.append(options.workers)
        for k in range(10_000):
            progress(k, 10_000)
            if cancel():
                return None
            time.sleep(0.005)
        raise AssertionError("never cancelled")

    monkeypatch.setattr(export_actions, "export_project", slow_export)
    window = make_window(project_folder)
    jobs = window.file_jobs
    jobs.export(tmp_path / "never")
    qtbot.waitUntil(lambda: jobs.progress_dialog is not None and jobs.progress_dialog.value() > 0)
    assert jobs.progress_dialog.maximum() == 10_000
    jobs.progress_dialog.canceled.emit()  # the Cancel button
    _wait_job(qtbot, jobs)
    assert seen == [1] and jobs.last_report is None and jobs.last_error is None
    assert "cancelled" in jobs.last_text


def test_export_menu_entry_runs_the_dialog(make_window, project_folder, tmp_path, qtbot):
    from PyQt5.QtCore import QTimer
    from PyQt5.QtWidgets import QApplication

    window = make_window(project_folder)
    out = tmp_path / "from_menu"
    seen = []

    def fill_and_accept():
        dialog = QApplication.activeModalWidget()
        seen.append(type(dialog))
        dialog.out.setText(str(out))
        dialog.accept()

    QTimer.singleShot(0, fill_and_accept)
    window.actions_by_name["export_paddleocr"].trigger()  # exec_() returns once the timer accepted it
    assert seen == [ExportDialog]
    _wait_job(qtbot, window.file_jobs)
    assert window.file_jobs.last_report is not None and (out / "det" / "det_gt.txt").is_file()


def test_kie_class_goes_to_the_whole_multi_selection_as_one_undo_step(make_window, project_folder):
    window = make_window(project_folder)
    ed, kie = window.editor, window.kie
    kie.set_enabled(True)
    rec = ed.current
    ed.select(0)
    window.canvas.select_many([0, 1])  # Shift+click / rubber band: the session's multi-selection
    assert kie.selected_indices() == [0, 1]
    assert kie.set_key_class("header")
    assert [r.key_cls for r in rec.regions] == ["header", "header"]
    ed.undo()
    assert [r.key_cls for r in rec.regions] == [None, None]
