"""Detection export lines: `<image path>\\t<JSON list of {"transcription", "points"}>`, as PaddleOCR's
SimpleDataSet + DetLabelEncode read them.

`###` and `*` regions are written unchanged: DetLabelEncode turns them into ignore tags (don't-care
areas). Difficult regions keep their text (PaddleOCR never reads `difficult`; the flag is kept as an
extra key) unless difficult_as_dont_care writes them as `###`. Polygons of more than 4 points are
written as they are; DetLabelEncode pads every box of an image to the same point count.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from labeler.core.errors import ExportError
from labeler.core.model import TextRegion

DONT_CARE = "###"
_UNICODE_BREAKS = ("\x85", "\u2028", "\u2029")


def _num(v: float) -> float | int:
    # Integers stay integers, so PPOCRLabel-made labels come out exactly as they went in.
    return int(v) if float(v).is_integer() else round(float(v), 2)


def det_region_json(region: TextRegion, difficult_as_dont_care: bool = False) -> dict:
    """One region as a det label entry."""
    text = region.transcription
    if difficult_as_dont_care and region.difficult:
        text = DONT_CARE
    obj: dict = {"transcription": text, "points": [[_num(x), _num(y)] for x, y in region.points]}
    if region.difficult:
        obj["difficult"] = True
    return obj


def format_det_line(image_path: str, regions: Sequence[TextRegion], difficult_as_dont_care: bool = False) -> str:
    """The det list line for one image (no newline). JSON escapes tabs/newlines inside transcriptions."""
    if "\t" in image_path or "\n" in image_path or "\r" in image_path:
        raise ExportError(f"{image_path!r}: a tab or line break in an image path cannot go into a PaddleOCR list")
    payload = json.dumps([det_region_json(r, difficult_as_dont_care) for r in regions], ensure_ascii=False)
    # JSON leaves these raw with ensure_ascii=False; escaped, no line-splitting reader can break the line.
    for ch in _UNICODE_BREAKS:
        payload = payload.replace(ch, f"\\u{ord(ch):04x}")
    return f"{image_path}\t{payload}"
