"""DB (differentiable binarization) post-processing: probability map -> text polygons. Plain numpy/cv2."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import pyclipper


@dataclass(frozen=True)
class DBParams:
    thresh: float = 0.3  # pixel probability that counts as text
    box_thresh: float = 0.5  # mean probability a box needs to be kept
    unclip_ratio: float = 1.6  # how far the shrunk kernel is expanded back to the text outline
    use_dilation: bool = True
    max_candidates: int = 1000
    min_size: float = 3.0  # shorter side (in map pixels) below which a box is noise
    # Recognition crops grown this far instead (None: the boxes themselves). A project that draws tight
    # boxes (labeler.train.box_fit) gets tight boxes, while the recognizer still reads the margins it knows.
    crop_unclip_ratio: float | None = None


_DILATE_KERNEL = np.ones((2, 2), np.uint8)


def boxes_from_probability_map(
    prob: np.ndarray, dest_w: int, dest_h: int, params: DBParams = DBParams()
) -> tuple[np.ndarray, np.ndarray]:
    """Quads [N, 4, 2] (float32, clockwise from top-left, in destination pixels) and their scores [N].

    `prob` is the [H, W] map; destination size is the image the boxes are reported in.
    """
    boxes, scores, _ = boxes_and_crops_from_probability_map(prob, dest_w, dest_h, params)
    return boxes, scores


def boxes_and_crops_from_probability_map(
    prob: np.ndarray, dest_w: int, dest_h: int, params: DBParams = DBParams()
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Boxes, scores and the quads to cut recognition crops from (grown by crop_unclip_ratio; the boxes
    themselves when it is None), one of each per text kernel."""
    prob = np.asarray(prob, dtype=np.float32)
    empty = np.zeros((0, 4, 2), np.float32)
    if prob.ndim != 2 or prob.size == 0:
        return empty, np.zeros((0,), np.float32), empty
    height, width = prob.shape
    bitmap: np.ndarray = (prob > params.thresh).astype(np.uint8)
    if params.use_dilation:
        bitmap = cv2.dilate(bitmap, _DILATE_KERNEL)
    contours, _ = cv2.findContours(bitmap, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    sx, sy = dest_w / width, dest_h / height
    boxes, scores, crops = [], [], []
    for contour in contours[: params.max_candidates]:
        kernel, short_side = _min_area_quad(contour)
        if short_side < params.min_size:
            continue
        score = _mean_score(prob, kernel)
        if score < params.box_thresh:
            continue
        box = _grown_box(kernel, params.unclip_ratio, params.min_size, sx, sy, dest_w, dest_h)
        crop = (
            box
            if params.crop_unclip_ratio is None
            else _grown_box(kernel, params.crop_unclip_ratio, params.min_size, sx, sy, dest_w, dest_h)
        )
        if box is None or crop is None:
            continue
        boxes.append(box)
        scores.append(score)
        crops.append(crop)
    if not boxes:
        return empty, np.zeros((0,), np.float32), empty
    return (
        np.stack(boxes).astype(np.float32),
        np.asarray(scores, dtype=np.float32),
        np.stack(crops).astype(np.float32),
    )


def _grown_box(
    kernel: np.ndarray, ratio: float, min_size: float, sx: float, sy: float, dest_w: int, dest_h: int
) -> np.ndarray | None:
    """The kernel grown by `ratio`, as a quad in destination pixels; None when it vanishes or is too thin."""
    expanded = _unclip(kernel, ratio)
    if expanded is None:
        return None
    quad, short_side = _min_area_quad(expanded)
    if short_side < min_size + 2:
        return None
    quad[:, 0] = np.clip(np.round(quad[:, 0] * sx), 0, dest_w)
    quad[:, 1] = np.clip(np.round(quad[:, 1] * sy), 0, dest_h)
    return quad


def _min_area_quad(points: np.ndarray) -> tuple[np.ndarray, float]:
    """The minimum-area rectangle of `points`, ordered clockwise from top-left, and its shorter side."""
    rect = cv2.minAreaRect(np.asarray(points, dtype=np.float32).reshape(-1, 2))
    pts = sorted(cv2.boxPoints(rect).tolist(), key=lambda p: p[0])
    left, right = pts[:2], pts[2:]
    tl, bl = (left[0], left[1]) if left[0][1] <= left[1][1] else (left[1], left[0])
    tr, br = (right[0], right[1]) if right[0][1] <= right[1][1] else (right[1], right[0])
    return np.array([tl, tr, br, bl], dtype=np.float32), float(min(rect[1]))


def _mean_score(prob: np.ndarray, quad: np.ndarray) -> float:
    """Mean probability inside the quad, computed on its bounding-box window only (fast)."""
    h, w = prob.shape
    xmin = int(np.clip(np.floor(quad[:, 0].min()), 0, w - 1))
    xmax = int(np.clip(np.ceil(quad[:, 0].max()), 0, w - 1))
    ymin = int(np.clip(np.floor(quad[:, 1].min()), 0, h - 1))
    ymax = int(np.clip(np.ceil(quad[:, 1].max()), 0, h - 1))
    mask = np.zeros((ymax - ymin + 1, xmax - xmin + 1), dtype=np.uint8)
    local = (quad - np.array([xmin, ymin], dtype=np.float32)).astype(np.int32)
    cv2.fillPoly(mask, [local], 1)
    return float(cv2.mean(prob[ymin : ymax + 1, xmin : xmax + 1], mask)[0])


def _unclip(quad: np.ndarray, ratio: float) -> np.ndarray | None:
    """Grow the shrunk text kernel by area * ratio / perimeter, as DB was trained to expect."""
    area = cv2.contourArea(quad)
    length = cv2.arcLength(quad, True)
    if length <= 0:
        return None
    distance = area * ratio / length
    offset = pyclipper.PyclipperOffset()
    offset.AddPath(quad.tolist(), pyclipper.JT_ROUND, pyclipper.ET_CLOSEDPOLYGON)
    grown = offset.Execute(distance)
    if len(grown) != 1:
        return None
    return np.asarray(grown[0], dtype=np.float32)
