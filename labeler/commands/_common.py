"""What the subcommands share: option types that reject bad values as usage errors (exit 2; core/arg_types.py),
path checks, the OCR model options."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from labeler.core.arg_types import fraction, non_negative_int, positive_float, positive_int, split_ratios
from labeler.core.errors import ModelError, UsageError


def require_folder(path: Path, what: str = "") -> None:
    """A folder argument that is missing or a file is a usage error, checked before any work."""
    label = f"{what} {path}" if what else str(path)
    if not path.exists():
        raise UsageError(f"{label}: not a folder (nothing is there)")
    if not path.is_dir():
        raise UsageError(f"{label}: not a folder (a file is there)")


def require_file(path: Path, what: str = "") -> None:
    """A file argument that is missing or a folder is a usage error; one that cannot be read is a failure later."""
    label = f"{what} {path}" if what else str(path)
    if not path.exists():
        raise UsageError(f"{label}: no such file")
    if path.is_dir():
        raise UsageError(f"{label}: is a folder, not a file")


def resolve_models(ref: str):
    """The model set `ref` names. A name nobody registered, or a path that does not exist, is a usage error;
    a set that exists but is broken (bad manifest, missing files) stays a ModelError, a failure."""
    from labeler.ocr.registry import MANIFEST_NAME, bundled_models_dir, resolve_model_set, user_models_dir

    try:
        return resolve_model_set(ref)
    except ModelError as exc:
        # The registry names nothing of that name: the same test it makes before "unknown model set".
        named = Path(ref).expanduser().exists() or any(
            (root / ref / MANIFEST_NAME).is_file() for root in (bundled_models_dir(), user_models_dir())
        )
        if not named:
            raise UsageError(str(exc)) from None
        raise


def add_model_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--models",
        default=os.environ.get("LABELER_MODELS", "default"),
        metavar="NAME|PATH",
        help="model set: 'default' (PP-OCRv6 small), 'light' (PP-OCRv4 mobile), a registered name, "
        "or a folder with a manifest.json / det+rec .onnx files (default: %(default)s)",
    )
    parser.add_argument(
        "--threads", type=positive_int, default=2, metavar="N", help="CPU threads for inference, 1 or more (default: 2)"
    )
    parser.add_argument("--no-cls", action="store_true", help="skip the 180-degree direction classifier")


def make_pipeline(args: argparse.Namespace):
    from labeler.ocr.pipeline import OcrPipeline, PipelineOptions

    # Headless runs own the cores: let inference threads spin between operators.
    options = PipelineOptions(threads=args.threads, use_cls=not args.no_cls, spin_threads=True)
    return OcrPipeline(resolve_models(args.models), options)


__all__ = [
    "add_model_options",
    "fraction",
    "make_pipeline",
    "non_negative_int",
    "positive_float",
    "positive_int",
    "require_file",
    "require_folder",
    "resolve_models",
    "split_ratios",
]
