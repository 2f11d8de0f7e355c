"""Recognition training data: PaddleOCR rec lists, label encoding, light augmentation, batches.

No torch here: batches are numpy arrays, built exactly as labeler.ocr.rec feeds the model at inference
(height 48, aspect kept, right-padded with mid-grey to width >= 320, (x - 127.5) / 127.5).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from labeler.core.errors import FileError, ImageReadError
from labeler.core.image_io import read_image
from labeler.ocr.ctc import load_charset
from labeler.ocr.rec import batch_tensor

STEPS_PER_PIXEL = 1 / 8  # PP-OCR rec heads emit one CTC step per 8 input columns (320 -> 40)


class RecDataError(FileError):
    """A rec list or dictionary cannot be used for training (names the file and line)."""


@dataclass(frozen=True)
class RecSample:
    image: np.ndarray  # BGR uint8 crop
    text: str
    labels: tuple[int, ...]  # class indices (blank = 0 never appears)
    source: str = ""  # "file:line" for messages


@dataclass
class RecDataset:
    samples: list[RecSample]
    skipped: dict[str, int] = field(default_factory=dict)  # reason -> count

    def __len__(self) -> int:
        return len(self.samples)


def read_dict_file(path: str | Path, use_space_char: bool = True) -> list[str]:
    """dict.txt (one character per line) -> class list, blank first and space last (labeler.ocr.ctc)."""
    lines = Path(path).read_text(encoding="utf-8").split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return load_charset([ln.rstrip("\r") for ln in lines], use_space_char)


def encode_text(text: str, index: dict[str, int]) -> tuple[int, ...] | None:
    """Class indices for `text`, or None when a character is not in the dictionary."""
    out = []
    for ch in text:
        i = index.get(ch)
        if i is None:
            return None
        out.append(i)
    return tuple(out)


def ctc_steps_needed(labels: Sequence[int]) -> int:
    """CTC needs one step per label plus a blank between equal neighbours."""
    return len(labels) + sum(1 for a, b in zip(labels, labels[1:]) if a == b)


def _resolve(rel: str, list_file: Path, data_dir: Path | None) -> Path | None:
    roots = [data_dir] if data_dir is not None else []
    roots += [list_file.parent, list_file.parent.parent]  # rec/train.txt paths are relative to the export root
    for root in roots:
        p = root / rel
        if p.is_file():
            return p
    return None


def read_rec_list(
    list_file: str | Path,
    charset: list[str],
    data_dir: str | Path | None = None,
    height: int = 48,
    max_width: int = 960,
) -> RecDataset:
    """Load `path<TAB>text` lines (PaddleOCR's rec format) with their crops.

    Samples the model cannot learn are skipped and counted by reason: a character outside the
    dictionary (CTC has no class for it: training on the rest would teach the model to drop it),
    empty text, a missing or unreadable image, or text too long for the steps the crop yields.
    """
    list_file = Path(list_file)
    root = Path(data_dir) if data_dir is not None else None
    index = {ch: i for i, ch in enumerate(charset) if i > 0}
    samples: list[RecSample] = []
    skipped: dict[str, int] = {}

    def skip(reason: str) -> None:
        skipped[reason] = skipped.get(reason, 0) + 1

    try:
        text_lines = list_file.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise RecDataError(list_file, f"cannot read ({exc})") from exc
    for n, line in enumerate(text_lines, 1):
        if not line.strip():
            continue
        if "\t" not in line:
            raise RecDataError(list_file, "expected 'path<TAB>text'", n)
        rel, text = line.split("\t", 1)
        if not text:
            skip("empty_text")
            continue
        labels = encode_text(text, index)
        if labels is None:
            skip("unknown_char")
            continue
        path = _resolve(rel, list_file, root)
        if path is None:
            skip("missing_image")
            continue
        try:
            image = read_image(path)
        except (ImageReadError, OSError):  # one bad crop must not stop a training run
            skip("unreadable_image")
            continue
        if image.ndim == 2:
            image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
        elif image.shape[2] == 4:
            image = cv2.cvtColor(image, cv2.COLOR_BGRA2BGR)
        h, w = image.shape[:2]
        width = min(max_width, max(320, math.ceil(height * w / max(h, 1))))
        if ctc_steps_needed(labels) > int(width * STEPS_PER_PIXEL):
            skip("text_too_long")
            continue
        samples.append(RecSample(image, text, labels, f"{list_file.name}:{n}"))
    return RecDataset(samples, skipped)


@dataclass(frozen=True)
class AugmentParams:
    """Light, label-preserving jitter: the crops come from the user's own scans, so keep them close."""

    p_affine: float = 0.5
    max_rotate_deg: float = 1.5
    max_shear: float = 0.08
    scale: tuple[float, float] = (0.92, 1.04)
    max_shift_px: float = 2.0
    p_blur: float = 0.2
    p_contrast: float = 0.5
    contrast: tuple[float, float] = (0.75, 1.25)
    max_brightness: float = 25.0


def augment(image: np.ndarray, rng: np.random.Generator, p: AugmentParams = AugmentParams()) -> np.ndarray:
    """A jittered copy of a BGR uint8 crop (same size)."""
    out = image
    h, w = out.shape[:2]
    if rng.random() < p.p_affine and h > 2 and w > 2:
        angle = rng.uniform(-p.max_rotate_deg, p.max_rotate_deg)
        scale = rng.uniform(*p.scale)
        m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, scale)
        m[0, 1] += rng.uniform(-p.max_shear, p.max_shear)
        m[:, 2] += rng.uniform(-p.max_shift_px, p.max_shift_px, size=2)
        out = cv2.warpAffine(out, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    if rng.random() < p.p_blur:
        out = cv2.GaussianBlur(out, (3, 3), rng.uniform(0.3, 1.0))
    if rng.random() < p.p_contrast:
        alpha = rng.uniform(*p.contrast)
        beta = rng.uniform(-p.max_brightness, p.max_brightness)
        mean = float(out.mean())  # stretch around the mean: paper stays paper-coloured
        out = cv2.convertScaleAbs(out, alpha=alpha, beta=beta + (1.0 - alpha) * mean)
    return out


def batch_width(images: Sequence[np.ndarray], height: int = 48, min_width: int = 320, max_width: int = 960) -> int:
    """The width labeler.ocr.rec would use for these crops (capped so one long crop cannot blow memory)."""
    widest = max(img.shape[1] / max(img.shape[0], 1) for img in images)
    return min(max_width, max(min_width, int(math.ceil(height * widest))))


def make_batch(
    samples: Sequence[RecSample],
    rng: np.random.Generator | None = None,
    height: int = 48,
    min_width: int = 320,
    max_width: int = 960,
    aug: AugmentParams | None = None,
) -> tuple[np.ndarray, list[tuple[int, ...]]]:
    """[N, 3, height, W] float32 input (augmented when rng and aug are given) and the label sequences."""
    images = [s.image for s in samples]
    if rng is not None and aug is not None:
        images = [augment(img, rng, aug) for img in images]
    width = batch_width(images, height, min_width, max_width)
    return batch_tensor(images, height, width), [s.labels for s in samples]


def training_batches(n: int, batch_size: int, rng: np.random.Generator) -> list[list[int]]:
    """Shuffled index batches for one epoch (the last one may be smaller)."""
    order = rng.permutation(n)
    return [order[i : i + batch_size].tolist() for i in range(0, n, batch_size)]


def validation_batches(samples: Sequence[RecSample], batch_size: int) -> list[list[int]]:
    """Batches of similar aspect ratio, as labeler.ocr.rec reads crops (same padding, same results)."""
    ratios = [s.image.shape[1] / max(s.image.shape[0], 1) for s in samples]
    order = np.argsort(ratios, kind="stable").tolist()
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]
