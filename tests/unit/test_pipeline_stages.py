"""OcrPipeline's public seams without running a model: built from stages, loaded once, new thresholds."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest

import labeler.ocr.pipeline as pipeline_module
from labeler.ocr.batch import ocr_images
from labeler.ocr.cls import ClsResult
from labeler.ocr.det import DetResult
from labeler.ocr.pipeline import OcrPipeline, PipelineOptions, det_params
from labeler.ocr.rec import RecResult
from labeler.ocr.registry import resolve_model_set

QUADS = np.array([[[10, 10], [60, 10], [60, 30], [10, 30]], [[10, 50], [90, 50], [90, 70], [10, 70]]], np.float32)


class FakeDetector:
    """Two boxes on every image; counts how many detections ever ran at the same time."""

    def __init__(self, seconds: float = 0.0):
        self.seconds, self.running, self.most_at_once = seconds, 0, 0
        self._count = threading.Lock()

    def __call__(self, image: np.ndarray) -> DetResult:
        with self._count:
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        time.sleep(self.seconds)
        with self._count:
            self.running -= 1
        return DetResult(QUADS.copy(), np.array([0.9, 0.8], np.float32), (image.shape[1], image.shape[0]))


class FakeClassifier:
    """Claims the second crop is upside down."""

    def __call__(self, crops: list[np.ndarray]) -> tuple[list[np.ndarray], ClsResult]:
        rotated = [i == 1 for i in range(len(crops))]
        return [np.rot90(c, 2) if r else c for c, r in zip(crops, rotated)], ClsResult(rotated, [0.99] * len(crops))


class FakeRecognizer:
    """Reads a crop by its width; a crop read upright (not turned) is the more confident reading."""

    charset = ["", "a", "b"]

    def __init__(self):
        self.calls: list[int] = []

    def __call__(self, crops: list[np.ndarray]) -> RecResult:
        self.calls.append(len(crops))
        texts = [f"w{c.shape[1]}" for c in crops]
        return RecResult(texts, [0.7 if len(self.calls) == 1 else 0.9] * len(crops))


def page() -> np.ndarray:
    return np.full((100, 120, 3), 255, np.uint8)


def test_a_pipeline_built_from_stages_runs_them_in_order():
    recognizer = FakeRecognizer()
    pipe = OcrPipeline.from_stages(FakeDetector(), FakeClassifier(), recognizer, PipelineOptions(text_score=0.5))
    assert pipe.loaded and pipe.model_set is None and pipe.charset == ["", "a", "b"]
    result = pipe(page())
    assert [r.text for r in result.regions] == ["w50", "w80"]
    assert [r.det_score for r in result.regions] == pytest.approx([0.9, 0.8])
    # The turned crop was read again unturned (verify_flips) and that reading, more confident, was kept.
    assert recognizer.calls == [2, 1] and result.regions[1].score == pytest.approx(0.9)
    assert (result.width, result.height) == (120, 100)


def test_stage_options_apply_between_the_stages():
    recognizer = FakeRecognizer()
    options = PipelineOptions(verify_flips=False, text_score=0.8)
    pipe = OcrPipeline.from_stages(FakeDetector(), FakeClassifier(), recognizer, options)
    assert pipe(page()).regions == []  # every reading at 0.7: below text_score
    assert recognizer.calls == [2]  # no second reading of the turned crop
    plain = OcrPipeline.from_stages(FakeDetector(), None, FakeRecognizer())
    assert plain.classifier is None and [t for t, _ in plain.recognize_polygons(page(), list(QUADS))] == ["w50", "w80"]


def test_a_pipeline_built_from_stages_without_a_set_cannot_reload_them():
    pipe = OcrPipeline.from_stages(FakeDetector(), None, FakeRecognizer())
    with pytest.raises(ValueError, match="without a model set"):
        pipe.with_thresholds(box_thresh=0.3)


def test_new_thresholds_make_a_new_unloaded_pipeline_on_the_same_set():
    options = PipelineOptions(threads=3, spin_threads=False)
    pipe = OcrPipeline("default", options)
    manifest = det_params(resolve_model_set("default")).db
    tuned = pipe.with_thresholds(box_thresh=0.3)
    assert tuned is not pipe and not tuned.loaded and tuned.model_set == pipe.model_set
    assert tuned.options.threads == 3 and tuned.options.det is not None
    assert (tuned.options.det.db.box_thresh, tuned.options.det.db.unclip_ratio) == (0.3, manifest.unclip_ratio)
    again = tuned.with_thresholds(unclip_ratio=2.0)
    assert (again.options.det.db.box_thresh, again.options.det.db.unclip_ratio) == (0.3, 2.0)
    assert pipe.options == options  # the original is untouched


class SlowSession:
    """Stands in for OrtSession: takes a while to create, so two loaders overlap if nothing stops them."""

    created: list[Path] = []

    def __init__(self, path: Path, threads: int = 2, spin: bool = False, arena: bool = False):
        time.sleep(0.05)
        self.path, self.metadata = Path(path), {}
        SlowSession.created.append(self.path)

    def run(self, x: np.ndarray) -> np.ndarray:
        raise AssertionError("not run in this test")


def test_threads_loading_at_once_create_the_sessions_once(monkeypatch):
    monkeypatch.setattr(pipeline_module, "OrtSession", SlowSession)
    monkeypatch.setattr(SlowSession, "created", [])
    pipe = OcrPipeline("default", PipelineOptions(threads=2))
    start = threading.Barrier(8)
    seen = []

    def load():
        start.wait()
        pipe.load()
        seen.append((pipe.detector, pipe.classifier, pipe.recognizer))

    threads = [threading.Thread(target=load) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    model_set = pipe.model_set
    assert model_set is not None and model_set.cls is not None
    assert sorted(SlowSession.created) == sorted([model_set.det.path, model_set.cls.path, model_set.rec.path])
    assert len(seen) == 8 and all(s == seen[0] for s in seen)


def test_several_workers_detect_one_image_at_a_time_and_leave_the_pipeline_as_it_was(tmp_path):
    detector = FakeDetector(seconds=0.02)
    pipe = OcrPipeline.from_stages(detector, None, FakeRecognizer())
    paths = [tmp_path / f"p{i}.png" for i in range(6)]
    items = list(ocr_images(pipe, paths, lambda path: page(), workers=3))
    assert [i.path for i in items] == paths and all(i.result is not None for i in items)
    assert detector.most_at_once == 1
    assert pipe.detector is detector  # not wrapped in place
