"""PaddleOCR training configs for an export (labeler.core.export layout), and the YAML text they are written as.

The configs are complete PaddleOCR configs built from Python templates that mirror the upstream files
(no PyYAML and no PaddleOCR checkout needed to write them; nothing upstream is read or evaluated):

    rec  configs/rec/PP-OCRv4/ch_PP-OCRv4_rec.yml         PP-OCRv4 mobile rec: PPLCNetV3 0.95, CTC + NRTR heads,
                                                         MultiScaleDataSet 320x{32,48,64}, eval at 48x320
    det  configs/det/PP-OCRv4/PP-OCRv4_mobile_det.yml     PP-OCRv4 mobile det: PPLCNetV3 0.75, RSEFPN, DB, 640 crop

What differs from upstream, for fine-tuning on one project's export:
  - every path is absolute (tools/train.py runs with cwd = the checkout): data_dir = OUT, label_file_list =
    OUT/{rec,det}/train.txt (Eval: val.txt), character_dict_path in Global *and* in Eval's MultiLabelEncode
    (upstream hard-codes ppocr/utils/ppocr_keys_v1.txt there), save_model_dir / save_inference_dir in the run folder;
  - learning rate scaled linearly with the total batch from PaddleOCR's fine-tune guide
    (docs/ppocr/model_train/finetune: rec 1e-4 at batch 128, det 1e-4 at batch 8), shorter warm-up;
  - batch per card capped by the number of training samples, eval about ten times per run
    (eval_batch_step counts steps), so a small export still yields a best_accuracy checkpoint;
  - no remote pretrained_model URL: Global.pretrained_model is the user's local weights or null.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REC_UPSTREAM = "configs/rec/PP-OCRv4/ch_PP-OCRv4_rec.yml"
DET_UPSTREAM = "configs/det/PP-OCRv4/PP-OCRv4_mobile_det.yml"
REC_SCALES = ((320, 32), (320, 48), (320, 64))  # MultiScaleSampler (w, h) pairs, as upstream
REC_MAX_BATCH = 128  # upstream batch_size_per_card
DET_MAX_BATCH = 8
REC_LR_AT_128 = 1e-4  # finetune guide: 1e-4 for a total batch of 128 (rec)
DET_LR_AT_8 = 1e-4  # finetune guide: 1e-4 for a total batch of 8 (det)
EVALS_PER_RUN = 10
IMAGENET_MEAN = [0.485, 0.456, 0.406]
IMAGENET_STD = [0.229, 0.224, 0.225]


@dataclass(frozen=True)
class TrainSettings:
    """Everything a config needs; paths absolute. pretrained is a weights prefix (no .pdparams) or None."""

    kind: str  # "rec" | "det"
    data_dir: Path
    train_list: Path
    eval_list: Path
    save_model_dir: Path
    save_inference_dir: Path
    pretrained: Path | None
    epochs: int
    batch_size: int  # per card
    learning_rate: float
    eval_interval: int  # steps between evaluations
    print_interval: int  # steps between log lines
    gpus: int
    steps_per_epoch: int
    num_workers: int = 4
    dict_path: Path | None = None  # rec only
    max_text_length: int = 25
    use_space_char: bool = True


def rec_batches_per_epoch(samples_per_card: int, batch_size: int) -> int:
    """MultiScaleSampler's batches per epoch (ppocr/data/multi_scale_sampler.py, fix_bs false): one batch per
    scale per cycle, each scale's batch shrunk by its area, the last cycle padded with repeats."""
    base_w, base_h = REC_SCALES[0]
    sizes = [int(max(1, base_w * base_h * batch_size / (w * h))) for w, h in REC_SCALES]
    return len(REC_SCALES) * max(1, math.ceil(samples_per_card / sum(sizes)))


def make_settings(
    kind: str,
    export_dir: Path,
    run_dir: Path,
    train_samples: int,
    gpus: int,
    epochs: int,
    pretrained: Path | None,
    dict_path: Path | None = None,
    max_text_length: int = 25,
    num_workers: int = 4,
) -> TrainSettings:
    """Settings for one model from the export's sample counts (rec crops or det images in the train split)."""
    if kind not in ("rec", "det"):
        raise ValueError(f"kind must be 'rec' or 'det', got {kind!r}")
    per_card = max(1, train_samples // max(1, gpus)) if kind == "rec" else max(1, math.ceil(train_samples / gpus))
    if kind == "rec":
        batch = min(REC_MAX_BATCH, per_card)
        steps = rec_batches_per_epoch(per_card, batch)
        lr = REC_LR_AT_128 * batch * gpus / 128
    else:
        batch = min(DET_MAX_BATCH, per_card)
        steps = max(1, math.ceil(per_card / batch))  # drop_last false
        lr = DET_LR_AT_8 * batch * gpus / 8
    return TrainSettings(
        kind=kind,
        data_dir=export_dir,
        train_list=export_dir / kind / "train.txt",
        eval_list=export_dir / kind / "val.txt",
        save_model_dir=run_dir / "output" / kind,
        save_inference_dir=run_dir / "inference" / kind,
        pretrained=pretrained,
        epochs=epochs,
        batch_size=batch,
        learning_rate=float(f"{lr:.3g}"),
        eval_interval=steps * max(1, epochs // EVALS_PER_RUN),
        print_interval=max(1, min(10, steps)),
        gpus=gpus,
        steps_per_epoch=steps,
        num_workers=num_workers,
        dict_path=dict_path if kind == "rec" else None,
        max_text_length=max_text_length,
    )


def _global(s: TrainSettings) -> dict[str, Any]:
    return {
        "debug": False,
        "use_gpu": True,
        "epoch_num": s.epochs,
        "log_smooth_window": 20,
        "print_batch_step": s.print_interval,
        "save_model_dir": str(s.save_model_dir),
        "save_epoch_step": s.epochs,  # upstream 10; one iter_epoch copy is enough (best_accuracy / latest are kept)
        "eval_batch_step": [0, s.eval_interval],
        "cal_metric_during_train": s.kind == "rec",
        "pretrained_model": str(s.pretrained) if s.pretrained else None,
        "checkpoints": None,
        "save_inference_dir": str(s.save_inference_dir),
        "use_visualdl": False,
        "distributed": s.gpus > 1,
        "save_res_path": str(s.save_model_dir / "predicts.txt"),
    }


def _optimizer(s: TrainSettings, warmup: int, l2: float) -> dict[str, Any]:
    return {
        "name": "Adam",
        "beta1": 0.9,
        "beta2": 0.999,
        "lr": {"name": "Cosine", "learning_rate": s.learning_rate, "warmup_epoch": min(warmup, max(0, s.epochs // 10))},
        "regularizer": {"name": "L2", "factor": l2},
    }


def rec_config(s: TrainSettings) -> dict[str, Any]:
    """PP-OCRv4 mobile rec (REC_UPSTREAM) pointed at the export."""
    if s.dict_path is None:
        raise ValueError("a rec config needs dict_path")
    dict_path = str(s.dict_path)
    keep = {"KeepKeys": {"keep_keys": ["image", "label_ctc", "label_gtc", "length", "valid_ratio"]}}
    decode = {"DecodeImage": {"img_mode": "BGR", "channel_first": False}}
    g = _global(s)
    g.update(
        {
            "character_dict_path": dict_path,
            "max_text_length": s.max_text_length,
            "infer_mode": False,
            "use_space_char": s.use_space_char,
        }
    )
    return {
        "Global": g,
        "Optimizer": _optimizer(s, warmup=5, l2=3.0e-05),
        "Architecture": {
            "model_type": "rec",
            "algorithm": "SVTR_LCNet",
            "Transform": None,
            "Backbone": {"name": "PPLCNetV3", "scale": 0.95},
            "Head": {
                "name": "MultiHead",
                "head_list": [
                    {
                        "CTCHead": {
                            "Neck": {
                                "name": "svtr",
                                "dims": 120,
                                "depth": 2,
                                "hidden_dims": 120,
                                "kernel_size": [1, 3],
                                "use_guide": True,
                            },
                            "Head": {"fc_decay": 1.0e-05},
                        }
                    },
                    {"NRTRHead": {"nrtr_dim": 384, "max_text_length": s.max_text_length}},
                ],
            },
        },
        "Loss": {"name": "MultiLoss", "loss_config_list": [{"CTCLoss": None}, {"NRTRLoss": None}]},
        "PostProcess": {"name": "CTCLabelDecode"},
        "Metric": {"name": "RecMetric", "main_indicator": "acc"},
        "Train": {
            "dataset": {
                "name": "MultiScaleDataSet",
                "ds_width": False,
                "data_dir": str(s.data_dir),
                "ext_op_transform_idx": 1,
                "label_file_list": [str(s.train_list)],
                "transforms": [
                    decode,
                    {
                        "RecConAug": {
                            "prob": 0.5,
                            "ext_data_num": 2,
                            "image_shape": [48, 320, 3],
                            "max_text_length": s.max_text_length,
                        }
                    },
                    {"RecAug": None},
                    {"MultiLabelEncode": {"gtc_encode": "NRTRLabelEncode"}},
                    keep,
                ],
            },
            "sampler": {
                "name": "MultiScaleSampler",
                "scales": [list(sc) for sc in REC_SCALES],
                "first_bs": s.batch_size,
                "fix_bs": False,
                "divided_factor": [8, 16],
                "is_training": True,
            },
            "loader": {
                "shuffle": True,
                "batch_size_per_card": s.batch_size,
                "drop_last": True,
                "num_workers": s.num_workers,
            },
        },
        "Eval": {
            "dataset": {
                "name": "SimpleDataSet",
                "data_dir": str(s.data_dir),
                "label_file_list": [str(s.eval_list)],
                "transforms": [
                    decode,
                    {
                        "MultiLabelEncode": {
                            "max_text_length": 100,
                            "character_dict_path": dict_path,
                            "use_space_char": s.use_space_char,
                            "gtc_encode": "NRTRLabelEncode",
                        }
                    },
                    {"RecResizeImg": {"image_shape": [3, 48, 320], "eval_mode": True}},
                    keep,
                ],
            },
            "loader": {
                "shuffle": False,
                "drop_last": False,
                "batch_size_per_card": 16,
                "num_workers": min(2, s.num_workers),
            },
        },
    }


def det_config(s: TrainSettings) -> dict[str, Any]:
    """PP-OCRv4 mobile det (DET_UPSTREAM) pointed at the export."""
    decode = {"DecodeImage": {"img_mode": "BGR", "channel_first": False}}
    normalize = {"NormalizeImage": {"scale": "1./255.", "mean": IMAGENET_MEAN, "std": IMAGENET_STD, "order": "hwc"}}
    return {
        "Global": _global(s),
        "Architecture": {
            "model_type": "det",
            "algorithm": "DB",
            "Transform": None,
            "Backbone": {"name": "PPLCNetV3", "scale": 0.75, "det": True},
            "Neck": {"name": "RSEFPN", "out_channels": 96, "shortcut": True},
            "Head": {"name": "DBHead", "k": 50, "fix_nan": True},
        },
        "Loss": {
            "name": "DBLoss",
            "balance_loss": True,
            "main_loss_type": "DiceLoss",
            "alpha": 5,
            "beta": 10,
            "ohem_ratio": 3,
        },
        "Optimizer": _optimizer(s, warmup=2, l2=5.0e-05),
        "PostProcess": {
            "name": "DBPostProcess",
            "thresh": 0.3,
            "box_thresh": 0.6,
            "max_candidates": 1000,
            "unclip_ratio": 1.5,
        },
        "Metric": {"name": "DetMetric", "main_indicator": "hmean"},
        "Train": {
            "dataset": {
                "name": "SimpleDataSet",
                "data_dir": str(s.data_dir),
                "label_file_list": [str(s.train_list)],
                "ratio_list": [1.0],
                "transforms": [
                    decode,
                    {"DetLabelEncode": None},
                    {"CopyPaste": None},
                    {
                        "IaaAugment": {
                            "augmenter_args": [
                                {"type": "Fliplr", "args": {"p": 0.5}},
                                {"type": "Affine", "args": {"rotate": [-10, 10]}},
                                {"type": "Resize", "args": {"size": [0.5, 3]}},
                            ]
                        }
                    },
                    {"EastRandomCropData": {"size": [640, 640], "max_tries": 50, "keep_ratio": True}},
                    {
                        "MakeBorderMap": {
                            "shrink_ratio": 0.4,
                            "thresh_min": 0.3,
                            "thresh_max": 0.7,
                            "total_epoch": s.epochs,
                        }
                    },
                    {"MakeShrinkMap": {"shrink_ratio": 0.4, "min_text_size": 8, "total_epoch": s.epochs}},
                    normalize,
                    {"ToCHWImage": None},
                    {
                        "KeepKeys": {
                            "keep_keys": ["image", "threshold_map", "threshold_mask", "shrink_map", "shrink_mask"]
                        }
                    },
                ],
            },
            "loader": {
                "shuffle": True,
                "drop_last": False,
                "batch_size_per_card": s.batch_size,
                "num_workers": s.num_workers,
            },
        },
        "Eval": {
            "dataset": {
                "name": "SimpleDataSet",
                "data_dir": str(s.data_dir),
                "label_file_list": [str(s.eval_list)],
                "transforms": [
                    decode,
                    {"DetLabelEncode": None},
                    {"DetResizeForTest": None},
                    normalize,
                    {"ToCHWImage": None},
                    {"KeepKeys": {"keep_keys": ["image", "shape", "polys", "ignore_tags"]}},
                ],
            },
            "loader": {
                "shuffle": False,
                "drop_last": False,
                "batch_size_per_card": 1,
                "num_workers": min(2, s.num_workers),
            },
        },
        "profiler_options": None,
    }


def build_config(s: TrainSettings) -> dict[str, Any]:
    return rec_config(s) if s.kind == "rec" else det_config(s)


def config_text(s: TrainSettings, header: Sequence[str] = ()) -> str:
    upstream = REC_UPSTREAM if s.kind == "rec" else DET_UPSTREAM
    lines = [*header, f"derived from PaddleOCR {upstream} (see labeler/train/paddleocr_configs.py)"]
    return to_yaml(build_config(s), lines)


# --------------------------------------------------------------------------------------------- YAML writer

_PLAIN = re.compile(r"^[A-Za-z/][A-Za-z0-9_./-]*$")
# Words YAML 1.1 (PyYAML, which PaddleOCR uses) reads as booleans or null: always quoted.
_RESERVED = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\0": "\\0"}


def _printable(c: str) -> bool:
    """YAML's printable set (PyYAML rejects the rest even inside quotes)."""
    o = ord(c)
    return (
        0x20 <= o <= 0x7E or o == 0x85 or 0xA0 <= o <= 0xD7FF or 0xE000 <= o <= 0xFFFD or 0x10000 <= o <= 0x10FFFF
    ) and o != 0xFEFF


def _quote(text: str) -> str:
    out = []
    for c in text:
        if c in _ESCAPES:
            out.append(_ESCAPES[c])
        elif _printable(c):
            out.append(c)
        elif ord(c) <= 0xFF:
            out.append(f"\\x{ord(c):02X}")
        elif ord(c) <= 0xFFFF:
            out.append(f"\\u{ord(c):04X}")
        else:
            out.append(f"\\U{ord(c):08X}")
    return '"' + "".join(out) + '"'


def _string(text: str) -> str:
    return text if _PLAIN.match(text) and text.lower() not in _RESERVED else _quote(text)


def _float(value: float) -> str:
    if math.isnan(value):
        return ".nan"
    if math.isinf(value):
        return ".inf" if value > 0 else "-.inf"
    mantissa, _, exponent = repr(value).partition("e")
    if "." not in mantissa:
        mantissa += ".0"  # PyYAML reads 1e-05 as a string: its float pattern needs a dot
    if exponent and exponent[0] not in "+-":
        exponent = "+" + exponent
    return f"{mantissa}e{exponent}" if exponent else mantissa


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, (str, Path)):
        return _string(str(value))
    raise TypeError(f"cannot write {type(value).__name__} as YAML")


def _is_flow(value: Any) -> bool:
    """Lists of scalars (or of such lists) go on one line: [320, 32]."""
    return isinstance(value, (list, tuple)) and all(
        not isinstance(v, (Mapping, list, tuple)) or (isinstance(v, (list, tuple)) and _is_flow(v)) for v in value
    )


def _flow(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    return _scalar(value)


def _inline(value: Any) -> str | None:
    """The value's one-line form, or None when it needs a block."""
    if isinstance(value, Mapping):
        return "{}" if not value else None
    if isinstance(value, (list, tuple)):
        return _flow(value) if _is_flow(value) else None
    return _scalar(value)


def _block(value: Any, indent: int) -> list[str]:
    pad = " " * indent
    lines: list[str] = []
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"YAML keys must be strings, got {key!r}")
            one_line = _inline(item)
            if one_line is not None:
                lines.append(f"{pad}{_string(key)}: {one_line}")
            else:
                lines.append(f"{pad}{_string(key)}:")
                lines += _block(item, indent + 2)
        return lines
    for item in value:
        one_line = _inline(item)
        if one_line is not None:
            lines.append(f"{pad}- {one_line}")
        else:
            inner = _block(item, indent + 2)
            lines.append(f"{pad}- {inner[0][indent + 2 :]}")
            lines += inner[1:]
    return lines


def to_yaml(data: Mapping[str, Any], comments: Sequence[str] = ()) -> str:
    """Deterministic block YAML of dicts / lists / scalars (key order kept), readable by PyYAML's loaders."""
    head = [f"# {c}" if c else "#" for line in comments for c in line.splitlines() or [""]]
    return "\n".join(head + _block(data, 0)) + "\n"
