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
        small = cv2.resize(
            img,
            (max(1, int(img.shape[1] * degrade)), max(1, int(img.shape[0] * degrade))),
            interpolation=cv2.INTER_AREA,
        )
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


def small_rec_export(root: Path, n_val: int = 4, val_degrade: float = 0.3) -> Path:
    """8 clean + 8 blurred (0.25) training crops of TEXTS, n_val validation crops blurred by val_degrade
    (0.25: the same crops as in training, so a few steps lower the validation loss for sure)."""
    train = [(t, text_crop(t)) for t in TEXTS] + [(t, text_crop(t, degrade=0.25)) for t in TEXTS]
    val = [(t, text_crop(t, degrade=val_degrade)) for t in TEXTS[:n_val]]
    return write_split_rec_export(root, train, val)


def moved_base_model():
    """The v6 recognizer with every weight nudged by seeded noise: a "base" the model under training differs
    from, so the case-split term has a gradient (it has none where the two models agree)."""
    import torch

    from labeler.train.onnx_module import OnnxModule

    model = OnnxModule(V6_REC).eval()
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.05 * p.std().nan_to_num() * torch.randn(p.shape, generator=gen))
            p.requires_grad_(False)
    return model


def ddp_gradient_rank(rank: int, world: int, port: int, export_dir: str, out_dir: str, text_case: str = "") -> None:
    """One rank of the gradient check (torch.multiprocessing.spawn target): this rank's share of the first
    7 training crops through rec_finetune.backward_on_shard under DDP; rank 0 saves the gradients.
    With a text_case the loss is case-folded and carries the case-split term against a frozen base model."""
    import numpy as np
    import torch
    import torch.distributed as dist

    from labeler.train.distributed import DistContext
    from labeler.train.onnx_module import OnnxModule
    from labeler.train.rec_data import batch_width, read_dict_file, read_rec_list
    from labeler.train.rec_finetune import CaseFold, RecFinetuneConfig, backward_on_shard

    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world)
    try:
        ctx = DistContext(rank, world, rank, "cpu")
        samples = read_rec_list(Path(export_dir) / "rec" / "train.txt", read_dict_file(V6_DICT)).samples[:7]
        cfg = RecFinetuneConfig(augment=None, text_case=text_case, case_split_weight=1.0 if text_case else 0.0)
        model = OnnxModule(V6_REC).train()
        net = ctx.wrap(model)
        fold = CaseFold.of(read_dict_file(V6_DICT), text_case)
        base_model = moved_base_model() if text_case else None
        width = batch_width([s.image for s in samples])
        loss = backward_on_shard(model, net, ctx.shard(samples), len(samples), width, cfg, ctx, None, fold, base_model)
        if rank == 0:
            grads = {k: p.grad.numpy() for k, p in model.params.items()}
            np.savez(Path(out_dir) / "grads.npz", loss=np.float64(loss), **grads)
        dist.barrier()  # no rank tears the group down while another still talks to it
    finally:
        dist.destroy_process_group()


V4_DET = REPO / "models" / "ppocrv4-mobile" / "ch_PP-OCRv4_det_infer.onnx"
DET_LINES = ["Invoice 2024-118", "Total 45.90 EUR", "Paid by card", "Thank you"]


def text_page(lines: list[str], width: int = 320, height: int = 240, seed: int = 0):
    """A white page with text lines in OpenCV's plain font; returns (BGR image, [(text, 4-point box)])."""
    import cv2
    import numpy as np

    rng = np.random.default_rng(seed)
    img = np.full((height, width, 3), 250, np.uint8)
    regions, y = [], 30
    for text in lines:
        scale = float(rng.uniform(0.55, 0.7))
        (w, h), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)
        x = int(rng.integers(8, max(9, width - w - 8)))
        cv2.putText(img, text, (x, y), cv2.FONT_HERSHEY_SIMPLEX, scale, (20, 20, 20), 1, cv2.LINE_AA)
        regions.append((text, [[x - 2, y - h - 3], [x + w + 2, y - h - 3], [x + w + 2, y + base], [x - 2, y + base]]))
        y += h + base + 22
    return img, regions


def write_det_export(root: Path, n_train: int = 2, n_val: int = 1, dont_care: bool = True) -> Path:
    """OUT/images/page_<i>.png with OUT/det/{train,val}.txt as labeler.core.export writes them; returns root."""
    import json

    import cv2

    (root / "images").mkdir(parents=True, exist_ok=True)
    (root / "det").mkdir(parents=True, exist_ok=True)
    lines: dict[str, list[str]] = {"train": [], "val": []}
    for i in range(n_train + n_val):
        img, regions = text_page(DET_LINES, seed=i)
        entries = [{"transcription": t, "points": p} for t, p in regions]
        if dont_care:
            cv2.rectangle(img, (250, 200), (300, 225), (90, 90, 90), -1)  # a smudge nobody could read
            entries.append({"transcription": "###", "points": [[248, 198], [302, 198], [302, 227], [248, 227]]})
        cv2.imwrite(str(root / "images" / f"page_{i}.png"), img)
        split = "train" if i < n_train else "val"
        lines[split].append(f"images/page_{i}.png\t{json.dumps(entries)}")
    for split, items in lines.items():
        (root / "det" / f"{split}.txt").write_text("".join(f"{ln}\n" for ln in items), encoding="utf-8")
    return root
