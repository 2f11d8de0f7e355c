"""`labeler export PROJECT_DIR --out OUT`: confirmed images -> PaddleOCR det / rec / KIE training data."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from labeler.commands._common import positive_float, positive_int, require_file, require_folder
from labeler.core.errors import SplitSpecError, UsageError
from labeler.core.export import ExportOptions, export_dataset, load_confirmed_records
from labeler.core.extras import require_extra
from labeler.core.split import SplitRatios, parse_split
from labeler.core.table_export import TableExportOptions, export_tables
from labeler.core.table_format import BOX_FORMATS, TABLES_EXTRA

DEFAULT_DICT_SET = "ppocrv6-small"  # the bundled default model set, whose dictionary the report checks against


def add_parser(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "export",
        help="export confirmed labels as PaddleOCR training data (det, rec crops, dictionary, KIE, splits)",
        description="Export the confirmed images of a PPOCRLabel folder into OUT: images/, det/, rec/ (crops, "
        "lists, dict.txt), kie/ and report.json. Every list path is relative to OUT, so a PaddleOCR config "
        "uses data_dir: OUT and label_file_list: [OUT/det/train.txt] (or rec/train.txt).",
    )
    parser.add_argument("project", metavar="PROJECT_DIR", type=Path, help="image folder holding Label.txt")
    parser.add_argument(
        "--out",
        required=True,
        type=Path,
        help="output folder: new, empty, or an earlier export, which is replaced as a whole only "
        "once the new export is complete (a killed or failed export leaves it as it was)",
    )
    parser.add_argument("--split", default="8:1:1", type=_split, help="train:val:test ratios (default 8:1:1)")
    parser.add_argument("--seed", default=0, type=int, help="split seed (default 0)")
    parser.add_argument("--rec-max-len", default=25, type=positive_int, help="PaddleOCR max_text_length (default 25)")
    parser.add_argument("--keep-long", action="store_true", help="keep texts longer than --rec-max-len")
    parser.add_argument(
        "--dict",
        dest="dict_path",
        type=Path,
        default=None,
        help="recognizer dictionary to report missing characters against "
        f"(default: the bundled {DEFAULT_DICT_SET} dictionary, if present)",
    )
    parser.add_argument(
        "--vertical",
        choices=("ccw", "cw", "keep"),
        default="ccw",
        help="turn crops at least --vertical-ratio times taller than wide: counter-clockwise "
        "(PaddleOCR's rule, default), clockwise, or keep them",
    )
    parser.add_argument("--vertical-ratio", type=positive_float, default=1.5, help="height/width ratio for --vertical")
    parser.add_argument("--crop-format", choices=("jpg", "png"), default="jpg", help="crop files (default jpg, q95)")
    parser.add_argument(
        "--images",
        choices=("copy", "link"),
        default="copy",
        help="put images into OUT as copies (default) or hard links",
    )
    parser.add_argument(
        "--kie",
        choices=("auto", "yes", "no"),
        default="auto",
        help="write KIE (SER/RE) labels: auto = when regions have key classes",
    )
    parser.add_argument(
        "--include-unconfirmed",
        action="store_true",
        help="also export pre-labelled images (Cache.cach: OCR output nobody checked)",
    )
    parser.add_argument("--workers", type=positive_int, default=None, help="worker processes (default: cores, max 8)")
    parser.add_argument(
        "--tables",
        metavar="TABLES_OUT",
        type=Path,
        default=None,
        help="also export the tables (.labeler/tables) as PaddleOCR table data, HTML (and .xlsx) into TABLES_OUT, "
        "split as the det / rec lists are",
    )
    parser.add_argument(
        "--tables-xlsx", action="store_true", help="with --tables: an .xlsx per image too (needs labeler[tables])"
    )
    parser.add_argument(
        "--tables-box-format",
        choices=BOX_FORMATS,
        default="xyxy",
        help="with --tables: cell boxes as x0,y0,x1,y1 (SLANet, default) or four corners (SLANet_ch, loc_reg_num 8)",
    )
    parser.set_defaults(run=run)
    return parser


def _split(spec: str) -> SplitRatios:
    try:
        return parse_split(spec)
    except SplitSpecError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _default_dict() -> Path | None:
    try:
        from labeler.ocr.registry import bundled_models_dir

        models = bundled_models_dir()
    except ImportError:
        models = Path(__file__).resolve().parents[2] / "models"
    path = models / DEFAULT_DICT_SET / "dict.txt"
    return path if path.is_file() else None


def _progress(done: int, total: int) -> None:
    if sys.stderr.isatty():
        print(f"\rexporting images: {done}/{total}", end="" if done < total else "\n", file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    require_folder(args.project, "PROJECT_DIR")  # usage errors (exit 2) before anything starts
    if args.dict_path is not None:
        require_file(args.dict_path, "--dict")
    dict_path = args.dict_path if args.dict_path is not None else _default_dict()
    options = ExportOptions(
        split=args.split,
        seed=args.seed,
        rec_max_len=args.rec_max_len,
        keep_long=args.keep_long,
        vertical=args.vertical,
        vertical_ratio=args.vertical_ratio,
        crop_format=args.crop_format,
        images=args.images,
        dict_path=str(dict_path) if dict_path else None,
        kie={"auto": None, "yes": True, "no": False}[args.kie],
        include_unconfirmed=args.include_unconfirmed,
        workers=args.workers,
    )
    if args.tables is not None and args.tables.resolve() == args.out.resolve():
        raise UsageError(f"--tables must name another folder than --out ({args.out})")
    if args.tables is not None and args.tables_xlsx:
        require_extra(TABLES_EXTRA)  # before anything is written
    records, errors = load_confirmed_records(args.project, include_unconfirmed=options.include_unconfirmed)
    report = export_dataset(records, args.project, args.out, options, progress=_progress, input_errors=errors)
    for line in report.summary_lines():
        print(line)
    print(f"written to {args.out} in {report.seconds:.1f} s (details: {args.out / 'report.json'})")
    for kind, overrides in report.paddleocr.items():
        print(f"PaddleOCR {kind}: " + " ".join(overrides))
    if args.tables is not None:
        tables = export_tables(
            records,
            args.project,
            args.tables,
            TableExportOptions(options, xlsx=args.tables_xlsx, box_format=args.tables_box_format),
        )
        counts = ", ".join(f"{n} {name}" for name, n in tables.tables.items())
        print(f"tables: {counts} from {tables.images} images, written to {args.tables}")
        for line in tables.skipped:
            print(f"table skipped: {line}")
        if tables.extra_tokens:
            print(
                f"PaddleOCR table: Global.character_dict_path={args.tables / 'table_structure_dict.txt'} "
                f"(the default dict lacks {', '.join(t.strip() for t in tables.extra_tokens)})"
            )
    return 0
