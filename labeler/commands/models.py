"""`labeler models [list|check|register]`: the model sets this installation knows."""

from __future__ import annotations

import argparse
from pathlib import Path

from labeler.ocr.registry import available_sets, register_model_set, resolve_model_set, verify_model_set


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("models", help="list, check or register OCR model sets", description=__doc__)
    msub = p.add_subparsers(dest="models_command", metavar="ACTION")
    msub.add_parser("list", help="bundled and registered model sets (default)")
    c = msub.add_parser("check", help="verify a set's files against their sha256")
    c.add_argument("name", nargs="?", default="default")
    r = msub.add_parser("register", help="register a custom set (e.g. PaddleOCR export + paddle2onnx)")
    r.add_argument("name")
    r.add_argument("--det", type=Path, required=True, help="detection ONNX file")
    r.add_argument("--rec", type=Path, required=True, help="recognition ONNX file")
    r.add_argument("--dict", type=Path, help="recognizer dictionary (one character per line); "
                   "default: the 'character' metadata inside the rec ONNX file")
    r.add_argument("--cls", type=Path, help="direction classifier ONNX (default: the bundled one)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    action = args.models_command or "list"
    if action == "register":
        manifest = register_model_set(args.name, args.det, args.rec, args.dict, args.cls)
        print(f"registered '{args.name}': {manifest}\nuse it with --models {args.name}")
        return 0
    if action == "check":
        model_set = resolve_model_set(args.name)
        verify_model_set(model_set)
        print(f"{model_set.name}: all {len(model_set.files())} files match their sha256")
        return 0
    for s in available_sets():
        aliases = f" ({', '.join(s.aliases)})" if s.aliases else ""
        print(f"{s.name}{aliases}: {s.description}\n    {s.folder}")
    return 0
