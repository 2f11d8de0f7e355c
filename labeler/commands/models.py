"""`labeler models [list|check|register]`: the model sets this installation knows."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from labeler.commands._common import require_file, resolve_models
from labeler.core.errors import ModelError, UsageError
from labeler.ocr.registry import (
    MANIFEST_NAME,
    available_sets,
    bundled_models_dir,
    bundled_set_names,
    model_set_problems,
    register_model_set,
    set_name_problem,
    user_models_dir,
)


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("models", help="list, check or register OCR model sets", description=__doc__)
    msub = p.add_subparsers(dest="models_command", metavar="ACTION")
    msub.add_parser("list", help="bundled and registered model sets (default)")
    c = msub.add_parser(
        "check",
        help="verify a set: files inside its folder, sha256 of models and dictionary, "
        "dictionary size against the recognizer's classes",
    )
    c.add_argument("name", nargs="?", default="default")
    r = msub.add_parser("register", help="register a custom set (e.g. PaddleOCR export + paddle2onnx)")
    r.add_argument(
        "name",
        help="a plain name (no /, \\, .., leading '.'); files outside the bundled folder are "
        "copied into the set's own folder",
    )
    r.add_argument("--det", type=Path, required=True, help="detection ONNX file")
    r.add_argument("--rec", type=Path, required=True, help="recognition ONNX file")
    r.add_argument(
        "--dict",
        type=Path,
        help="recognizer dictionary (one character per line); "
        "default: the 'character' metadata inside the rec ONNX file",
    )
    r.add_argument("--cls", type=Path, help="direction classifier ONNX (default: the bundled one)")
    r.add_argument(
        "--force",
        action="store_true",
        help="replace a set already registered under NAME, or take the name of a bundled set or alias",
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    action = args.models_command or "list"
    if action == "register":
        _check_register_args(args)
        manifest = register_model_set(args.name, args.det, args.rec, args.dict, args.cls, force=args.force)
        print(f"registered '{args.name}': {manifest}\nuse it with --models {args.name}")
        if (bundled_models_dir() / args.name / "manifest.json").is_file():
            print(
                f"note: the bundled set '{args.name}' is still what --models {args.name} loads; "
                f"use --models {manifest.parent} for this one",
                file=sys.stderr,
            )
        return 0
    if action == "check":
        return _check(args.name)
    for s in available_sets():
        aliases = f" ({', '.join(s.aliases)})" if s.aliases else ""
        print(f"{s.name}{aliases}: {s.description}\n    {s.folder}")
    return 0


def _check_register_args(args: argparse.Namespace) -> None:
    """What is wrong with the command line itself (exit 2), before the registry reads any model file:
    a name that cannot be used or needs --force, a file argument that is missing or a folder."""
    problem = set_name_problem(args.name)
    if problem is not None:
        raise UsageError(f"cannot register {args.name!r}: {problem}")
    shadowed = {n for n in bundled_set_names() if n.casefold() == args.name.casefold()}
    if shadowed and not args.force:
        raise UsageError(
            f"cannot register '{args.name}': it is the name of a bundled set or alias "
            f"({', '.join(sorted(shadowed))}); choose another name, or pass --force to shadow it"
        )
    existing = user_models_dir() / args.name / MANIFEST_NAME
    if existing.exists() and not args.force:
        raise UsageError(
            f"cannot register '{args.name}': a set of that name is already registered "
            f"({existing.parent}); pass --force to replace it"
        )
    for option, path in (("--det", args.det), ("--rec", args.rec), ("--dict", args.dict), ("--cls", args.cls)):
        if path is not None:
            require_file(path, option)


def _check(name: str) -> int:
    """Every problem of the set, one per line (a manifest naming files outside its folder stops at loading)."""
    from labeler.ocr.model_checks import class_count_error, declared_classes, dictionary_classes, probe_rec_classes

    model_set = resolve_models(name)
    problems = model_set_problems(model_set)
    if not problems:
        classes, metadata = declared_classes(model_set.rec.path)
        wanted = dictionary_classes(model_set, metadata)
        how = "declared by the model file"
        if classes is None:  # symbolic in the file: only a run tells
            classes, how = probe_rec_classes(model_set), "from one test inference (the file leaves it open)"
            if classes != wanted.classes:
                problems.append(
                    class_count_error(model_set.rec.path, classes, wanted.source, wanted.classes, wanted.detail())
                )
    if problems:
        for problem in problems:
            print(f"labeler models check: error: {problem}", file=sys.stderr)
        raise ModelError(f"set '{model_set.name}' ({model_set.folder}): {len(problems)} problem(s), listed above")
    print(
        f"{model_set.name}: all {len(model_set.files())} files match their sha256"
        + (", and so does the dictionary" if model_set.rec.dict_sha256 else "")
    )
    print(
        f"{model_set.name}: the dictionary gives {wanted.classes} classes ({wanted.detail()}), "
        f"the recognizer {classes} ({how})"
    )
    return 0
