"""The `labeler` command: the GUI by default, or one of the headless subcommands."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys

from labeler import __version__
from labeler.core.errors import EXIT_FAILURE, LabelerError, exit_status
from labeler.core.logs import setup_logging, where_to_look

log = logging.getLogger(__name__)

# Each name is a module in labeler.commands with add_parser(subparsers) and run(args) -> int.
COMMANDS = ("ocr", "prelabel", "confirm", "eval", "models", "convert", "export", "train")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="labeler",
        description="Semi-automatic OCR annotation: pre-label, correct, export PaddleOCR training data.",
    )
    parser.add_argument("--version", action="version", version=f"labeler {__version__}")
    desktop = parser.add_mutually_exclusive_group()
    desktop.add_argument(
        "--install-desktop",
        action="store_true",
        help="add labeler to this user's application menu (desktop entry and icon) and exit",
    )
    desktop.add_argument("--uninstall-desktop", action="store_true", help="remove what --install-desktop added")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"labeler.commands.{name}").add_parser(sub)
    return parser


# What a shell reports for a program a closed pipe stopped (128 + SIGPIPE), as for cat or grep under `| head`.
EXIT_BROKEN_PIPE = 141


def _stdout_closed() -> int:
    """stdout's reader is gone: stop quietly. stdout now points at /dev/null so the flush at exit cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # no real file behind sys.stdout (a test's capture): nothing left to flush
        pass
    return EXIT_BROKEN_PIPE


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    setup_logging()
    if not argv or (len(argv) == 1 and not argv[0].startswith("-") and argv[0] not in COMMANDS):
        # `labeler [DIR]`: the labelling window (`labeler prelabel DIR --show` is the headless way).
        from labeler.ui.app import run_gui

        return run_gui(argv[0] if argv else None)
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.install_desktop or args.uninstall_desktop:
        from labeler.core.desktop_entry import run_desktop_option

        return run_desktop_option(install_entry=args.install_desktop)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        status = int(args.run(args) or 0)
        sys.stdout.flush()  # a reader gone away (`| head`) shows here, not as a traceback at interpreter exit
        return status
    except BrokenPipeError:
        return _stdout_closed()
    except LabelerError as exc:
        print(f"labeler {args.command}: error: {exc}", file=sys.stderr)
        return exit_status(exc)
    except OSError as exc:  # a disk error no command foresaw: a failure with its message, not a traceback
        log.error("labeler %s failed", args.command, exc_info=exc)
        print(f"labeler {args.command}: error: {exc} ({where_to_look()})", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        print(f"labeler {args.command}: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug: one line here, the traceback in the log for the report
        log.critical("labeler %s crashed", args.command, exc_info=exc)
        print(f"labeler {args.command}: internal error: {exc!r} ({where_to_look()})", file=sys.stderr)
        return EXIT_FAILURE
