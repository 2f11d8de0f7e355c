"""Which model set pre-labels: the status-bar indicator, a project's own tuned model when the project opens,
and the switch to a model that `labeler train` has just installed.

A project's tuned models live in PROJECT/.labeler/models/<version>/ (labeler/ocr/project_models.py); the one marked active in
its history.json is used while that project is open, and the user's own choice comes back with the next
project that has none.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from PyQt5.QtCore import QObject
from PyQt5.QtWidgets import QLabel

from labeler.core.errors import LabelerError
from labeler.core.settings import BUNDLED_MODEL_SETS, Settings
from labeler.ocr.project_models import active_model_dir
from labeler.ocr.registry import resolve_model_set
from labeler.ui.editor import Editor
from labeler.ui.i18n import tr

CTX = "RetrainPanel"
PROJECT_MODELS = Path(".labeler") / "models"


def project_active_model(project_dir: str | Path) -> Path | None:
    """The project's active tuned model folder, or None."""
    return active_model_dir(project_dir)


def pipeline_with_thresholds(settings: Settings):
    """An OcrPipeline (sessions still unloaded) whose DB post-processing uses the user's detection thresholds."""
    from labeler.ocr.pipeline import OcrPipeline, PipelineOptions  # onnxruntime: not at window start

    pipeline = OcrPipeline(resolve_model_set(settings.model_set), PipelineOptions(threads=2, spin_threads=False))
    return pipeline.with_thresholds(box_thresh=settings.box_thresh, unclip_ratio=settings.unclip_ratio)


def pipeline_for(settings: Settings):
    """The pipeline for settings.model_set: None (the editor makes it lazily) unless the user set thresholds."""
    if settings.box_thresh is None and settings.unclip_ratio is None:
        return None
    return pipeline_with_thresholds(settings)


def project_model_version(model_set: str) -> str | None:
    """'v3' for .../PROJECT/.labeler/models/v3, None for a bundled or registered set."""
    path = Path(model_set)
    if path.parent.name == PROJECT_MODELS.name and path.parent.parent.name == PROJECT_MODELS.parent.name:
        return path.name
    return None


class ModelSwitch(QObject):
    """Follows the editor's model set into a status-bar label and swaps project models in and out."""

    def __init__(self, editor: Editor, user_settings: Callable[[], Settings], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.editor = editor
        self.user_settings = user_settings  # read when a model is switched: its thresholds carry over
        self.label = QLabel()
        self.label.setContentsMargins(8, 0, 8, 0)
        self.project_model: str | None = None  # the project model we put into the editor
        self.user_model: str | None = None  # what the editor used before it
        self.editor.model_changed.connect(self._model_changed)
        self.editor.project_opened.connect(self.follow_project)
        self.show_model()

    def show_model(self) -> None:
        model_set = self.editor.model_set
        version = project_model_version(model_set)
        if version:
            name = tr("tuned {version}", CTX).format(version=version)
        elif model_set in BUNDLED_MODEL_SETS:
            name = tr(model_set, "SettingsDialog")  # as the settings dialog names it
        else:
            name = Path(model_set).name or model_set
        self.label.setText(tr("Model: {name}", CTX).format(name=name))
        self.label.setToolTip(model_set)

    def _model_changed(self, model_set: str) -> None:
        if self.project_model is not None and model_set != self.project_model:
            self.project_model = self.user_model = None  # the user chose another set (settings): theirs now
        self.show_model()

    def follow_project(self) -> None:
        """On opening a project: its active tuned model if it has one, else back to the user's set."""
        project = self.editor.project
        if project is None:
            return
        try:
            active = project_active_model(project.folder)
        except (LabelerError, OSError, ValueError) as exc:
            self.editor.message.emit(tr("Cannot read the project's models: {error}", CTX).format(error=exc))
            active = None
        if active is not None:
            self.use(str(active))
        elif self.project_model is not None:
            user, self.project_model, self.user_model = self.user_model, None, None
            self._set(user or "default")

    def use(self, model_dir: str | Path) -> bool:
        """Pre-label with a project model folder from the next OCR job on; False (and a message) if it is unusable."""
        model_dir = str(model_dir)
        try:
            resolve_model_set(model_dir)  # reads the manifest only: a broken install is refused here
            pipeline = self._pipeline_for(model_dir)
        except LabelerError as exc:
            self.editor.message.emit(tr("The trained model cannot be used: {error}", CTX).format(error=exc))
            return False
        if self.project_model is None:
            self.user_model = self.editor.model_set
        self.project_model = model_dir
        self.editor.use_model_set(model_dir, pipeline)
        return True

    def _set(self, model_set: str) -> None:
        try:
            self.editor.use_model_set(model_set, self._pipeline_for(model_set))
        except LabelerError as exc:
            self.editor.message.emit(str(exc))

    def _pipeline_for(self, model_set: str):
        return pipeline_for(replace(self.user_settings(), model_set=model_set))
