"""Typed errors. Each names the file (and line) it is about, so a user can find and fix it."""

from __future__ import annotations

from pathlib import Path


class LabelerError(Exception):
    """Base of every error this package raises on purpose."""


class Cancelled(Exception):
    """Work stopped because it was asked to (a cancel button, SIGTERM / SIGINT, should_stop()); nothing was kept.

    Not a LabelerError: a cancel is no failure (`labeler train` exits 130 for it, never 1 or 2).
    """


class FileError(LabelerError):
    """Something is wrong with one file; `path` (and `line`, 1-based, when known) say where."""

    def __init__(self, path: str | Path, message: str, line: int | None = None):
        self.path = str(path)
        self.line = line
        self.reason = message
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {message}")


class UnusableFileNameError(FileError):
    """An image whose name cannot be written into PPOCRLabel's tab-separated UTF-8 files; it is left out."""


class ImageReadError(FileError):
    """An image file is missing, unreadable, corrupt, truncated or not an image."""


class LabelFormatError(FileError):
    """A line of a label file (Label.txt, Cache.cach, ...) is malformed.

    `key`: the line's image key (the text before its tab) when that much could be read, else None; it tells
    which image the bad line was about (core.problems).
    """

    key: str | None = None


class ModelError(LabelerError):
    """A model set is missing, incomplete or fails its checksum."""


class ExportError(LabelerError):
    """A training-data export cannot start or finish (bad output folder, bad options)."""


class SplitSpecError(ExportError, ValueError):
    """A train:val:test split like '8:1:1' that cannot be parsed."""


class DictionaryError(FileError):
    """A recognizer dictionary file (one character per line) is missing or unreadable."""


class InterchangeFormatError(LabelFormatError):
    """A PAGE-XML, labelme, Label Studio or ICDAR file is malformed; `line` is its (XML element's) line when known."""


class UsageError(LabelerError):
    """The command line is wrong and nothing was done: a bad option value, an unknown name (format, model set,
    version), a path argument that does not exist or is of the wrong kind, or a refusal an option lifts (--force).
    The CLI exits 2 for it, as argparse does for its own errors; every other LabelerError is a failure (exit 1)."""


class UnsupportedConversionError(UsageError):
    """An unknown format name, or a direction a format does not support."""


class NoLabelsFoundError(LabelerError):
    """A conversion read nothing: `path` holds no labels in format `fmt` (`why` may say what was looked for)."""

    def __init__(self, path: str | Path, fmt: str, why: str = ""):
        self.path, self.fmt = str(path), fmt
        super().__init__(f"no labels found in {self.path} for format {fmt}" + (f" ({why})" if why else ""))


EXIT_FAILURE = 1  # the work could not be done (unreadable file, OCR or disk error), or only partly
EXIT_USAGE = 2  # the command line is wrong (UsageError, argparse's own errors)


def exit_status(error: LabelerError) -> int:
    """The CLI's exit status for an error: 2 for a usage error, 1 for any other failure."""
    return EXIT_USAGE if isinstance(error, UsageError) else EXIT_FAILURE
