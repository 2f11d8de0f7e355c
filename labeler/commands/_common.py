"""Options shared by the OCR subcommands."""

from __future__ import annotations

import argparse
import os


def add_model_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--models",
        default=os.environ.get("LABELER_MODELS", "default"),
        metavar="NAME|PATH",
        help="model set: 'default' (PP-OCRv6 small), 'light' (PP-OCRv4 mobile), a registered name, "
        "or a folder with a manifest.json / det+rec .onnx files (default: %(default)s)",
    )
    parser.add_argument("--threads", type=int, default=2, metavar="N", help="CPU threads for inference (default: 2)")
    parser.add_argument("--no-cls", action="store_true", help="skip the 180-degree direction classifier")


def make_pipeline(args: argparse.Namespace):
    from labeler.ocr.pipeline import OcrPipeline, PipelineOptions

    # Headless runs own the cores: let inference threads spin between operators.
    options = PipelineOptions(threads=args.threads, use_cls=not args.no_cls, spin_threads=True)
    return OcrPipeline(args.models, options)
