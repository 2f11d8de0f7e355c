"""Paths and small helpers shared by the training-engine tests."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
V6_REC = REPO / "models" / "ppocrv6-small" / "PP-OCRv6_rec_small.onnx"
V4_REC = REPO / "models" / "ppocrv4-mobile" / "ch_PP-OCRv4_rec_infer.onnx"
V6_DICT = REPO / "models" / "ppocrv6-small" / "dict.txt"


def ort_session(path: Path):
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1
    opts.log_severity_level = 3
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


def text_crop(text: str, degrade: float = 1.0):
    """A BGR crop of one line in OpenCV's script font, optionally shrunk and blown up again (blurry)."""
    import cv2
    import numpy as np

    font = cv2.FONT_HERSHEY_SCRIPT_SIMPLEX
    (w, h), base = cv2.getTextSize(text, font, 1.0, 1)
    img = np.full((h + base + 12, w + 16, 3), 255, np.uint8)
    cv2.putText(img, text, (8, h + 6), font, 1.0, (0, 0, 0), 1, cv2.LINE_AA)
    if degrade < 1.0:
        small = cv2.resize(img, (max(1, int(img.shape[1] * degrade)), max(1, int(img.shape[0] * degrade))),
                           interpolation=cv2.INTER_AREA)
        img = cv2.resize(small, (img.shape[1], img.shape[0]), interpolation=cv2.INTER_LINEAR)
    return img


TEXTS = ["AB12 CD", "Total 45.90", "INV-2024", "qty 3", "Hello", "x7y8z9", "SALE 10%", "Cash 20.00"]


def write_rec_export(root: Path, items: list[tuple[str, object]], list_name: str = "train.txt") -> Path:
    """An export folder as labeler.core.export writes it: root/rec/<list> with rec/crops/... paths."""
    import cv2

    crops = root / "rec" / "crops"
    crops.mkdir(parents=True, exist_ok=True)
    lines = []
    for i, (text, img) in enumerate(items):
        name = f"img_crop_{i}.png"
        cv2.imwrite(str(crops / name), img)
        lines.append(f"rec/crops/{name}\t{text}")
    path = root / "rec" / list_name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_split_rec_export(root: Path, train: list[tuple[str, object]], val: list[tuple[str, object]]) -> Path:
    """An export folder with rec/train.txt and rec/val.txt (crops named apart); returns root."""
    import cv2

    crops = root / "rec" / "crops"
    crops.mkdir(parents=True, exist_ok=True)
    for split, items in (("train", train), ("val", val)):
        lines = []
        for i, (text, img) in enumerate(items):
            name = f"{split}_crop_{i}.png"
            cv2.imwrite(str(crops / name), img)
            lines.append(f"rec/crops/{name}\t{text}")
        (root / "rec" / f"{split}.txt").write_text("".join(f"{ln}\n" for ln in lines), encoding="utf-8")
    return root


def small_rec_export(root: Path, n_val: int = 4) -> Path:
    """8 clean + 8 blurred training crops of TEXTS, n_val blurred validation crops."""
    train = [(t, text_crop(t)) for t in TEXTS] + [(t, text_crop(t, degrade=0.25)) for t in TEXTS]
    val = [(t, text_crop(t, degrade=0.3)) for t in TEXTS[:n_val]]
    return write_split_rec_export(root, train, val)
