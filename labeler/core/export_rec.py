"""Recognition export pieces: which regions become crops, their text, the crop itself, its file name.

Rules (each one reported, see export.py):
- left out: `###` / `*` regions (don't care), difficult regions, empty or whitespace-only text;
- tabs, newlines, carriage returns and other line separators would break PaddleOCR's
  `path<TAB>text` lines, so each run of them becomes one space (ends stripped) and is reported;
- text longer than max_len (PaddleOCR's max_text_length, 25) is silently dropped by PaddleOCR's
  label encoders at train time, so it is reported and dropped, or kept with keep_long;
- crops: 4 points are perspective-warped, more (even) points rectified along their top and bottom
  edges, anything else cut as its min-area rectangle (labeler.core.crop.crop_polygon);
- vertical text: a crop whose height >= ratio x width (1.5, as PaddleOCR's inference) is turned
  90 degrees counter-clockwise (mode "ccw", like PaddleOCR's np.rot90), clockwise ("cw"), or kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath

import cv2
import numpy as np

from labeler.core.crop import crop_polygon
from labeler.core.errors import ExportError
from labeler.core.model import DONT_CARE_TEXTS, TextRegion

# Reasons a region yields no crop (keys of the report's skipped counts).
SKIP_DONT_CARE = "dont_care"
SKIP_DIFFICULT = "difficult"
SKIP_EMPTY = "empty_text"
SKIP_TOO_LONG = "too_long"
SKIP_OUTSIDE = "outside_image"
SKIP_TOO_SMALL = "too_small"

VERTICAL_MODES = ("ccw", "cw", "keep")
CROP_FORMATS = ("jpg", "png")

# Characters that end a line for PaddleOCR (\n), for Python/editors (\r, \v, \f, NEL, LS, PS), or split fields (\t).
_BREAKS = re.compile(r"[\t\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]+")
MIN_CROP_SIDE = 2  # px; thinner crops are slivers of a mis-click, not text


@dataclass(frozen=True)
class RecText:
    """What one region contributes to rec_gt.txt, decided before any image is read."""

    text: str | None  # None: no crop for this region
    skip_reason: str | None = None
    fixed_from: str | None = None  # the original text when tabs/newlines were replaced
    too_long: bool = False


@dataclass(frozen=True)
class VerticalRule:
    """When and how to turn a tall crop so the text runs left to right."""

    mode: str = "ccw"
    ratio: float = 1.5

    def __post_init__(self) -> None:
        if self.mode not in VERTICAL_MODES:
            raise ExportError(f"vertical mode must be one of {VERTICAL_MODES}, got {self.mode!r}")
        if self.ratio <= 0:
            raise ExportError(f"vertical ratio must be > 0, got {self.ratio}")

    def apply(self, crop: np.ndarray) -> np.ndarray:
        h, w = crop.shape[:2]
        if self.mode == "keep" or h < self.ratio * w:
            return crop
        code = cv2.ROTATE_90_COUNTERCLOCKWISE if self.mode == "ccw" else cv2.ROTATE_90_CLOCKWISE
        return cv2.rotate(crop, code)


def clean_text(text: str) -> str:
    """Replace each run of tabs / line breaks with one space; strip the ends only when something changed."""
    fixed = _BREAKS.sub(" ", text)
    return fixed.strip() if fixed != text else text


def rec_text(region: TextRegion, max_len: int = 25, keep_long: bool = False) -> RecText:
    """Decide whether a region becomes a crop and with which text."""
    if region.transcription in DONT_CARE_TEXTS:
        return RecText(None, SKIP_DONT_CARE)
    if region.difficult:
        return RecText(None, SKIP_DIFFICULT)
    text = clean_text(region.transcription)
    fixed_from = region.transcription if text != region.transcription else None
    if not text.strip():
        return RecText(None, SKIP_EMPTY, fixed_from)
    # PaddleOCR compares len() of the raw label (code points) with max_text_length.
    if len(text) > max_len:
        if not keep_long:
            return RecText(None, SKIP_TOO_LONG, fixed_from, too_long=True)
        return RecText(text, None, fixed_from, too_long=True)
    return RecText(text, None, fixed_from)


def make_crop(image: np.ndarray, points: Iterable, vertical: VerticalRule) -> tuple[np.ndarray | None, str | None]:
    """The rectified, upright crop of a region, or (None, reason) when there is nothing to cut."""
    pts = np.asarray(points, dtype=np.float32).reshape(-1, 2)
    h, w = image.shape[:2]
    x0, y0 = pts.min(axis=0)
    x1, y1 = pts.max(axis=0)
    if x1 <= 0 or y1 <= 0 or x0 >= w or y0 >= h:
        return None, SKIP_OUTSIDE
    crop = crop_polygon(image, pts)
    if min(crop.shape[:2]) < MIN_CROP_SIDE:
        return None, SKIP_TOO_SMALL
    return vertical.apply(crop), None


def encode_crop(crop: np.ndarray, fmt: str = "jpg", jpeg_quality: int = 95) -> bytes:
    """JPEG (quality 95 by default: fast, small, no visible loss at text scale) or PNG (lossless)."""
    if fmt == "jpg":
        ok, buf = cv2.imencode(".jpg", crop, [cv2.IMWRITE_JPEG_QUALITY, int(jpeg_quality)])
    elif fmt == "png":
        ok, buf = cv2.imencode(".png", crop, [cv2.IMWRITE_PNG_COMPRESSION, 1])
    else:
        raise ExportError(f"crop format must be one of {CROP_FORMATS}, got {fmt!r}")
    if not ok:
        raise ExportError(f"cannot encode a {crop.shape} crop as {fmt}")
    return buf.tobytes()


def crop_stems(image_paths: Iterable[str]) -> dict[str, str]:
    """A unique crop-name stem per image path ('sub/a.png' -> 'sub/a'; 'a.png' and 'a.jpg' -> 'a_png', 'a_jpg').

    Crops are then named <stem>_crop_<region index>.<ext>, like PPOCRLabel's crop_img/.
    """
    paths = list(dict.fromkeys(image_paths))
    plain = {p: str(PurePosixPath(p).with_suffix("")) for p in paths}
    seen: dict[str, int] = {}
    for stem in plain.values():
        seen[stem] = seen.get(stem, 0) + 1
    result = {}
    for p in paths:
        stem = plain[p]
        if seen[stem] > 1:
            pp = PurePosixPath(p)
            stem = str(pp.with_name(pp.name.replace(".", "_")))
        result[p] = stem
    return result
