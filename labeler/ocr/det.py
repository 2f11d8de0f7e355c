"""Text detection stage: image -> quads, with the DB model."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import cv2
import numpy as np

from labeler.core.region_ops import reading_order
from labeler.ocr.db_postprocess import DBParams, boxes_and_crops_from_probability_map
from labeler.ocr.session import InferenceSession


@dataclass(frozen=True)
class DetParams:
    limit_side_len: int = 736  # with limit_type "min": small images are scaled up to this shorter side
    limit_type: str = "min"
    max_side_len: int = 2000  # large images are scaled down to this longer side before detection
    size_multiple: int = 32  # the network downsamples by 32
    db: DBParams = field(default_factory=DBParams)
    # Inputs above this many pixels run as two overlapping halves: the activations of a
    # 2000x1400 input alone take ~750 MB, halves keep a whole pre-labelling run under 1 GB.
    tile_above_pixels: int = 2_000_000
    tile_overlap: int = 192  # px of context each half sees beyond the seam (multiple of 32)


@dataclass
class DetResult:
    boxes: np.ndarray  # [N, 4, 2] float32 quads in image pixels, clockwise from top-left
    scores: np.ndarray  # [N] mean text probability inside each box
    input_size: tuple[int, int]  # (width, height) the network saw
    seconds: float = 0.0
    crop_boxes: np.ndarray | None = None  # [N, 4, 2] quads to read the text from; None: the boxes


def detection_input_size(width: int, height: int, params: DetParams) -> tuple[int, int]:
    """(w, h) fed to the network: shorter side raised to limit_side_len, longer side capped, multiples of 32."""
    ratio = 1.0
    if params.limit_type == "max":
        if max(width, height) > params.limit_side_len:
            ratio = params.limit_side_len / max(width, height)
    elif min(width, height) < params.limit_side_len:
        ratio = params.limit_side_len / min(width, height)
    if max(width, height) * ratio > params.max_side_len:
        ratio = params.max_side_len / max(width, height)
    m = params.size_multiple
    return max(m, int(round(width * ratio / m)) * m), max(m, int(round(height * ratio / m)) * m)


class TextDetector:
    """Callable: BGR uint8 image -> DetResult."""

    def __init__(self, session: InferenceSession, params: DetParams = DetParams()):
        self.session = session
        self.params = params

    def preprocess(self, image: np.ndarray) -> tuple[np.ndarray, tuple[int, int]]:
        h, w = image.shape[:2]
        in_w, in_h = detection_input_size(w, h, self.params)
        resized = cv2.resize(image, (in_w, in_h), interpolation=cv2.INTER_LINEAR) if (in_w, in_h) != (w, h) else image
        # (x / 255 - 0.5) / 0.5 in one fused pass.
        blob = cv2.dnn.blobFromImage(resized, scalefactor=2.0 / 255.0, mean=(127.5, 127.5, 127.5), swapRB=False)
        return blob.astype(np.float32, copy=False), (in_w, in_h)

    def __call__(self, image: np.ndarray) -> DetResult:
        start = time.perf_counter()
        h, w = image.shape[:2]
        blob, size = self.preprocess(image)
        boxes, scores, crops = self.boxes_and_crops_from_map(self.probability_map_of_input(blob), w, h)
        crop_boxes = None if self.params.db.crop_unclip_ratio is None else crops
        return DetResult(boxes, scores, size, time.perf_counter() - start, crop_boxes)

    def probability_map(self, image: np.ndarray) -> np.ndarray:
        """The network's [H, W] text probability for `image` (at the network's input size)."""
        return self.probability_map_of_input(self.preprocess(image)[0])

    def boxes_from_map(
        self, prob: np.ndarray, width: int, height: int, db: DBParams | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Boxes (in reading order) and scores drawn from a probability map, with `db` or the detector's own."""
        boxes, scores, _ = self.boxes_and_crops_from_map(prob, width, height, db)
        return boxes, scores

    def boxes_and_crops_from_map(
        self, prob: np.ndarray, width: int, height: int, db: DBParams | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """boxes_from_map plus the quads to cut recognition crops from (DBParams.crop_unclip_ratio)."""
        boxes, scores, crops = boxes_and_crops_from_probability_map(prob, width, height, db or self.params.db)
        keep = _big_enough(boxes) & _big_enough(crops)
        boxes, scores, crops = boxes[keep], scores[keep], crops[keep]
        order = np.asarray(reading_order(boxes.tolist()), np.int64)  # the order Ctrl+B (resort) gives too
        return boxes[order], scores[order], crops[order]

    def probability_map_of_input(self, blob: np.ndarray) -> np.ndarray:
        """[H, W] text probability for a network input (preprocess's blob); large inputs in two halves along the
        longer side, stitched at the seam."""
        _, _, h, w = blob.shape
        if h * w <= self.params.tile_above_pixels:
            return self.session.run(blob)[0, 0]
        m, overlap = self.params.size_multiple, self.params.tile_overlap
        along_h = h >= w
        length = h if along_h else w
        seam = (length // 2) // m * m
        first_end, second_start = min(length, seam + overlap), max(0, seam - overlap)
        if along_h:
            top = self.session.run(np.ascontiguousarray(blob[:, :, :first_end]))[0, 0]
            bottom = self.session.run(np.ascontiguousarray(blob[:, :, second_start:]))[0, 0]
            return np.concatenate([top[:seam], bottom[seam - second_start :]], axis=0)
        left = self.session.run(np.ascontiguousarray(blob[:, :, :, :first_end]))[0, 0]
        right = self.session.run(np.ascontiguousarray(blob[:, :, :, second_start:]))[0, 0]
        return np.concatenate([left[:, :seam], right[:, seam - second_start :]], axis=1)


def _big_enough(boxes: np.ndarray, min_side: float = 3.0) -> np.ndarray:
    """Drop slivers a recognizer cannot read (width or height of 3 px or less)."""
    if len(boxes) == 0:
        return np.zeros((0,), bool)
    widths = np.linalg.norm(boxes[:, 0] - boxes[:, 1], axis=1)
    heights = np.linalg.norm(boxes[:, 0] - boxes[:, 3], axis=1)
    return (widths > min_side) & (heights > min_side)
