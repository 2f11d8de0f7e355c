"""Detection training data: PaddleOCR det lists, DB shrink-map targets, random crops. No torch here.

Targets follow DB (Liao et al., PaddleOCR MakeShrinkMap): each text polygon is shrunk by
D = A (1 - r^2) / L (area A, perimeter L, r = 0.4) and filled with 1 in the ground-truth map; `###` / `*`
regions, regions thinner than min_text_size pixels and regions a crop cuts through are zeroed in the
mask, so the loss neither rewards nor punishes the model there. The threshold map is not built: the
inference graphs carry only the probability branch.

Crops see the image at the scale inference uses (labeler.ocr.det.detection_input_size), jittered, slightly
rotated, then cut to crop_size x crop_size in one affine warp; pixels from outside the image are masked.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import pyclipper

from labeler.core.errors import FileError
from labeler.core.model import DONT_CARE_TEXTS, TextRegion
from labeler.ocr.det import DetParams, detection_input_size

_CLIPPER_SCALE = 16.0  # pyclipper works on integers: 1/16 px keeps the shrink exact enough


class DetDataError(FileError):
    """A det list line cannot be used for training (names the file and line)."""


@dataclass(frozen=True)
class DetSample:
    image_path: Path  # read on use: a few hundred decoded scans would not fit in memory
    regions: tuple[TextRegion, ...]
    source: str = ""  # "file:line" for messages

    def polygons(self) -> list[np.ndarray]:
        return [np.asarray(r.points, np.float64).reshape(-1, 2) for r in self.regions]

    def ignore_tags(self) -> list[bool]:
        # PaddleOCR trains difficult regions as text; only ### / * are don't-care areas.
        return [r.transcription in DONT_CARE_TEXTS for r in self.regions]


@dataclass
class DetDataset:
    samples: list[DetSample]
    skipped: dict[str, int] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.samples)


def read_det_list(list_file: str | Path, data_dir: str | Path) -> DetDataset:
    """`images/<path>\\t[{"transcription", "points"}, ...]` lines (labeler.core.export_det) with paths under data_dir.

    Images that are missing, or have no polygon of 3+ points, are skipped and counted by reason.
    """
    list_file, root = Path(list_file), Path(data_dir)
    samples: list[DetSample] = []
    skipped: dict[str, int] = {}
    try:
        lines = list_file.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise DetDataError(list_file, f"cannot read ({exc})") from exc
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        if "\t" not in line:
            raise DetDataError(list_file, "expected 'path<TAB>JSON list'", n)
        rel, payload = line.split("\t", 1)
        try:
            entries = json.loads(payload)
            regions = tuple(
                TextRegion(
                    [(float(x), float(y)) for x, y in e["points"]],
                    str(e.get("transcription", "")),
                    bool(e.get("difficult", False)),
                )
                for e in entries
            )
        except (ValueError, TypeError, KeyError) as exc:
            raise DetDataError(list_file, f"bad region list ({exc})", n) from None
        regions = tuple(r for r in regions if len(r.points) >= 3)
        path = root / rel
        if not path.is_file():
            skipped["missing_image"] = skipped.get("missing_image", 0) + 1
        elif not regions:
            skipped["no_regions"] = skipped.get("no_regions", 0) + 1
        else:
            samples.append(DetSample(path, regions, f"{list_file.name}:{n}"))
    return DetDataset(samples, skipped)


# ---------------------------------------------------------------- shrink-map targets


def polygon_area_perimeter(poly: np.ndarray) -> tuple[float, float]:
    x, y = poly[:, 0], poly[:, 1]
    area = 0.5 * abs(float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))))
    perimeter = float(np.linalg.norm(poly - np.roll(poly, -1, axis=0), axis=1).sum())
    return area, perimeter


def shrink_polygon(poly: np.ndarray, ratio: float = 0.4) -> list[np.ndarray]:
    """The DB kernel(s) of a polygon: offset inwards by A (1 - r^2) / L, retried with r = 2r, 3r... < 1 when
    the offset splits it or makes it vanish (PaddleOCR's rule). [] when nothing is left (an ignore region)."""
    area, perimeter = polygon_area_perimeter(poly)
    if area <= 0 or perimeter <= 0:
        return []
    subject = np.round(poly * _CLIPPER_SCALE).astype(np.int64).tolist()
    shrunk: list = []
    for r in np.arange(ratio, 1.0, ratio):
        distance = area * (1.0 - r * r) / perimeter
        offset = pyclipper.PyclipperOffset()
        offset.AddPath(subject, pyclipper.JT_ROUND, pyclipper.ET_CLOSEDPOLYGON)
        shrunk = offset.Execute(-distance * _CLIPPER_SCALE)
        if len(shrunk) == 1:
            break
    return [np.asarray(s, np.float64).reshape(-1, 2) / _CLIPPER_SCALE for s in shrunk]


def shrink_targets(
    polys: Sequence[np.ndarray],
    ignore: Sequence[bool],
    height: int,
    width: int,
    shrink_ratio: float = 0.4,
    min_text_size: float = 8.0,
    valid: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(gt, mask), float32 [height, width]: 1 inside the shrunk text kernels; mask 0 over ignored regions.

    `valid` (uint8/bool [height, width]) marks pixels that come from the image; the rest is masked too.
    """
    gt = np.zeros((height, width), np.float32)
    mask = np.ones((height, width), np.float32) if valid is None else valid.astype(np.float32)
    for poly, skip in zip(polys, ignore):
        size = poly.max(axis=0) - poly.min(axis=0)
        kernels = [] if skip or min(size) < min_text_size else shrink_polygon(poly, shrink_ratio)
        if not kernels:
            cv2.fillPoly(mask, [np.round(poly).astype(np.int32)], 0.0)
            continue
        cv2.fillPoly(gt, [np.round(k).astype(np.int32) for k in kernels], 1.0)
    return gt, mask


# ---------------------------------------------------------------- crops


@dataclass(frozen=True)
class CropParams:
    size: int = 640
    scale_jitter: tuple[float, float] = (0.7, 1.4)  # log-uniform factor on the inference scale
    max_rotate_deg: float = 5.0
    p_text_focus: float = 0.9  # share of crops placed to hold a whole text region
    shrink_ratio: float = 0.4
    min_text_size: float = 8.0


def normalize(image: np.ndarray) -> np.ndarray:
    """BGR uint8 [H, W, 3] -> float32 [3, H, W], (x - 127.5) / 127.5, as labeler.ocr.det feeds the network."""
    return ((image.astype(np.float32) - 127.5) / 127.5).transpose(2, 0, 1)


def _transform(points: np.ndarray, m: np.ndarray) -> np.ndarray:
    return points @ m[:, :2].T + m[:, 2]


def _origin(lo: float, hi: float, size: int, rng: np.random.Generator) -> float:
    """Top-left of a window of `size` over [lo, hi]: inside it when it is larger, around it when smaller."""
    a, b = sorted((lo, hi - size))
    return float(rng.uniform(a, b)) if b > a else a


def random_crop(
    image: np.ndarray, sample: DetSample, det: DetParams, p: CropParams, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One training crop: (x [3, S, S] float32, gt [S, S], mask [S, S])."""
    h, w = image.shape[:2]
    in_w, in_h = detection_input_size(w, h, det)
    jitter = math.exp(rng.uniform(math.log(p.scale_jitter[0]), math.log(p.scale_jitter[1])))
    angle = math.radians(rng.uniform(-p.max_rotate_deg, p.max_rotate_deg))
    rot = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    a = rot @ np.diag([in_w / w * jitter, in_h / h * jitter])
    m = np.hstack([a, np.zeros((2, 1))])
    polys = [_transform(poly, m) for poly in sample.polygons()]
    ignore = sample.ignore_tags()
    corners = _transform(np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float64), m)
    lo, hi = corners.min(axis=0), corners.max(axis=0)
    text = [i for i, skip in enumerate(ignore) if not skip]
    if text and rng.random() < p.p_text_focus:
        focus = polys[int(rng.choice(text))]
        lo, hi = focus.min(axis=0), focus.max(axis=0)
    m[:, 2] = -np.array([_origin(lo[0], hi[0], p.size, rng), _origin(lo[1], hi[1], p.size, rng)])
    s = p.size
    crop = cv2.warpAffine(
        image, m, (s, s), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=(128, 128, 128)
    )
    valid = cv2.warpAffine(
        np.ones((h, w), np.uint8), m, (s, s), flags=cv2.INTER_NEAREST, borderMode=cv2.BORDER_CONSTANT, borderValue=0
    )
    polys = [_transform(poly, np.hstack([np.eye(2), m[:, 2:]])) for poly in polys]
    # A region the crop cuts through would teach half a word as a whole one: mask it instead.
    cut = [bool((poly < 0).any() or (poly > s).any()) for poly in polys]
    gt, mask = shrink_targets(
        polys, [i or c for i, c in zip(ignore, cut)], s, s, p.shrink_ratio, p.min_text_size, valid
    )
    return normalize(crop), gt, mask


def inference_targets(
    image_shape: tuple[int, ...], sample: DetSample, det: DetParams, p: CropParams
) -> tuple[np.ndarray, np.ndarray]:
    """(gt, mask) at the size labeler.ocr.det feeds the network for this image (for the validation loss)."""
    h, w = image_shape[:2]
    in_w, in_h = detection_input_size(w, h, det)
    scale = np.array([in_w / w, in_h / h])
    return shrink_targets(
        [poly * scale for poly in sample.polygons()], sample.ignore_tags(), in_h, in_w, p.shrink_ratio, p.min_text_size
    )
