"""PPOCRLabel's Cache.cach (pre-labels of unconfirmed images), updated in place and saved atomically.

Lines of images we do not touch, including malformed ones, are written back exactly as read.
"""

from __future__ import annotations

from pathlib import Path

from labeler.core.atomic import atomic_write_text
from labeler.core.errors import LabelFormatError
from labeler.core.model import TextRegion
from labeler.core.ppocrlabel_format import format_label_line, read_label_file

CACHE_NAME = "Cache.cach"


class PrelabelCache:
    """Ordered key -> raw line map of a Cache.cach; `set` replaces or appends, `save` is atomic."""

    def __init__(self, path: Path, lines: list[tuple[str | None, str]], errors: list[LabelFormatError]):
        self.path = path
        self._lines = lines  # (key or None for an unparseable line, raw text)
        # Indexed by file name: keys written under an old folder name still match (moved folders).
        self._index = {_name(key): i for i, (key, _) in enumerate(lines) if key is not None}
        self.errors = errors
        self.dirty = False

    @classmethod
    def open(cls, folder: str | Path) -> "PrelabelCache":
        path = Path(folder) / CACHE_NAME
        if not path.exists():
            return cls(path, [], [])
        content = read_label_file(path)
        # Interleave good and bad lines back in file order by their line numbers.
        numbered = [(ln.line_no or 0, ln.key, ln.raw or "") for ln in content.lines]
        numbered += [(err.line or 0, None, raw) for err, raw in zip(content.errors, content.bad_raw_lines)]
        numbered.sort(key=lambda t: t[0])
        return cls(path, [(key, raw) for _, key, raw in numbered], content.errors)

    def __contains__(self, key: str) -> bool:
        return _name(key) in self._index

    def set(self, key: str, regions: list[TextRegion]) -> None:
        line = format_label_line(key, regions)
        if _name(key) in self._index:
            self._lines[self._index[_name(key)]] = (key, line)
        else:
            self._index[_name(key)] = len(self._lines)
            self._lines.append((key, line))
        self.dirty = True

    def save(self) -> None:
        text = "".join(raw + "\n" for _, raw in self._lines)
        atomic_write_text(self.path, text)
        self.dirty = False


def _name(key: str) -> str:
    return key.replace("\\", "/").rsplit("/", 1)[-1]
