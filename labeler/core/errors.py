"""Typed errors. Each names the file (and line) it is about, so a user can find and fix it."""

from __future__ import annotations

from pathlib import Path


class LabelerError(Exception):
    """Base of every error this package raises on purpose."""


class FileError(LabelerError):
    """Something is wrong with one file; `path` (and `line`, 1-based, when known) say where."""

    def __init__(self, path: str | Path, message: str, line: int | None = None):
        self.path = str(path)
        self.line = line
        self.reason = message
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {message}")


class ImageReadError(FileError):
    """An image file is missing, unreadable, corrupt, truncated or not an image."""


class LabelFormatError(FileError):
    """A line of a label file (Label.txt, Cache.cach, ...) is malformed."""


class ModelError(LabelerError):
    """A model set is missing, incomplete or fails its checksum."""
