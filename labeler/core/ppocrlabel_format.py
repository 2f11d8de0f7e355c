"""PPOCRLabel's line format (Label.txt, Cache.cach): `<key>\\t<JSON list of regions>`.

Parsed as JSON only, never eval: PPOCRLabel's eval-based reader corrupts text like "true"
and executes crafted files.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from labeler.core.errors import LabelFormatError
from labeler.core.model import TextRegion

KNOWN_REGION_KEYS = ("transcription", "points", "difficult", "key_cls", "score", "id", "linking", "locked")


@dataclass
class LabelLine:
    """One parsed line: the image key and its regions; `raw` is the line as read (for byte-identical saves)."""

    key: str
    regions: list[TextRegion]
    raw: str | None = None
    line_no: int | None = None


@dataclass
class LabelFileContent:
    """A whole label file: good lines in order, plus the errors of the bad lines (kept raw)."""

    lines: list[LabelLine] = field(default_factory=list)
    errors: list[LabelFormatError] = field(default_factory=list)
    bad_raw_lines: list[str] = field(default_factory=list)

    def by_key(self) -> dict[str, list[TextRegion]]:
        # Later lines win, as in PPOCRLabel.
        return {line.key: line.regions for line in self.lines}


def image_key(image_path: str | Path) -> str:
    """PPOCRLabel's key: the image's folder name + '/' + its file name."""
    p = Path(image_path)
    return f"{p.parent.name}/{p.name}"


def _region_from_json(obj: object, path: str | Path, line_no: int | None) -> TextRegion:
    if not isinstance(obj, dict):
        raise LabelFormatError(path, f"region is {type(obj).__name__}, expected an object", line_no)
    points = obj.get("points")
    if not isinstance(points, list) or len(points) < 3:
        raise LabelFormatError(path, "region needs 'points': a list of at least 3 [x, y] pairs", line_no)
    pts = []
    for pt in points:
        if (
            not isinstance(pt, (list, tuple))
            or len(pt) != 2
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in pt)
            or not all(math.isfinite(v) for v in pt)
        ):
            raise LabelFormatError(path, f"bad point {pt!r} in 'points'", line_no)
        pts.append((pt[0], pt[1]))
    text = obj.get("transcription", "")
    if not isinstance(text, str):
        raise LabelFormatError(path, "'transcription' must be a string", line_no)
    score = obj.get("score")
    linking = obj.get("linking", [])
    return TextRegion(
        points=pts,
        transcription=text,
        difficult=bool(obj.get("difficult", False)),
        key_cls=obj.get("key_cls") if isinstance(obj.get("key_cls"), str) else None,
        score=float(score) if isinstance(score, (int, float)) and not isinstance(score, bool) else None,
        id=obj.get("id") if isinstance(obj.get("id"), int) and not isinstance(obj.get("id"), bool) else None,
        linking=linking if isinstance(linking, list) else [],
        locked=bool(obj.get("locked", False)),
        extra={k: v for k, v in obj.items() if k not in KNOWN_REGION_KEYS},
    )


def region_to_json(region: TextRegion, integer_points: bool = False) -> dict:
    """The region as PPOCRLabel writes it; optional keys only when set."""
    if integer_points:
        pts = [[int(round(x)), int(round(y))] for x, y in region.points]
    else:
        pts = [[_num(x), _num(y)] for x, y in region.points]
    obj: dict = {"transcription": region.transcription, "points": pts, "difficult": region.difficult}
    if region.key_cls is not None:
        obj["key_cls"] = region.key_cls
    if region.score is not None:
        obj["score"] = round(float(region.score), 5)
    if region.id is not None:
        obj["id"] = region.id
    if region.linking:
        obj["linking"] = region.linking
    if region.locked:
        obj["locked"] = True
    obj.update(region.extra)
    return obj


def _num(v: float) -> float | int:
    # Keep integers integral so a round trip of an integer file stays identical.
    return int(v) if float(v).is_integer() else round(float(v), 3)


def parse_label_line(line: str, path: str | Path = "<string>", line_no: int | None = None) -> LabelLine:
    """Parse `<key>\\t<JSON>`; raises LabelFormatError naming file and line."""
    text = line.rstrip("\r\n")
    key, sep, payload = text.partition("\t")
    if not sep:
        raise LabelFormatError(path, "no tab between image key and JSON label", line_no)
    if not key:
        raise LabelFormatError(path, "empty image key", line_no)
    try:
        data = json.loads(payload)
    except json.JSONDecodeError as exc:
        raise LabelFormatError(path, f"invalid JSON ({exc.msg} at column {exc.colno + len(key) + 1})", line_no) from None
    if not isinstance(data, list):
        raise LabelFormatError(path, "label must be a JSON list of regions", line_no)
    regions = [_region_from_json(obj, path, line_no) for obj in data]
    return LabelLine(key=key, regions=regions, raw=text, line_no=line_no)


def format_label_line(key: str, regions: list[TextRegion], integer_points: bool = False) -> str:
    """One line without its newline. ensure_ascii=False, as PPOCRLabel writes it."""
    payload = json.dumps([region_to_json(r, integer_points) for r in regions], ensure_ascii=False)
    return f"{key}\t{payload}"


def read_label_file(path: str | Path) -> LabelFileContent:
    """Read a Label.txt / Cache.cach; bad lines become errors (kept raw), good lines still load."""
    path = Path(path)
    content = LabelFileContent()
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    # Split on \n only: str.splitlines would also break on U+2028 etc. inside transcriptions.
    for i, raw in enumerate(data.split(b"\n"), start=1):
        try:
            line = raw.decode("utf-8").rstrip("\r")
        except UnicodeDecodeError as exc:
            err = LabelFormatError(path, f"not UTF-8 (byte {exc.start})", i)
            content.errors.append(err)
            content.bad_raw_lines.append(raw.decode("utf-8", errors="replace"))
            continue
        if not line.strip():
            continue
        try:
            content.lines.append(parse_label_line(line, path, i))
        except LabelFormatError as exc:
            content.errors.append(exc)
            content.bad_raw_lines.append(line)
    return content
