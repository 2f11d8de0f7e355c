"""File menu entries that call the core on a background thread: export a PaddleOCR dataset, convert
label files between formats, import labels into the open project as pre-labels.

The dialogs only collect values (`values()`); `FileJobs` does the work, so tests drive it without exec_().
Imported labels go through the per-image history (one undo step per image) and only into images that
are not confirmed: a person's checked work is never overwritten by a file.
"""

from __future__ import annotations

import posixpath
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

from PyQt5.QtCore import QObject, Qt, pyqtSignal
from PyQt5.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QMessageBox,
    QProgressDialog,
    QPushButton,
    QSpinBox,
    QWidget,
)

from labeler.core.errors import LabelerError
from labeler.core.export import ExportOptions, export_project
from labeler.core.export_report import ExportReport
from labeler.core.formats import READABLE, WRITABLE, ConversionResult, convert, read_records
from labeler.core.history import Batch, ReplaceRegions, SetStatus
from labeler.core.model import ImageRecord, ImageStatus
from labeler.core.split import SplitRatios
from labeler.ui.editor import Editor
from labeler.ui.i18n import tr
from labeler.ui.kie import KieController
from labeler.ui.workers import Job, JobRunner

# Formats whose input / output is one file rather than a folder (the others take a folder).
FILE_FORMATS = ("labelstudio",)
CTX = "FileJobs"


# ------------------------------------------------------------------ dialogs (values only, no work)


class PathRow(QWidget):
    """A line edit with a Browse button; `mode()` says whether it picks a folder, a file to open or to save."""

    def __init__(self, mode, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.mode, self.title = mode, title
        self.edit = QLineEdit()
        button = QPushButton(tr("Browse...", CTX))
        button.clicked.connect(self.browse)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.edit, 1)
        layout.addWidget(button)

    def text(self) -> str:
        return self.edit.text().strip()

    def setText(self, text: str) -> None:
        self.edit.setText(text)

    def browse(self) -> None:
        mode = self.mode()
        if mode == "folder":
            path = QFileDialog.getExistingDirectory(self, self.title, self.text())
        elif mode == "save":
            path, _ = QFileDialog.getSaveFileName(self, self.title, self.text())
        else:
            path, _ = QFileDialog.getOpenFileName(self, self.title, self.text())
        if path:
            self.edit.setText(path)


def _buttons(dialog: QDialog) -> QDialogButtonBox:
    box = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
    box.accepted.connect(dialog.accept)
    box.rejected.connect(dialog.reject)
    return box


class ExportDialog(QDialog):
    def __init__(self, default_out: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Export PaddleOCR dataset", CTX))
        form = QFormLayout(self)
        self.out = PathRow(lambda: "folder", tr("Output folder", CTX))
        self.out.setText(default_out)
        self.train, self.val, self.test = (QDoubleSpinBox() for _ in range(3))
        for box, value in ((self.train, 8), (self.val, 1), (self.test, 1)):
            box.setRange(0, 1000)
            box.setDecimals(1)
            box.setValue(value)
        split = QWidget()
        row = QHBoxLayout(split)
        row.setContentsMargins(0, 0, 0, 0)
        for box in (self.train, self.val, self.test):
            row.addWidget(box)
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.include_unconfirmed = QCheckBox(tr("Also export pre-labelled images (not checked by a person)", CTX))
        self.crop_format = QComboBox()
        self.crop_format.addItems(["jpg", "png"])
        form.addRow(tr("Output folder", CTX), self.out)
        form.addRow(tr("Split train : val : test", CTX), split)
        form.addRow(tr("Seed", CTX), self.seed)
        form.addRow(tr("Crop format", CTX), self.crop_format)
        form.addRow(self.include_unconfirmed)
        form.addRow(_buttons(self))

    def values(self) -> tuple[str, ExportOptions]:
        """(output folder, options); raises LabelerError (SplitSpecError) for bad ratios."""
        ratios = SplitRatios(self.train.value(), self.val.value(), self.test.value())
        options = ExportOptions(
            split=ratios,
            seed=self.seed.value(),
            crop_format=self.crop_format.currentText(),
            include_unconfirmed=self.include_unconfirmed.isChecked(),
        )
        return self.out.text(), options


class ConvertDialog(QDialog):
    def __init__(self, image_dir: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Convert labels", CTX))
        form = QFormLayout(self)
        self.src_fmt, self.dst_fmt = QComboBox(), QComboBox()
        self.src_fmt.addItems(READABLE)
        self.dst_fmt.addItems(WRITABLE)
        self.dst_fmt.setCurrentText("labelme")
        self.src = PathRow(lambda: "open" if self.src_fmt.currentText() in FILE_FORMATS else "folder", tr("Input", CTX))
        self.dst = PathRow(
            lambda: "save" if self.dst_fmt.currentText() in FILE_FORMATS else "folder", tr("Output", CTX)
        )
        self.image_dir = PathRow(lambda: "folder", tr("Image folder", CTX))
        self.image_dir.setText(image_dir)
        form.addRow(tr("From format", CTX), self.src_fmt)
        form.addRow(tr("Input (file or folder)", CTX), self.src)
        form.addRow(tr("To format", CTX), self.dst_fmt)
        form.addRow(tr("Output (file or folder)", CTX), self.dst)
        form.addRow(tr("Image folder (for sizes)", CTX), self.image_dir)
        form.addRow(_buttons(self))

    def values(self) -> tuple[str, str, str, str, str | None]:
        return (
            self.src_fmt.currentText(),
            self.dst_fmt.currentText(),
            self.src.text(),
            self.dst.text(),
            self.image_dir.text() or None,
        )


class ImportDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Import labels as pre-labels", CTX))
        form = QFormLayout(self)
        self.fmt = QComboBox()
        self.fmt.addItems(READABLE)
        self.fmt.setCurrentText("labelme")
        self.src = PathRow(lambda: "open" if self.fmt.currentText() in FILE_FORMATS else "folder", tr("Labels", CTX))
        form.addRow(tr("Format", CTX), self.fmt)
        form.addRow(tr("Labels (file or folder)", CTX), self.src)
        form.addRow(_buttons(self))

    def values(self) -> tuple[str, str]:
        return self.fmt.currentText(), self.src.text()


# ------------------------------------------------------------------ the work


@dataclass
class ImportSummary:
    imported: list[str] = field(default_factory=list)  # record paths whose regions were replaced
    skipped_confirmed: list[str] = field(default_factory=list)
    skipped_empty: list[str] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)  # no such image in the project
    warnings: list[str] = field(default_factory=list)

    def text(self) -> str:
        lines = [
            tr("Imported {n} images as pre-labels (Ctrl+Z on an image undoes its import).", CTX).format(
                n=len(self.imported)
            )
        ]
        if self.skipped_confirmed:
            lines.append(tr("Left alone, already confirmed: {n}", CTX).format(n=len(self.skipped_confirmed)))
        if self.skipped_empty:
            lines.append(tr("No regions in the file: {n}", CTX).format(n=len(self.skipped_empty)))
        if self.unmatched:
            lines.append(
                tr("Not in this folder: {n} (e.g. {first})", CTX).format(n=len(self.unmatched), first=self.unmatched[0])
            )
        if self.warnings:
            lines.append(tr("Warnings: {n} (first: {first})", CTX).format(n=len(self.warnings), first=self.warnings[0]))
        return "\n".join(lines)


def _read_for_import(fmt: str, src: str, image_dir: str, cancel) -> tuple[list[ImageRecord], list[str]]:
    warnings: list[str] = []
    return read_records(fmt, src, image_dir=image_dir, warnings=warnings), warnings


def _convert(src_fmt: str, dst_fmt: str, src: str, dst: str, image_dir: str | None, cancel) -> ConversionResult:
    return convert(src_fmt, dst_fmt, src, dst, image_dir=image_dir)


def export_summary(report: ExportReport) -> str:
    total = report.totals()
    head = (
        tr("Exported {done} of {total} images to {folder}", CTX).format(
            done=report.images_exported, total=report.images_in, folder=report.out_dir
        )
        + "\n"
        + tr("{det} det boxes, {rec} rec crops", CTX).format(det=total.det_regions, rec=total.rec_crops)
        + (tr(", {n} KIE regions", CTX).format(n=total.kie_regions) if total.kie_regions else "")
        + tr(" in {seconds:.1f} s", CTX).format(seconds=report.seconds)
        + "\n\n"
    )
    return head + "\n".join(report.summary_lines(max_items=5))


class FileJobs(QObject):
    """Export / convert / import jobs of one window, one at a time, on their own thread pool.

    `show_status(text, ms)` says a job started; `parent` is the widget its dialogs and messages open over.
    Call `shutdown()` before the window goes.
    """

    progress = pyqtSignal(int, int)  # emitted from the worker thread; Qt queues it to the GUI thread
    done = pyqtSignal(str)  # the summary shown to the user (or the error)

    def __init__(
        self,
        editor: Editor,
        show_status: Callable[[str, int], None],
        parent: QWidget,
        kie: KieController | None = None,
    ) -> None:
        super().__init__(parent)
        self.editor, self.show_status, self.parent_widget, self.kie = editor, show_status, parent, kie
        self.runner = JobRunner(1, self)
        self.last_report: ExportReport | None = None
        self.last_conversion: ConversionResult | None = None
        self.last_import: ImportSummary | None = None
        self.last_error: str | None = None
        self.last_text = ""
        self.message_box: QMessageBox | None = None
        self.progress_dialog: QProgressDialog | None = None
        self.progress.connect(self._show_progress)

    # ------------------------------------------------------------------ plumbing

    @property
    def busy(self) -> bool:
        return self.runner.busy

    def handlers(self) -> dict[str, Callable[..., object]]:
        return {
            "export_paddleocr": self.export_dialog,
            "convert_labels": self.convert_dialog,
            "import_labels": self.import_dialog,
        }

    def shutdown(self) -> None:
        self.runner.shutdown()
        self._close_progress()

    def _start(self, title: str, fn, on_result, cancellable: bool = False) -> Job | None:
        if self.runner.busy:
            busy = tr("Another export, conversion or import is still running.", CTX)
            self._tell("labeler", busy, QMessageBox.Warning)
            return None
        self.last_error = None
        job = Job(fn)
        job.signals.result.connect(on_result)
        job.signals.error.connect(lambda text: self._failed(title, text))
        job.signals.finished.connect(self._close_progress)
        cancelled = tr("{title} cancelled; nothing was written.", CTX).format(title=title)
        job.signals.finished.connect(lambda: self._tell(title, cancelled) if job.cancelled else None)
        self._open_progress(title, job if cancellable else None)
        self.runner.start(job)
        self.show_status(tr("{title}...", CTX).format(title=title), 5000)
        return job

    def _open_progress(self, title: str, job: Job | None) -> None:
        dialog = QProgressDialog(
            tr("{title}...", CTX).format(title=title), tr("Cancel", CTX) if job else "", 0, 0, self.parent_widget
        )
        dialog.setWindowTitle(title)
        dialog.setWindowModality(Qt.NonModal)  # the user may keep labelling meanwhile
        dialog.setMinimumDuration(300)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        if job is None:
            dialog.setCancelButton(None)
        else:
            dialog.canceled.connect(job.cancel)
        self.progress_dialog = dialog

    def _show_progress(self, done: int, total: int) -> None:
        if self.progress_dialog is not None:
            self.progress_dialog.setMaximum(max(total, 1))
            self.progress_dialog.setValue(done)

    def _close_progress(self) -> None:
        if self.progress_dialog is not None:
            try:
                self.progress_dialog.canceled.disconnect()  # closing it emits canceled: not a user's cancel
            except TypeError:
                pass
            self.progress_dialog.close()
            self.progress_dialog.deleteLater()
            self.progress_dialog = None

    def _tell(self, title: str, text: str, icon=QMessageBox.Information) -> None:
        """A message box that does not block (tests read `last_text` instead of clicking it)."""
        self.last_text = text
        if self.message_box is not None:
            self.message_box.close()
        box = QMessageBox(icon, title, text, QMessageBox.Ok, self.parent_widget)
        box.setAttribute(Qt.WA_DeleteOnClose)
        box.destroyed.connect(lambda *_: setattr(self, "message_box", None) if self.message_box is box else None)
        box.open()
        self.message_box = box
        self.done.emit(text)

    def _failed(self, title: str, text: str) -> None:
        self.last_error = text
        self._tell(title, tr("{title} failed:\n{error}", CTX).format(title=title, error=text), QMessageBox.Critical)

    # ------------------------------------------------------------------ export

    def export(self, out_dir: str | Path, options: ExportOptions | None = None) -> Job | None:
        """Save pending edits, then export the folder's confirmed images into out_dir in the background."""
        project = self.editor.project
        if project is None:
            self._tell(tr("Export", CTX), tr("Open an image folder first.", CTX), QMessageBox.Warning)
            return None
        if not str(out_dir):
            self._tell(tr("Export", CTX), tr("Choose an output folder.", CTX), QMessageBox.Warning)
            return None
        try:
            self.editor.flush()  # the export reads the label files: they must hold the latest edits
        except Exception as exc:
            self._failed(tr("Export", CTX), tr("could not save the labels first: {error}", CTX).format(error=exc))
            return None
        options = options or ExportOptions()
        if self.kie is not None and self.kie.enabled:
            options = replace(options, kie=True, kie_classes=tuple(self.kie.classes.names))
        # One process: a process pool started from the GUI would compete with it for the cores it draws on.
        options = replace(options, workers=1)
        self.last_report = None

        def run(cancel):
            return export_project(project.folder, out_dir, options, progress=self.progress.emit, cancel=cancel.is_set)

        return self._start(tr("Export", CTX), run, self._exported, cancellable=True)

    def _exported(self, report: ExportReport) -> None:
        self.last_report = report
        self._tell(tr("Export", CTX), export_summary(report))

    # ------------------------------------------------------------------ convert

    def convert(self, src_fmt: str, dst_fmt: str, src: str, dst: str, image_dir: str | None = None) -> Job | None:
        if not src or not dst:
            self._tell(tr("Convert", CTX), tr("Choose an input and an output.", CTX), QMessageBox.Warning)
            return None
        self.last_conversion = None
        fn = partial(_convert, src_fmt, dst_fmt, src, dst, image_dir)
        return self._start(tr("Convert", CTX), fn, self._converted)

    def _converted(self, result: ConversionResult) -> None:
        self.last_conversion = result
        text = tr("Converted {images} images, {regions} regions.", CTX).format(
            images=result.images, regions=result.regions
        )
        if result.warnings:
            warned = tr("{n} warnings:", CTX).format(n=len(result.warnings))
            text += f"\n{warned}\n" + "\n".join(result.warnings[:10])
        self._tell(tr("Convert", CTX), text)

    # ------------------------------------------------------------------ import

    def import_labels(self, fmt: str, src: str) -> Job | None:
        """Read `src` in the background; apply it on the GUI thread (apply_import)."""
        project = self.editor.project
        if project is None or not src:
            text = tr("Open an image folder and choose the labels to import.", CTX)
            self._tell(tr("Import", CTX), text, QMessageBox.Warning)
            return None
        self.last_import = None
        fn = partial(_read_for_import, fmt, src, str(project.folder))
        return self._start(tr("Import", CTX), fn, lambda result: self.apply_import(*result))

    def apply_import(self, records: list[ImageRecord], warnings: list[str] | None = None) -> ImportSummary:
        """Replace the regions of matching images that are not confirmed, one undo step per image."""
        summary = ImportSummary(warnings=list(warnings or []))
        project = self.editor.project
        if project is None:
            return summary
        by_name = Counter(posixpath.basename(r.path) for r in project.records)
        for rec in records:
            path = posixpath.normpath(rec.path.replace("\\", "/"))
            target = project.by_path.get(path)
            if target is None and by_name[posixpath.basename(path)] == 1:
                name = posixpath.basename(path)
                target = next(r for r in project.records if posixpath.basename(r.path) == name)
            if target is None:
                summary.unmatched.append(rec.path)
            elif target.status is ImageStatus.CONFIRMED:
                summary.skipped_confirmed.append(target.path)
            elif not rec.regions:
                summary.skipped_empty.append(target.path)
            else:
                commands = [ReplaceRegions(list(rec.regions))]
                if target.status is ImageStatus.NEW:
                    commands.append(SetStatus(ImageStatus.PRELABELLED))
                self.editor.push(Batch(commands, label="import labels"), record=target, merge=False)
                summary.imported.append(target.path)
        self.last_import = summary
        self._tell(tr("Import", CTX), summary.text())
        return summary

    # ------------------------------------------------------------------ menu slots (dialogs)

    def export_dialog(self) -> None:
        project = self.editor.project
        default = str(project.folder.parent / f"{project.folder.name}_paddleocr") if project else ""
        dialog = ExportDialog(default, self.parent_widget)
        if dialog.exec_():
            try:
                out, options = dialog.values()
            except LabelerError as exc:
                self._failed(tr("Export", CTX), str(exc))
                return
            self.export(out, options)

    def convert_dialog(self) -> None:
        project = self.editor.project
        dialog = ConvertDialog(str(project.folder) if project else "", self.parent_widget)
        if dialog.exec_():
            self.convert(*dialog.values())

    def import_dialog(self) -> None:
        dialog = ImportDialog(self.parent_widget)
        if dialog.exec_():
            self.import_labels(*dialog.values())
