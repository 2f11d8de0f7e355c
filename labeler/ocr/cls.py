"""Direction classification stage: crops -> upright crops (0 or 180 degrees)."""

from __future__ import annotations

import time
from dataclasses import dataclass

import cv2
import numpy as np

from labeler.ocr.rec import batch_tensor
from labeler.ocr.session import InferenceSession


@dataclass(frozen=True)
class ClsParams:
    height: int = 48
    width: int = 192
    batch_size: int = 6
    thresh: float = 0.9  # only flip when the classifier is this sure


@dataclass
class ClsResult:
    rotated: list[bool]  # True where the crop was upside down and has been turned
    scores: list[float]
    seconds: float = 0.0


class TextDirectionClassifier:
    """Callable: list of crops -> (crops turned upright, ClsResult)."""

    def __init__(self, session: InferenceSession, params: ClsParams = ClsParams()):
        self.session = session
        self.params = params

    def __call__(self, crops: list[np.ndarray]) -> tuple[list[np.ndarray], ClsResult]:
        start = time.perf_counter()
        out = list(crops)
        rotated, scores = [False] * len(crops), [0.0] * len(crops)
        for b in range(0, len(crops), self.params.batch_size):
            batch = crops[b : b + self.params.batch_size]
            probs = self.session.run(batch_tensor(batch, self.params.height, self.params.width))
            for j, p in enumerate(probs):
                label = int(np.argmax(p))
                scores[b + j] = float(p[label])
                if label == 1 and p[label] > self.params.thresh:
                    out[b + j] = cv2.rotate(crops[b + j], cv2.ROTATE_180)
                    rotated[b + j] = True
        return out, ClsResult(rotated, scores, time.perf_counter() - start)
