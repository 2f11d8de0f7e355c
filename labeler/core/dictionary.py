"""Recognizer dictionaries in PaddleOCR's format: UTF-8, one character per line.

PaddleOCR reads a dictionary line by line, stripping only the line break, and adds the space itself
when `use_space_char: true` (all PP-OCR configs). So the space is never written to the file when
use_space_char is on, and a line holding a single space stands for it when it is off.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from labeler.core.errors import DictionaryError


@dataclass
class MissingCharsReport:
    """Characters of the exported texts that the recognizer's dictionary lacks (PaddleOCR skips them)."""

    dict_path: str
    dict_size: int
    missing: dict[str, int] = field(default_factory=dict)  # character -> occurrences, most frequent first
    texts_affected: int = 0  # exported texts with at least one missing character

    def to_json(self) -> dict:
        return {
            "dict_path": self.dict_path,
            "dict_size": self.dict_size,
            "missing_count": len(self.missing),
            "missing": [{"char": c, "codepoint": f"U+{ord(c):04X}", "count": n} for c, n in self.missing.items()],
            "texts_affected": self.texts_affected,
        }


def count_chars(texts: Iterable[str]) -> Counter[str]:
    """Occurrences of each character (code point, as PaddleOCR iterates text)."""
    counter: Counter[str] = Counter()
    for text in texts:
        counter.update(text)
    return counter


def format_dict(chars: Iterable[str], use_space_char: bool = True) -> str:
    """The dictionary file's text: sorted by code point, one per line, trailing newline."""
    unique = sorted(set(chars))
    if use_space_char:
        unique = [c for c in unique if c != " "]
    return "".join(f"{c}\n" for c in unique)


def read_dict(path: str | Path, use_space_char: bool = True) -> set[str]:
    """The characters a PaddleOCR dictionary file covers (plus the space when use_space_char)."""
    chars = set(read_dict_lines(path))
    if use_space_char:
        chars.add(" ")
    return chars


def read_dict_lines(path: str | Path) -> list[str]:
    """The dictionary's entries in file order (empty lines left out)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DictionaryError(path, f"cannot read dictionary ({exc.strerror or exc})") from None
    chars: list[str] = []
    # Split on b"\n" like PaddleOCR's readlines() on a binary file; strip the line break only.
    for line_no, raw in enumerate(data.split(b"\n"), start=1):
        try:
            line = raw.decode("utf-8").rstrip("\r")
        except UnicodeDecodeError as exc:
            raise DictionaryError(path, f"not UTF-8 (byte {exc.start})", line_no) from None
        if line:
            chars.append(line)
    return chars


def missing_chars(texts: Iterable[str], dict_path: str | Path, use_space_char: bool = True) -> MissingCharsReport:
    """Which characters of `texts` the dictionary at dict_path lacks, with counts."""
    entries = read_dict_lines(dict_path)
    known = set(entries) | ({" "} if use_space_char else set())
    missing: Counter[str] = Counter()
    affected = 0
    for text in texts:
        absent = [c for c in text if c not in known]
        if absent:
            affected += 1
            missing.update(absent)
    ordered = dict(sorted(missing.items(), key=lambda kv: (-kv[1], kv[0])))
    return MissingCharsReport(
        dict_path=str(dict_path),
        dict_size=len(entries),
        missing=ordered,
        texts_affected=affected,
    )
