"""PPOCRLabel's line format (Label.txt, Cache.cach): `<key>\\t<JSON list of regions>`.

Parsed as JSON only, never eval: PPOCRLabel's eval-based reader corrupts text like "true"
and executes crafted files.

Speed: a 10,000-image folder holds ~60 MB of labels. `scan_label_bytes` checks every line at C speed
with a regex of the canonical layout (what PPOCRLabel and we write); such lines are known to parse and
are kept as raw bytes until a record is first shown. Any other line is parsed in full at once, so every
bad line is still reported when the file is opened.
"""

from __future__ import annotations

import gc
import json
import re
import sys
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from json.encoder import encode_basestring as _esc
from pathlib import Path

from labeler.core.errors import LabelFormatError
from labeler.core.model import TextRegion

KNOWN_REGION_KEYS = ("transcription", "points", "difficult", "key_cls", "score", "id", "linking", "locked")
COORD_LIMIT = 1e9  # a coordinate beyond a billion pixels is corruption, not an image
_UTF8_BOM = b"\xef\xbb\xbf"


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


@dataclass
class RawLine:
    """One non-blank line as stored. `raw` has no newline; `key` is None and `error` set when the line is bad.

    `regions` is None for a line that passed the fast check and has not been parsed yet.
    """

    line_no: int
    raw: bytes
    key: str | None
    regions: list[TextRegion] | None = None
    error: LabelFormatError | None = None
    checked: bool = True


@dataclass
class ScannedFile:
    """A label file split into lines, each checked; `bom` is written back in front if the file had one."""

    lines: list[RawLine] = field(default_factory=list)
    errors: list[LabelFormatError] = field(default_factory=list)
    bom: bytes = b""


def image_key(image_path: str | Path) -> str:
    """PPOCRLabel's key: the image's folder name + '/' + its file name."""
    p = Path(image_path)
    return f"{p.parent.name}/{p.name}"


def key_file_name(key: str) -> str:
    """The file name a key or absolute path ends in, with '/' or '\\' separators (Windows paths too)."""
    return key.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]


# ----------------------------------------------------------------------------------------- parsing

_NUMBER_TYPES = (int, float)
_KNOWN_KEY_SET = frozenset(KNOWN_REGION_KEYS)


def _region_from_json(obj: object, path: str | Path, line_no: int | None) -> TextRegion:
    if type(obj) is not dict:
        raise LabelFormatError(path, f"region is {type(obj).__name__}, expected an object", line_no)
    points = obj.get("points")
    if type(points) is not list or len(points) < 3:
        raise LabelFormatError(path, "region needs 'points': a list of at least 3 [x, y] pairs", line_no)
    pts = []
    for pt in points:
        # type() checks, not isinstance: JSON true/false are bools, which isinstance would take as ints.
        if type(pt) is not list or len(pt) != 2 or type(pt[0]) not in _NUMBER_TYPES or type(pt[1]) not in _NUMBER_TYPES:
            raise LabelFormatError(path, f"bad point {pt!r} in 'points'", line_no)
        x, y = pt
        # Also false for NaN and infinities, and never raises on huge ints (math.isfinite would).
        if not (-COORD_LIMIT < x < COORD_LIMIT and -COORD_LIMIT < y < COORD_LIMIT):
            raise LabelFormatError(path, f"coordinate out of range in point {pt!r}", line_no)
        pts.append((x, y))
    text = obj.get("transcription", "")
    if type(text) is not str:
        raise LabelFormatError(path, "'transcription' must be a string", line_no)
    difficult = obj.get("difficult", False)
    if difficult is None or difficult == 0 or difficult == 1:
        difficult = bool(difficult)
    else:
        raise LabelFormatError(path, f"'difficult' must be true or false, not {difficult!r}", line_no)
    if len(obj) == 3 and "difficult" in obj and "transcription" in obj:
        return TextRegion(pts, text, difficult)  # (points, transcription, difficult): PPOCRLabel's plain region
    extra = {} if _KNOWN_KEY_SET.issuperset(obj) else {k: v for k, v in obj.items() if k not in _KNOWN_KEY_SET}
    # Optional fields of an unexpected type go to `extra`, so they are written back as they came.
    key_cls = obj.get("key_cls")
    if key_cls is not None and type(key_cls) is not str:
        extra["key_cls"], key_cls = key_cls, None
    score = obj.get("score")
    if score is not None:
        if type(score) in _NUMBER_TYPES and -COORD_LIMIT < score < COORD_LIMIT:
            score = float(score)
        else:
            extra["score"], score = score, None
    rid = obj.get("id")
    if rid is not None and type(rid) is not int:
        extra["id"], rid = rid, None
    linking = obj.get("linking", [])
    if not _is_linking(linking):
        extra["linking"], linking = linking, []
    locked = obj.get("locked", False)
    if type(locked) is not bool:
        extra["locked"], locked = locked, False
    return TextRegion(
        points=pts,
        transcription=text,
        difficult=difficult,
        key_cls=key_cls,
        score=score,
        id=rid,
        linking=linking,
        locked=locked,
        extra=extra,
    )


def _is_linking(value: object) -> bool:
    if value == []:
        return True
    return type(value) is list and all(
        type(p) is list and len(p) == 2 and type(p[0]) is int and type(p[1]) is int for p in value
    )


def _parse_payload(payload: str, key_width: int, path: str | Path, line_no: int | None) -> list[TextRegion]:
    try:
        data = json.loads(payload, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        where = f"at column {exc.colno + key_width + 1}"
        raise LabelFormatError(path, f"invalid JSON ({exc.msg} {where})", line_no) from None
    except ValueError as exc:  # NaN / Infinity literals
        raise LabelFormatError(path, f"invalid JSON ({exc})", line_no) from None
    except RecursionError:  # "[[[[..." a million deep: a crafted line must not crash the opening
        raise LabelFormatError(path, "invalid JSON (nested too deeply)", line_no) from None
    if type(data) is not list:
        raise LabelFormatError(path, "label must be a JSON list of regions", line_no)
    return [_region_from_json(obj, path, line_no) for obj in data]


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number JSON allows")


def parse_label_line(line: str, path: str | Path = "<string>", line_no: int | None = None) -> LabelLine:
    """Parse `<key>\\t<JSON>`; raises LabelFormatError naming file and line."""
    text = line.rstrip("\r\n")
    key, sep, payload = text.partition("\t")
    if not sep:
        raise LabelFormatError(path, "no tab between image key and JSON label", line_no)
    if not key:
        raise LabelFormatError(path, "empty image key", line_no)
    regions = _parse_payload(payload, len(key), path, line_no)
    return LabelLine(key=key, regions=regions, raw=text, line_no=line_no)


def parse_raw_line(raw: bytes, path: str | Path = "<bytes>", line_no: int | None = None) -> LabelLine:
    """Parse one stored line (UTF-8 bytes, no newline); raises LabelFormatError naming file and line."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise LabelFormatError(path, f"not UTF-8 (byte {exc.start})", line_no) from None
    return parse_label_line(text, path, line_no)


def parse_regions(raw: bytes, path: str | Path = "<bytes>", line_no: int | None = None) -> list[TextRegion]:
    """The regions of one stored line (a lazy record's loader)."""
    with gc_paused():
        return parse_raw_line(raw, path, line_no).regions


# The canonical layout, exactly as json.dumps writes it by default (PPOCRLabel and we do). A line that
# matches is valid for _region_from_json: numbers have no exponent, no leading zero and at most 9 integer
# digits (so |v| < COORD_LIMIT), strings have no control characters and no surrogate escapes. Strings are
# written "unrolled" and quantifiers possessive (3.11+) so nothing backtracks; without the possessive
# marks (3.10) the language matched is the same, only slower.
_P = "+" if sys.version_info >= (3, 11) else ""


def _build_fast_line() -> re.Pattern[bytes]:
    esc = r'\\(?:["\\/bfnrt]|u(?![dD][89a-fA-F])[0-9a-fA-F]{4})'
    s = rf'"[^"\\\x00-\x1f]*P(?:{esc}[^"\\\x00-\x1f]*P)*P"'
    num = r"-?P(?!0[0-9])[0-9]{1,9}P(?:\.[0-9]+P)?P"
    integer = r"-?P(?!0[0-9])[0-9]{1,18}P"
    pt = rf"\[{num}, {num}\]"
    link = rf"\[{integer}, {integer}\]"
    region = (
        rf'\{{"transcription": {s}, "points": \[{pt}(?:, {pt}){{2,}}P\], "difficult": (?:true|false)'
        rf'(?:, "key_cls": {s})?P(?:, "score": {num})?P(?:, "id": {integer})?P'
        rf'(?:, "linking": \[(?:{link}(?:, {link})*P)?P\])?P(?:, "locked": (?:true|false))?P\}}'
    )
    line = rf"[^\t\n]+P\t\[(?:{region}(?:, {region})*P)?P\]\r?"
    return re.compile(line.replace("P", _P).encode("ascii"))


_FAST_LINE = _build_fast_line()


def is_canonical_line(raw: bytes) -> bool:
    """True when `raw` (bytes, no newline) is UTF-8 with the canonical layout, and so surely parses."""
    try:
        raw.decode("utf-8")  # the regex takes any byte >= 0x20 inside strings
    except UnicodeDecodeError:
        return False
    return _FAST_LINE.fullmatch(raw) is not None


@contextmanager
def gc_paused():
    """Pause the cyclic GC while building many small objects: it tripled the time of json.loads on 60 MB."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def scan_label_bytes(
    data: bytes, path: str | Path = "<bytes>", skip: Callable[[str], bool] | None = None
) -> ScannedFile:
    """Split a label file into checked lines. Canonical lines stay unparsed; others are parsed or become errors.

    `skip(key)` True: keep that line unchecked (`checked=False`), e.g. a Cache.cach line whose image
    Label.txt already holds, which is never used (half the time of opening a folder).
    """
    out = ScannedFile()
    if data.startswith(_UTF8_BOM):
        out.bom, data = _UTF8_BOM, data[len(_UTF8_BOM) :]
    lines = out.lines
    with gc_paused():
        # Split on \n only: str.splitlines would also break on U+2028 etc. inside transcriptions.
        for i, raw in enumerate(data.split(b"\n"), start=1):
            if not raw or raw.isspace():
                continue
            if skip is not None:
                key = _key_of(raw)
                if key is not None and skip(key):
                    lines.append(RawLine(i, raw, key, checked=False))
                    continue
            if is_canonical_line(raw):
                lines.append(RawLine(i, raw, raw[: raw.index(b"\t")].decode("utf-8")))
                continue
            try:
                parsed = parse_raw_line(raw, path, i)
            except LabelFormatError as exc:
                exc.key = _key_of(raw)  # which image the bad line was about, when its key part reads
                out.errors.append(exc)
                lines.append(RawLine(i, raw, None, None, exc))
            else:
                lines.append(RawLine(i, raw, parsed.key, parsed.regions))
    return out


def _key_of(raw: bytes) -> str | None:
    tab = raw.find(b"\t")
    if tab <= 0:
        return None
    try:
        return raw[:tab].decode("utf-8")
    except UnicodeDecodeError:
        return None


def read_label_file(path: str | Path) -> LabelFileContent:
    """Read a Label.txt / Cache.cach; bad lines become errors (kept raw), good lines still load."""
    path = Path(path)
    scanned = scan_label_bytes(path.read_bytes(), path)
    content = LabelFileContent(errors=list(scanned.errors))
    with gc_paused():
        for ln in scanned.lines:
            text = ln.raw.decode("utf-8", errors="replace").rstrip("\r")
            if ln.error is not None:
                content.bad_raw_lines.append(text)
                continue
            regions = ln.regions if ln.regions is not None else parse_regions(ln.raw, path, ln.line_no)
            content.lines.append(LabelLine(key=ln.key or "", regions=regions, raw=text, line_no=ln.line_no))
    return content


# ----------------------------------------------------------------------------------------- writing


def region_to_json(region: TextRegion, integer_points: bool = False) -> dict:
    """The region as PPOCRLabel writes it; optional keys only when set; unknown keys kept."""
    pts: list[list[float]]
    if integer_points:
        pts = [[int(round(x)), int(round(y))] for x, y in region.points]
    else:
        pts = [[_num(x), _num(y)] for x, y in region.points]
    obj: dict = {"transcription": region.transcription, "points": pts, "difficult": bool(region.difficult)}
    if region.key_cls is not None:
        obj["key_cls"] = region.key_cls
    if region.score is not None:
        obj["score"] = round(float(region.score), 5)
    if region.id is not None:
        obj["id"] = region.id
    if region.linking:
        obj["linking"] = [list(pair) for pair in region.linking]
    if region.locked:
        obj["locked"] = True
    for k, v in region.extra.items():
        obj.setdefault(k, v)  # an extra key never overrides a field of the model
    return obj


def _num(v: float) -> float | int:
    # Keep integers integral so a round trip of an integer file stays identical.
    if type(v) is int:
        return v
    return int(v) if float(v).is_integer() else round(float(v), 3)


_dumps = json.JSONEncoder(ensure_ascii=False, allow_nan=False).encode


def _region_text(r: TextRegion, integer_points: bool) -> str:
    if r.score is not None or r.id is not None or r.linking or r.locked or r.extra:
        return _dumps(region_to_json(r, integer_points))
    # Hand-built for the common case: same bytes as json.dumps, about twice as fast (save-all of 10,000 images).
    if integer_points:
        pts = "], [".join([f"{round(x)}, {round(y)}" for x, y in r.points])
    else:
        pts = "], [".join([f"{_num(x)}, {_num(y)}" for x, y in r.points])
    kc = "" if r.key_cls is None else f', "key_cls": {_esc(r.key_cls)}'
    difficult = "true" if r.difficult else "false"
    return f'{{"transcription": {_esc(r.transcription)}, "points": [[{pts}]], "difficult": {difficult}{kc}}}'


def format_regions(regions: list[TextRegion], integer_points: bool = False) -> str:
    """The JSON list of regions, without key."""
    return "[" + ", ".join([_region_text(r, integer_points) for r in regions]) + "]"


def format_label_line(key: str, regions: list[TextRegion], integer_points: bool = False) -> str:
    """One line without its newline. ensure_ascii=False, as PPOCRLabel writes it."""
    return f"{key}\t{format_regions(regions, integer_points)}"


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def encode_label_line(key: str, regions: list[TextRegion], integer_points: bool = False) -> bytes:
    """One line as UTF-8 bytes, no newline. Never fails on odd text: see below."""
    payload = format_regions(regions, integer_points)
    try:
        body = payload.encode("utf-8")
    except UnicodeEncodeError:
        # A lone surrogate cannot be UTF-8; as a JSON \\u escape it reads back as the same character.
        body = _LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", payload).encode("utf-8")
    # surrogateescape: a file name that was not UTF-8 on disk is written back as its original bytes.
    return key.encode("utf-8", "surrogateescape") + b"\t" + body
