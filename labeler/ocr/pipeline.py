"""The OCR pipeline: detect -> crop -> classify direction -> recognize, with per-stage timings."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

import numpy as np

from labeler.core.crop import crop_quad, order_quad
from labeler.core.errors import ModelError
from labeler.core.model import TextRegion
from labeler.ocr.cls import ClsParams, ClsResult, TextDirectionClassifier
from labeler.ocr.ctc import TEXT_CASES, load_charset
from labeler.ocr.db_postprocess import DBParams
from labeler.ocr.det import DetParams, DetResult, TextDetector
from labeler.ocr.rec import CharBox, CharReading, RecParams, RecResult, TextRecognizer
from labeler.ocr.registry import ModelSet, resolve_model_set, verify_model_set
from labeler.ocr.session import OrtSession


def _libc_malloc_trim():
    """glibc's malloc_trim, or None elsewhere."""
    import ctypes
    import ctypes.util

    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


_MALLOC_TRIM = _libc_malloc_trim()
VERTICAL_RATIO = 1.5  # a crop this much taller than wide is read as vertical text, turned 90 degrees


@dataclass
class OcrRegion:
    points: np.ndarray  # [4, 2] float32, clockwise from top-left, image pixels
    text: str
    score: float  # recognition confidence
    det_score: float

    def to_text_region(self) -> TextRegion:
        pts = [(round(float(x), 2), round(float(y), 2)) for x, y in self.points]
        return TextRegion(points=pts, transcription=self.text, score=round(self.score, 5))


@dataclass(frozen=True)
class LineReading:
    """One region read as a line: `chars[i]` is where `text[i]` lies in `crop` (x0..x1, pixels) and how sure
    the recognizer was of it. `crop` is the rectified, upright crop that was read (BGR uint8)."""

    text: str
    score: float
    chars: tuple[CharBox, ...]
    crop: np.ndarray


@dataclass
class StageTimings:
    det: float = 0.0
    crop: float = 0.0
    cls: float = 0.0
    rec: float = 0.0
    total: float = 0.0

    def add(self, other: StageTimings) -> None:
        for name in ("det", "crop", "cls", "rec", "total"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class OcrResult:
    regions: list[OcrRegion]
    width: int
    height: int
    timings: StageTimings = field(default_factory=StageTimings)


@dataclass(frozen=True)
class PipelineOptions:
    threads: int = 2
    use_cls: bool = True
    spin_threads: bool = False  # busy-wait inference threads: faster headless, bad beside a GUI
    parallel_rec: bool = True  # recognition batches side by side, one thread each (see TextRecognizer)
    verify_flips: bool = True  # re-read crops the classifier turned, keep the more confident reading
    text_score: float = 0.5  # recognitions below this confidence are dropped, like the reference pipeline
    det: DetParams | None = None  # None: from the model set's manifest
    rec: RecParams | None = None


def det_params(model_set: ModelSet) -> DetParams:
    """The detector settings a model set's manifest gives (its pre- and postprocess)."""
    pre, post = model_set.det.preprocess, model_set.det.postprocess
    db = DBParams(
        **{
            k: post[k]
            for k in ("thresh", "box_thresh", "unclip_ratio", "use_dilation", "max_candidates", "crop_unclip_ratio")
            if k in post
        }
    )
    kw = {k: pre[k] for k in ("limit_side_len", "limit_type", "max_side_len", "size_multiple") if k in pre}
    return DetParams(db=db, **kw)


def rec_params(model_set: ModelSet) -> RecParams:
    """The recognizer settings a model set's manifest gives."""
    pre = model_set.rec.preprocess
    shape = pre.get("image_shape", [3, 48, 320])
    text_case = str(model_set.rec.postprocess.get("text_case") or "")
    if text_case and text_case not in TEXT_CASES:
        raise ModelError(
            f"{model_set.folder}: rec postprocess text_case must be one of {TEXT_CASES}, not {text_case!r}"
        )
    return RecParams(
        height=int(shape[1]), min_width=int(shape[2]), batch_size=int(pre.get("batch_size", 6)), text_case=text_case
    )


def _read_charset(model_set: ModelSet, session: OrtSession) -> list[str]:
    """The dictionary file if the set has one, else the 'character' metadata inside the ONNX file."""
    use_space = bool(model_set.rec.preprocess.get("use_space_char", True))
    path: Path | None = model_set.rec.dict_path
    if path is not None:
        lines = path.read_text(encoding="utf-8").split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        return load_charset([ln.rstrip("\r") for ln in lines], use_space)
    meta = session.metadata.get("character")
    if meta is None:
        raise ModelError(f"{model_set.rec.path}: no dictionary file and no 'character' metadata in the model")
    return load_charset(meta.split("\n"), use_space)


class DetectionStage(Protocol):
    """BGR uint8 image -> DetResult: a TextDetector, or anything called the same way."""

    def __call__(self, image: np.ndarray) -> DetResult: ...


class DirectionStage(Protocol):
    """Crops -> (crops turned upright, ClsResult): a TextDirectionClassifier, or anything called the same way."""

    def __call__(self, crops: list[np.ndarray]) -> tuple[list[np.ndarray], ClsResult]: ...


class RecognitionStage(Protocol):
    """Crops -> RecResult in the same order, reading `charset`: a TextRecognizer, or anything called the same way."""

    charset: list[str]

    def __call__(self, crops: list[np.ndarray]) -> RecResult: ...


@dataclass(frozen=True)
class PipelineStages:
    detector: DetectionStage
    classifier: DirectionStage | None  # None: crops are read as they are cut
    recognizer: RecognitionStage


class OcrPipeline:
    """Callable: BGR uint8 image -> OcrResult. Sessions are created on first use (or by load()), once.

    `model_set` is None only for a pipeline built by from_stages without one.
    """

    def __init__(self, model_set: ModelSet | str | None = None, options: PipelineOptions = PipelineOptions()):
        self.model_set: ModelSet | None = model_set if isinstance(model_set, ModelSet) else resolve_model_set(model_set)
        self.options = options
        self._stages: PipelineStages | None = None
        self._load_lock = threading.Lock()

    @classmethod
    def from_stages(
        cls,
        detector: DetectionStage,
        classifier: DirectionStage | None,
        recognizer: RecognitionStage,
        options: PipelineOptions = PipelineOptions(),
        model_set: ModelSet | None = None,
    ) -> OcrPipeline:
        """A pipeline running the given stages (already loaded). Of `options` only what happens between the
        stages applies (verify_flips, text_score); `model_set`: the set they came from, if any."""
        pipeline = cls.__new__(cls)  # __init__ would resolve a model set: these stages need none
        pipeline.model_set, pipeline.options = model_set, options
        pipeline._stages = PipelineStages(detector, classifier, recognizer)
        pipeline._load_lock = threading.Lock()
        return pipeline

    def with_thresholds(self, box_thresh: float | None = None, unclip_ratio: float | None = None) -> OcrPipeline:
        """A new pipeline (sessions not loaded) on the same set and options whose DB post-processing uses these
        thresholds; None keeps the current value."""
        model_set = self._require_model_set("change its thresholds")
        det = self.options.det or det_params(model_set)
        db = det.db
        if box_thresh is not None:
            db = replace(db, box_thresh=box_thresh)
        if unclip_ratio is not None:
            db = replace(db, unclip_ratio=unclip_ratio)
        return OcrPipeline(model_set, replace(self.options, det=replace(det, db=db)))

    def load(self) -> None:
        """Check the files and create the sessions now (otherwise it happens on the first call)."""
        self._loaded()

    @property
    def loaded(self) -> bool:
        """Whether the sessions exist (load() or a first call happened, or the pipeline was built from stages)."""
        return self._stages is not None

    @property
    def detector(self) -> DetectionStage:
        return self._loaded().detector

    @property
    def classifier(self) -> DirectionStage | None:
        """The direction classifier; None when the options or the set have none."""
        return self._loaded().classifier

    @property
    def recognizer(self) -> RecognitionStage:
        return self._loaded().recognizer

    @property
    def charset(self) -> list[str]:
        return self.recognizer.charset

    def _loaded(self) -> PipelineStages:
        stages = self._stages
        if stages is not None:
            return stages
        with self._load_lock:  # two threads calling at once would each create every session
            if self._stages is None:
                self._stages = self._load_stages(self._require_model_set("load"))
            return self._stages

    def _require_model_set(self, to_do: str) -> ModelSet:
        if self.model_set is None:
            raise ValueError(f"this pipeline was built from stages without a model set: cannot {to_do}")
        return self.model_set

    def _load_stages(self, model_set: ModelSet) -> PipelineStages:
        verify_model_set(model_set)
        threads, spin = self.options.threads, self.options.spin_threads
        detector = TextDetector(
            OrtSession(model_set.det.path, threads, spin=spin), self.options.det or det_params(model_set)
        )
        classifier = None
        if self.options.use_cls and model_set.cls is not None:
            cls_pre = model_set.cls.preprocess
            shape = cls_pre.get("image_shape", [3, 48, 192])
            params = ClsParams(height=int(shape[1]), width=int(shape[2]), thresh=float(cls_pre.get("thresh", 0.9)))
            classifier = TextDirectionClassifier(OrtSession(model_set.cls.path, threads, spin=spin), params)
        parallel = threads if self.options.parallel_rec else 1
        rec_session = OrtSession(model_set.rec.path, 1 if parallel > 1 else threads, spin=spin, arena=True)
        recognizer = TextRecognizer(
            rec_session,
            _read_charset(model_set, rec_session),
            self.options.rec or rec_params(model_set),
            parallel=parallel,
            dict_path=model_set.rec.dict_path,
        )
        return PipelineStages(detector, classifier, recognizer)

    def __call__(self, image: np.ndarray) -> OcrResult:
        stages = self._loaded()
        start = time.perf_counter()
        height, width = image.shape[:2]
        det = stages.detector(image)
        timings = StageTimings(det=det.seconds)
        boxes = det.boxes if det.crop_boxes is None else det.crop_boxes
        texts, scores, t = self._read_quads(stages, image, boxes)
        timings.crop, timings.cls, timings.rec = t.crop, t.cls, t.rec
        regions = [
            OcrRegion(box, text, score, float(ds))
            for box, ds, text, score in zip(det.boxes, det.scores, texts, scores)
            if text.strip() and score >= self.options.text_score
        ]
        if _MALLOC_TRIM is not None:
            # Each recognition thread has its own malloc arena holding freed activations: hand them back
            # (peak RSS over the public set 987 -> 892 MB; costs about a millisecond).
            _MALLOC_TRIM(0)
        timings.total = time.perf_counter() - start
        return OcrResult(regions, width, height, timings)

    def recognize_polygons(self, image: np.ndarray, polygons: list[np.ndarray]) -> list[tuple[str, float]]:
        """Re-read given regions (4-point quads; more points use their min-area rectangle)."""
        stages = self._loaded()
        quads = [_as_quad(p) for p in polygons]
        texts, scores, _ = self._read_quads(stages, image, np.asarray(quads, np.float32).reshape(-1, 4, 2))
        return list(zip(texts, scores))

    def read_line(self, image: np.ndarray, polygon: np.ndarray) -> LineReading:
        """Read one region with each character's position in its crop (the line editor's strip).

        The crop is the one recognize_polygons reads (turned upright; a 180-degree turn kept only when the
        recognizer reads it more confidently, as verify_flips does); text and score may differ from a batch's
        in the last digits only. A recognition stage without `read_chars` gets boxes spread evenly.
        """
        stages = self._loaded()
        crop = _upright_crop(image, _as_quad(polygon))
        candidates = [crop]
        if stages.classifier is not None:
            turned, cls_result = stages.classifier([crop])
            if cls_result.rotated[0]:
                turned_crop = np.ascontiguousarray(turned[0])  # kept only if read more confidently (verify_flips)
                candidates = [crop, turned_crop] if self.options.verify_flips else [turned_crop]
        best: tuple[CharReading, np.ndarray] | None = None
        for candidate in candidates:
            reading = _read_chars(stages.recognizer, candidate)
            if best is None or reading.score > best[0].score:
                best = (reading, candidate)
        assert best is not None
        reading, crop = best
        return LineReading(reading.text, reading.score, reading.chars, crop)

    def _read_quads(
        self, stages: PipelineStages, image: np.ndarray, boxes: np.ndarray
    ) -> tuple[list[str], list[float], StageTimings]:
        t = StageTimings()
        t0 = time.perf_counter()
        crops = [_upright_crop(image, box) for box in boxes]
        t.crop = time.perf_counter() - t0
        if not crops:
            return [], [], t
        flipped: list[int] = []
        originals = crops
        if stages.classifier is not None:
            crops, cls_result = stages.classifier(crops)
            t.cls = cls_result.seconds
            flipped = [i for i, turned in enumerate(cls_result.rotated) if turned]
        rec = stages.recognizer(crops)
        t.rec = rec.seconds
        texts, scores = list(rec.texts), list(rec.scores)
        if flipped and self.options.verify_flips:
            # The 0/180 classifier often "flips" upright short words and digits even at 0.99;
            # keep a turn only when the recognizer is more confident reading it turned.
            unturned = stages.recognizer([originals[i] for i in flipped])
            t.rec += unturned.seconds
            for j, i in enumerate(flipped):
                if unturned.scores[j] >= scores[i]:
                    texts[i], scores[i] = unturned.texts[j], unturned.scores[j]
        return texts, scores, t


def _read_chars(recognizer: RecognitionStage, crop: np.ndarray) -> CharReading:
    read_chars = getattr(recognizer, "read_chars", None)
    if read_chars is not None:
        return read_chars(crop)
    rec = recognizer([crop])
    text, score = rec.texts[0], rec.scores[0]
    step = crop.shape[1] / max(len(text), 1)
    return CharReading(text, score, tuple(CharBox(i * step, (i + 1) * step, score) for i in range(len(text))))


def _upright_crop(image: np.ndarray, quad: np.ndarray) -> np.ndarray:
    crop = crop_quad(image, quad)
    h, w = crop.shape[:2]
    if h >= VERTICAL_RATIO * w:
        crop = np.rot90(crop)
    return np.ascontiguousarray(crop)


def _as_quad(points: np.ndarray) -> np.ndarray:
    import cv2

    pts = np.asarray(points, dtype=np.float32).reshape(-1, 2)
    if len(pts) == 4:
        return order_quad(pts)
    return order_quad(cv2.boxPoints(cv2.minAreaRect(pts)))
