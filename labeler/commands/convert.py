"""`labeler convert --from FMT --to FMT IN OUT`: convert labels between interchange formats.

Formats: ppocrlabel (a Label.txt, or the folder holding it), page (a folder of PAGE-XML 2019 files),
alto (a folder of ALTO files: 4.4 written, any version read), labelstudio (one JSON file of tasks, OCR template),
labelme (a folder of labelme JSON files; labelme opens one only beside its image, so write them into the
image folder), icdar2015 (a folder of gt_<stem>.txt files; --icdar-style
official writes them with a BOM and CRLF like the official ICDAR 2015 files). Per-image files
mirror the images' subfolders and name the image by its file name, so writing them into the image
folder lines them up with the images. Lossy mappings are reported as warnings, never silently.

Confirmed labels and pre-labels (OCR output nobody checked) stay apart: ppocrlabel (Label.txt vs
Cache.cach), page and labelstudio (annotations vs predictions) keep the difference; alto, labelme and
icdar2015 cannot, so pre-labelled images are left out of them (reported) unless --include-unconfirmed.
A Label Studio export that lists predictions by id only is reported with the export option to use.

Existing label files are never overwritten silently: when any file OUT would replace exists, nothing is
written and the command fails (status 2) naming them. With --force they are replaced, each first backed
up to .labeler/backups/<YYYYmmdd-HHMMSS>/ in the output folder (OUT itself for the per-image formats, the
folder of OUT's file for ppocrlabel and labelstudio), at its own relative path: restore a run with
`cp -a .labeler/backups/<time>/. .` there. Every file of one run is written, or none is. A Label.txt is
written with the fileState.txt beside it listing the same images, under the folder's write lock.

Exit status: 0 converted; 2 the command line is wrong (unknown format, IN missing or of the
wrong kind, OUT of the wrong kind, --images not a folder, --icdar-style unknown or not for icdar2015,
files in the way without --force), nothing
written; 1 the conversion failed (a malformed or unreadable input, no labels found in IN, icdar2015 images
not found to name them, a write error), nothing written.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from labeler.core.errors import UsageError
from labeler.core.formats import FORMAT_NAMES, ICDAR_STYLES, READABLE, OverwriteRefusedError, convert

MAX_WARNINGS_SHOWN = 20


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    parser = sub.add_parser(
        "convert",
        help="convert labels between PPOCRLabel, PAGE-XML, ALTO, Label Studio, labelme and ICDAR 2015",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    # Checked in run() rather than by argparse choices, so "alto can't be read" gets its own clear message.
    parser.add_argument("--from", dest="src_format", required=True, metavar="FMT", help=", ".join(READABLE))
    parser.add_argument("--to", dest="dst_format", required=True, metavar="FMT", help=", ".join(FORMAT_NAMES))
    parser.add_argument("src", type=Path, metavar="IN", help="input file or folder (see above)")
    parser.add_argument("dst", type=Path, metavar="OUT", help="output file or folder (see above)")
    parser.add_argument(
        "--images",
        type=Path,
        metavar="DIR",
        help="folder of the images, to read their sizes and (icdar2015) their file names, extension included: "
        "icdar2015 input needs it unless the images lie next to the gt files (default: next to IN)",
    )
    parser.add_argument(
        "--image-url-prefix",
        default="",
        metavar="PREFIX",
        help="labelstudio: prefix of image URLs, e.g. '/data/local-files/?d=images/' (stripped on import)",
    )
    parser.add_argument(
        "--icdar-style",
        default="plain",
        metavar="STYLE",
        help=f"icdar2015 output: {' or '.join(ICDAR_STYLES)} (default plain: UTF-8, LF); official: a UTF-8 BOM and "
        "CRLF line ends, like the official ICDAR 2015 ground-truth files",
    )
    parser.add_argument(
        "--include-unconfirmed",
        action="store_true",
        help="alto, labelme, icdar2015 output: also write pre-labelled images (OCR output nobody checked), "
        "which these formats cannot mark as such; ppocrlabel, page and labelstudio keep them as pre-labels anyway",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="replace existing output files; each is first backed up to .labeler/backups/<time>/ in the output folder",
    )
    parser.add_argument("-q", "--quiet", action="store_true", help="print warnings only as a count")
    parser.set_defaults(run=run)
    return parser


def run(args: argparse.Namespace) -> int:
    try:
        result = convert(
            args.src_format,
            args.dst_format,
            args.src,
            args.dst,
            image_dir=args.images,
            image_url_prefix=args.image_url_prefix,
            force=args.force,
            icdar_style=args.icdar_style,
            include_unconfirmed=args.include_unconfirmed,
        )
    except OverwriteRefusedError as exc:  # --force lifts it: the command line's to fix, like any usage error
        raise UsageError(str(exc)) from None
    shown = 0 if args.quiet else MAX_WARNINGS_SHOWN
    for message in result.warnings[:shown]:
        print(f"labeler convert: warning: {message}", file=sys.stderr)
    if len(result.warnings) > shown:
        print(f"labeler convert: {len(result.warnings) - shown} more warning(s)", file=sys.stderr)
    print(
        f"converted {result.images} image(s), {result.regions} region(s) "
        f"from {args.src_format} to {args.dst_format}: {args.dst}"
    )
    if result.replaced:
        print(f"replaced {len(result.replaced)} existing file(s); their old versions are in {result.backup_dir}")
    return 0
