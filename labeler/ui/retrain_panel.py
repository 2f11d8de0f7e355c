"""The Retrain panel: fine-tune the pre-labeller on the project's confirmed images with `labeler train`.

One Start button with sensible defaults (advanced options folded away); while the child process runs the
panel shows its stage, a progress bar with ETA, live loss and validation-accuracy curves and the log; at the
end a base / tuned metrics table. An accepted model becomes the editor's model set at once, and the panel
offers to re-label the images not confirmed yet. The work is a separate process (RetrainRunner), so the
window stays responsive and Cancel really stops it. Without the train extra (torch, onnx: the window itself does
not need them) the panel says so and offers to install it into this environment first (extra_install).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from PyQt5.QtCore import QEvent, Qt
from PyQt5.QtGui import QBrush, QColor, QFont
from PyQt5.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from labeler.core.model import ImageStatus
from labeler.ui.batch_label import BatchLabeler
from labeler.ui.curve_plot import CurvePlot
from labeler.ui.editor import Editor
from labeler.ui.extra_install import ExtraInstallBox
from labeler.ui.i18n import noop_tr, tr
from labeler.ui.model_switch import ModelSwitch
from labeler.ui.retrain_runner import DEVICES, RetrainRunner, TrainOptions, train_argv

CTX = "RetrainPanel"
# (protocol key, short name as in README tables, what it measures)
METRICS = (
    ("det_hmean", "det_H", noop_tr("detection H-mean (polygon IoU >= 0.5)", CTX)),
    ("rec_acc", "rec_acc", noop_tr("exact text of matched regions", CTX)),
    ("rec_acc_norm", "rec_acc_norm", noop_tr("text ignoring case and white space", CTX)),
    ("one_minus_ned", "1-NED", noop_tr("1 - normalized edit distance", CTX)),
    ("e2e_hmean", "e2e_H", noop_tr("end-to-end H-mean (box and exact text)", CTX)),
    ("zero_edit", "zero_edit", noop_tr("share of regions needing no edit", CTX)),
)
LOG_LINES = 5000
EXIT_CANCELLED = 130


def _tr(text: str) -> str:
    return tr(text, CTX)


def format_eta(seconds: float | None) -> str:
    if seconds is None or seconds < 0:
        return "?"
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


@dataclass
class RetrainState:
    """What the current (or last) run has reported; the widgets show it."""

    running: bool = False
    project_dir: str = ""
    stage: str = ""
    message: str = ""
    base: dict = field(default_factory=dict)
    tuned: dict = field(default_factory=dict)
    split: str = ""
    images: int | None = None
    result: dict | None = None
    error: str = ""
    cancelled: bool = False
    exit_code: int | None = None
    switched_to: str | None = None  # the model folder the editor now uses
    relabel_offered: int | None = None  # how many unconfirmed images the offer was about


class RetrainPanel(QWidget):
    """`switch` puts an accepted model into the editor; `batch` re-labels the unconfirmed images with it."""

    def __init__(
        self, editor: Editor, switch: ModelSwitch, batch: BatchLabeler | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.editor, self.switch, self.batch = editor, switch, batch
        self.state = RetrainState()
        self.argv_for = train_argv  # (project_dir, TrainOptions) -> argv; tests put a scripted child here
        self.runner = RetrainRunner(self)
        self.runner.received.connect(self.handle_event)
        self.runner.log_line.connect(self.log)
        self.runner.finished.connect(self._finished)
        self._build()
        self._retranslate()
        self._show_idle()
        editor.model_changed.connect(lambda _name: self._show_model())

    # ------------------------------------------------------------------ building

    def _build(self) -> None:
        self.start_button, self.cancel_button = QPushButton(), QPushButton()
        self.start_button.clicked.connect(lambda _checked=False: self.start())
        self.cancel_button.clicked.connect(self.cancel)
        self.model_label, self.stage_label, self.result_label = QLabel(), QLabel(), QLabel()
        for label in (self.stage_label, self.result_label):
            label.setWordWrap(True)
            label.setMinimumHeight(3 * label.fontMetrics().lineSpacing())  # wrapped lines are not cut off
            label.setAlignment(Qt.AlignLeft | Qt.AlignTop)
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.extra_box = ExtraInstallBox()  # shown only when torch / onnx are missing: offers to install them
        self.extra_box.log_line.connect(self.log)
        self.extra_box.available_changed.connect(lambda _ok: self._show_running(self.runner.running))

        self.advanced_toggle = QToolButton()
        self.advanced_toggle.setCheckable(True)
        self.advanced_toggle.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
        self.advanced_toggle.setArrowType(Qt.RightArrow)
        self.advanced_toggle.setAutoRaise(True)
        self.advanced_toggle.toggled.connect(self._fold)
        self.advanced = QWidget()
        form = QFormLayout(self.advanced)
        form.setContentsMargins(16, 0, 0, 0)
        self.budget = QSpinBox()
        self.budget.setRange(1, 24 * 60)
        self.budget.setValue(int(TrainOptions.time_budget_min))
        self.det = QCheckBox()
        self.nproc = QSpinBox()
        self.nproc.setRange(0, 64)
        self.device = QComboBox()
        for name in DEVICES:
            self.device.addItem(name, name)
        self.max_steps = QSpinBox()
        self.max_steps.setRange(0, 10_000_000)
        self.advanced_labels = [QLabel() for _ in range(4)]
        form.addRow(self.advanced_labels[0], self.budget)
        form.addRow(self.det)
        form.addRow(self.advanced_labels[1], self.nproc)
        form.addRow(self.advanced_labels[2], self.device)
        form.addRow(self.advanced_labels[3], self.max_steps)
        self.advanced.setVisible(False)

        buttons = QHBoxLayout()
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        controls = QVBoxLayout()
        controls.addWidget(self.model_label)
        controls.addWidget(self.extra_box)
        controls.addLayout(buttons)
        controls.addWidget(self.advanced_toggle)
        controls.addWidget(self.advanced)
        controls.addWidget(self.progress)
        controls.addWidget(self.stage_label)
        controls.addStretch(1)
        controls_box = QWidget()
        controls_box.setLayout(controls)
        controls_box.setMinimumWidth(280)
        controls_box.setMaximumWidth(420)

        self.loss_plot = CurvePlot("loss by step")
        self.acc_plot = CurvePlot("validation accuracy by step", y_range=(0.0, 1.0))
        for plot in (self.loss_plot, self.acc_plot):
            plot.setMinimumSize(150, 120)  # the panel fits beside the region list on a 1366 px screen
        self.table = QTableWidget(len(METRICS), 3)
        self.table.setEditTriggers(QTableWidget.NoEditTriggers)
        self.table.setSelectionMode(QTableWidget.NoSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.Stretch)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.table.setVerticalHeaderLabels([short for _key, short, _what in METRICS])
        self.table.setMinimumWidth(280)
        self.table.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.table_title = QLabel()
        table_box = QVBoxLayout()
        table_box.setContentsMargins(0, 0, 0, 0)
        table_box.addWidget(self.table_title)
        table_box.addWidget(self.table, 1)
        table_box.addWidget(self.result_label)
        table_box.addStretch(1)
        table_widget = QWidget()
        table_widget.setLayout(table_box)

        self.log_view = QPlainTextEdit()
        self.log_view.setReadOnly(True)
        self.log_view.setMaximumBlockCount(LOG_LINES)
        self.log_view.setLineWrapMode(QPlainTextEdit.NoWrap)
        mono = QFont("monospace")
        mono.setStyleHint(QFont.TypeWriter)
        self.log_view.setFont(mono)
        self.log_view.setMinimumHeight(60)

        top = QHBoxLayout()
        top.addWidget(controls_box)
        top.addWidget(self.loss_plot, 2)
        top.addWidget(self.acc_plot, 2)
        top.addWidget(table_widget, 1)
        content = QWidget()
        layout = QVBoxLayout(content)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(top, 3)
        layout.addWidget(self.log_view, 1)
        # In a scroll area: a low dock (or the advanced options unfolded) scrolls instead of growing the window.
        self.scroll = QScrollArea()
        self.scroll.setWidget(content)
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QScrollArea.NoFrame)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.scroll)

    def _fit_table(self) -> None:
        """Six rows: as tall as its rows (no scroll bar), whatever the font."""
        table = self.table
        rows = sum(table.rowHeight(r) for r in range(table.rowCount()))
        table.setFixedHeight(table.horizontalHeader().sizeHint().height() + rows + 2 * table.frameWidth())

    def _retranslate(self) -> None:
        self.start_button.setText(_tr("Start retraining"))
        self.start_button.setToolTip(_tr("Fine-tune the recognizer on the confirmed images of this project"))
        self.cancel_button.setText(_tr("Cancel"))
        self.advanced_toggle.setText(_tr("Advanced"))
        self.advanced_labels[0].setText(_tr("Time budget (min)"))
        self.det.setText(_tr("Also fine-tune the detector"))
        self.advanced_labels[1].setText(_tr("Processes"))
        self.nproc.setSpecialValueText(_tr("auto"))
        self.advanced_labels[2].setText(_tr("Device"))
        self.max_steps.setSpecialValueText(_tr("no limit"))
        self.advanced_labels[3].setText(_tr("Max steps"))
        self.loss_plot.title, self.acc_plot.title = _tr("Loss by step"), _tr("Validation accuracy by step")
        self.loss_plot.empty_text = self.acc_plot.empty_text = _tr("no data yet")
        self.table.setHorizontalHeaderLabels([_tr("Base"), _tr("Tuned"), _tr("Change")])
        for row, (_key, _short, what) in enumerate(METRICS):
            self.table.verticalHeaderItem(row).setToolTip(_tr(what))
        self.log_view.setPlaceholderText(_tr("The training log appears here."))
        self.switch.show_model()
        self._show_model()
        self._show_table_title()
        self._show_result()

    def changeEvent(self, event) -> None:
        if event.type() == QEvent.LanguageChange:
            self._retranslate()
        super().changeEvent(event)

    def showEvent(self, event) -> None:
        if not self.runner.running:
            self.extra_box.refresh()  # found, not imported: milliseconds; torch may have been installed meanwhile
        super().showEvent(event)

    def _fold(self, unfolded: bool) -> None:
        self.advanced.setVisible(unfolded)
        self.advanced_toggle.setArrowType(Qt.DownArrow if unfolded else Qt.RightArrow)

    # ------------------------------------------------------------------ values

    def options(self) -> TrainOptions:
        return TrainOptions(
            time_budget_min=float(self.budget.value()),
            det=self.det.isChecked(),
            nproc=self.nproc.value() or None,
            device=self.device.currentData(),
            max_steps=self.max_steps.value() or None,
        )

    def unconfirmed_count(self) -> int:
        project = self.editor.project
        return 0 if project is None else len(project.records_with_status(ImageStatus.NEW, ImageStatus.PRELABELLED))

    # ------------------------------------------------------------------ running

    def start(self, options: TrainOptions | None = None) -> bool:
        ed = self.editor
        if self.runner.running:
            return False
        if not self.extra_box.refresh():
            self._say(_tr("Retraining needs the train extra: install it first (see above)."))
            return False
        if ed.project is None:
            self._say(_tr("Open a project folder first."))
            return False
        confirmed = len(ed.project.records_with_status(ImageStatus.CONFIRMED))
        if confirmed == 0:
            self._say(_tr("No confirmed images yet: training learns from the images you confirmed."))
            return False
        ed.flush()  # the trainer reads Label.txt from disk: every confirmed edit must be there
        folder = str(ed.project.folder)
        self.state = RetrainState(running=True, project_dir=folder)
        self.loss_plot.clear()
        self.acc_plot.clear()
        self.log_view.clear()
        self._show_table()
        self._show_result()
        self.progress.setRange(0, 0)
        self.progress.setFormat(_tr("starting..."))
        self.stage_label.setText(_tr("Training on {n} confirmed images...").format(n=confirmed))
        options = options or self.options()
        if options.models is None:
            options = replace(options, models=ed.model_set)  # improve the model that pre-labels now
        self.runner.start(self.argv_for(folder, options))
        self._show_running(True)
        return True

    def cancel(self) -> None:
        if self.runner.running:
            self.stage_label.setText(_tr("Cancelling..."))
            self.runner.cancel()

    def shutdown(self) -> None:
        self.runner.shutdown()
        self.extra_box.shutdown()

    def log(self, line: str) -> None:
        self.log_view.appendPlainText(line)

    def handle_event(self, obj: dict) -> None:
        """One progress event (labeler/train/events.py) -> state and widgets."""
        kind, st = obj.get("event"), self.state
        if kind == "start":
            self.log(
                _tr("Base model: {model} · device {device} · budget {minutes:g} min").format(
                    model=obj.get("base_model", "?"),
                    device=obj.get("device", "?"),
                    minutes=float(obj.get("time_budget_s") or 0) / 60,
                )
            )
        elif kind == "stage":
            st.stage, st.message = str(obj.get("stage", "")), str(obj.get("message", ""))
            self.stage_label.setText(f"{st.stage}: {st.message}" if st.message else st.stage)
            self.progress.setRange(0, 0)  # busy until this stage reports steps (only training does)
            self.progress.setFormat(st.stage)
        elif kind == "progress":
            self._progress(obj)
        elif kind == "validate":
            model, step = obj.get("model", "rec"), obj.get("step", 0)
            self._add(self.acc_plot, f"{model} val acc", step, obj.get("val_acc"), markers=True)
            self._add(self.loss_plot, f"{model} val loss", step, obj.get("val_loss"), markers=True)
        elif kind == "metrics":
            which = obj.get("which")
            if which in ("base", "tuned") and isinstance(obj.get("metrics"), dict):
                setattr(st, which, dict(obj["metrics"]))
                st.split, st.images = str(obj.get("split", "")), obj.get("images")
                self._show_table()
        elif kind == "result":
            st.result = obj
            for which in ("base", "tuned"):
                if isinstance(obj.get(which), dict) and obj[which]:
                    setattr(st, which, dict(obj[which]))
            self._show_table()
            self._show_result()
        elif kind == "error":
            st.error = str(obj.get("message", ""))
            self.log(_tr("Error: {message}").format(message=st.error))
            self._show_result()
        elif kind == "cancelled":
            st.cancelled = True

    def _progress(self, obj: dict) -> None:
        model, step, total = obj.get("model", "rec"), int(obj.get("step", 0)), int(obj.get("total_steps") or 0)
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(min(step, max(total, 1)))
        self.progress.setFormat(
            _tr("{model}: step {step}/{total} · ETA {eta}").format(
                model=model, step=step, total=total, eta=format_eta(obj.get("eta_s"))
            )
        )
        self._add(self.loss_plot, f"{model} loss", step, obj.get("loss"))

    @staticmethod
    def _add(plot: CurvePlot, series: str, x, y, markers: bool = False) -> None:
        if isinstance(x, (int, float)) and isinstance(y, (int, float)):
            model = series.split()[0]
            for name, color, dotted in series_styles(model, plot):  # fixed colours and legend order per model
                plot.add_series(name, color, markers=dotted)
            plot.add_point(series, x, y)

    def _finished(self, exit_code: int) -> None:
        st = self.state
        st.running, st.exit_code = False, exit_code
        if exit_code == EXIT_CANCELLED or (self.runner.cancel_requested and exit_code != 0):
            st.cancelled = True
        self._show_running(False)
        result = st.result
        if exit_code == 0 and result is not None and result.get("accepted") and result.get("model_dir"):
            self._switch(str(result["model_dir"]))
        self._show_result()
        self._show_idle()
        if st.switched_to is not None:
            self.offer_relabel()

    def _switch(self, model_dir: str) -> None:
        project = self.editor.project
        if project is None or str(project.folder) != self.state.project_dir:
            self.log(
                _tr("The model was installed in {folder}; it is used when that project is opened.").format(
                    folder=self.state.project_dir
                )
            )
            return
        if self.switch.use(model_dir):
            self.state.switched_to = model_dir

    def offer_relabel(self) -> bool:
        """Ask whether to re-label the unconfirmed images with the new model; True if that started."""
        count = self.unconfirmed_count()
        if count == 0 or self.batch is None:
            return False
        self.state.relabel_offered = count
        answer = QMessageBox.question(
            self,
            _tr("Retrain"),
            _tr("Re-label the {n} images not yet confirmed with the new model?").format(n=count),
            QMessageBox.Yes | QMessageBox.No,
            QMessageBox.Yes,
        )
        return answer == QMessageBox.Yes and self.relabel_unconfirmed()

    def relabel_unconfirmed(self) -> bool:
        return self.batch is not None and self.batch.start(force=True) is not None

    # ------------------------------------------------------------------ showing

    def _say(self, text: str) -> None:
        self.stage_label.setText(text)
        self.editor.message.emit(text)

    def _show_model(self) -> None:
        self.model_label.setText(self.switch.label.text())
        self.model_label.setToolTip(self.switch.label.toolTip())

    def _show_running(self, running: bool) -> None:
        self.start_button.setEnabled(not running and self.extra_box.available)
        self.cancel_button.setEnabled(running)
        self.advanced.setEnabled(not running)

    def _show_idle(self) -> None:
        self._show_running(False)
        st = self.state
        if st.exit_code is None:
            self.progress.setRange(0, 1)
            self.progress.setValue(0)
            self.progress.setFormat(_tr("idle"))
            return
        self.progress.setRange(0, 1)
        self.progress.setValue(1 if st.exit_code == 0 else 0)
        if st.cancelled:
            self.progress.setFormat(_tr("cancelled"))
            self.stage_label.setText(_tr("Cancelled: nothing was installed."))
        elif st.exit_code == 0:
            self.progress.setFormat(_tr("finished"))
            self.stage_label.setText(_tr("Finished."))
        else:
            self.progress.setFormat(_tr("failed"))
            text = _tr("Training failed (exit status {code}); see the log.")
            self.stage_label.setText(text.format(code=st.exit_code))

    def _show_table_title(self) -> None:
        st = self.state
        if st.images is not None:
            self.table_title.setText(
                _tr("Metrics on the {split} split ({n} images)").format(split=st.split or "test", n=st.images)
            )
        else:
            self.table_title.setText(_tr("Metrics (before / after)"))

    def _show_table(self) -> None:
        st = self.state
        self._show_table_title()
        for row, (key, _short, _what) in enumerate(METRICS):
            base, tuned = st.base.get(key), st.tuned.get(key)
            cells = [_number(base), _number(tuned), ""]
            delta = None
            if isinstance(base, (int, float)) and isinstance(tuned, (int, float)):
                delta = tuned - base
                cells[2] = f"{delta:+.3f}"
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                if col == 2 and delta is not None and abs(delta) >= 5e-4:
                    item.setForeground(QBrush(QColor("#1a7f37" if delta > 0 else "#c62828")))
                self.table.setItem(row, col, item)
        self._fit_table()

    def _show_result(self) -> None:
        st, label = self.state, self.result_label
        result = st.result
        style, text = "", ""
        if st.error:
            style, text = "color: #c62828;", _tr("Error: {message}").format(message=st.error)
        elif result is not None and result.get("accepted"):
            version = result.get("version") or "?"
            style = "color: #1a7f37;"
            if st.switched_to:
                text = _tr("Accepted: model {version} now pre-labels this project.").format(version=version)
            else:
                text = _tr("Accepted: model {version} was installed.").format(version=version)
        elif result is not None:
            style = "color: #9a6700;"
            text = _tr("Not accepted: {reason}. Pre-labelling keeps the current model.").format(
                reason=result.get("reason") or "?"
            )
        label.setStyleSheet(style)
        label.setText(text)
        self._show_model()


SERIES_COLORS = {"rec": ("#1f77b4", "#d62728"), "det": ("#2ca02c", "#ff7f0e")}  # (training, validation)


def series_styles(model: str, plot: CurvePlot) -> list[tuple[str, str, bool]]:
    """(name, colour, markers) of a model's series on a plot: training loss first, validation in the second colour."""
    train, val = SERIES_COLORS.get(model, ("#9467bd", "#8c564b"))
    if plot.y_range is not None:  # the accuracy plot: validation only
        return [(f"{model} val acc", val, True)]
    return [(f"{model} loss", train, False), (f"{model} val loss", val, True)]


def _number(value) -> str:
    return f"{value:.3f}" if isinstance(value, (int, float)) else "-"
