"""KIE export: XFUND-style labels that PaddleOCR's SER / RE training reads (VQATokenLabelEncode).

Line: `<image path>\\t[{"transcription", "label", "points", "id", "linking"}, ...]` and a class list
file (one class per line; OTHER first, which PaddleOCR maps to the "O" tag). Rules:
- label = the region's key class, stripped; none or empty -> "other";
- id = the region's id; regions without one, or repeating an id already used in the image, get the
  next free id (reported as "id_assigned" / "duplicate_id");
- linking = the region's links; links naming an id absent from the image are dropped ("bad_link"),
  and every kept link is written on both of its regions, as XFUND does;
- `###` / `*` regions are left out (they carry no text to tag), as are links to them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from labeler.core.model import DONT_CARE_TEXTS, TextRegion

OTHER = "other"
_OTHER_NAMES = {"other", "others", "ignore"}  # PaddleOCR tags these "O" (load_vqa_bio_label_maps)


@dataclass
class KieNote:
    """Something changed or dropped while writing one region's KIE fields."""

    index: int  # region index in the image
    reason: str  # id_assigned | duplicate_id | bad_link | dont_care
    detail: str = ""


@dataclass
class KieImage:
    """The KIE entries of one image and the notes about them."""

    entries: list[dict] = field(default_factory=list)
    notes: list[KieNote] = field(default_factory=list)
    labels: set[str] = field(default_factory=set)


def kie_label(region: TextRegion) -> str:
    return (region.key_cls or "").strip() or OTHER


def kie_entries(regions: Sequence[TextRegion]) -> KieImage:
    """XFUND entries for the regions of one image (see the module rules)."""
    out = KieImage()
    kept = []
    for i, region in enumerate(regions):
        if region.transcription in DONT_CARE_TEXTS:
            out.notes.append(KieNote(i, "dont_care"))
        else:
            kept.append((i, region))
    # First pass: keep given ids that are unique; then hand out ids above the largest used.
    used: set[int] = set()
    given: dict[int, int | None] = {}
    for i, region in kept:
        if region.id is not None and region.id not in used:
            used.add(region.id)
            given[i] = region.id
        else:
            if region.id is not None:
                out.notes.append(KieNote(i, "duplicate_id", f"id {region.id} already used"))
            given[i] = None
    next_id = max(used, default=-1) + 1
    ids: dict[int, int] = {}
    for i, region in kept:
        kept_id = given[i]
        if kept_id is None:
            kept_id = next_id
            if region.id is None:
                out.notes.append(KieNote(i, "id_assigned", f"id {next_id}"))
            next_id += 1
        ids[i] = kept_id
    links: dict[int, list[list[int]]] = {ids[i]: [] for i, _ in kept}
    for i, region in kept:
        for link in region.linking:
            pair = _as_pair(link)
            if pair is None or pair[0] not in links or pair[1] not in links or pair[0] == pair[1]:
                out.notes.append(KieNote(i, "bad_link", json.dumps(link)))
                continue
            for end in pair:
                if pair not in links[end]:
                    links[end].append(pair)
    for i, region in kept:
        label = kie_label(region)
        out.labels.add(label)
        out.entries.append(
            {
                "transcription": region.transcription,
                "label": label,
                "points": [[_num(x), _num(y)] for x, y in region.points],
                "id": ids[i],
                "linking": links[ids[i]],
            }
        )
    return out


def _as_pair(link: object) -> list[int] | None:
    if isinstance(link, (list, tuple)) and len(link) == 2 and all(type(v) is int for v in link):
        return [link[0], link[1]]
    return None


def _num(v: float) -> float | int:
    return int(v) if float(v).is_integer() else round(float(v), 2)


def format_kie_line(image_path: str, entries: list[dict]) -> str:
    return f"{image_path}\t{json.dumps(entries, ensure_ascii=False)}"


def class_list(used: Iterable[str], predefined: Sequence[str] = ()) -> list[str]:
    """OTHER first, then the predefined classes in their order, then any other used class sorted."""
    names = ["OTHER"]
    seen = {"other"}
    for name in list(predefined) + sorted(set(used)):
        key = name.strip().lower()
        if key and key not in seen and key not in _OTHER_NAMES:
            seen.add(key)
            names.append(name.strip())
    return names
