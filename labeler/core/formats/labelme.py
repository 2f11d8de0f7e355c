"""labelme JSON, one file per image, import and export.

Mapping (labelme's OCR convention is label = the text):
  label        <-> transcription
  points + shape_type "polygon" (>= 3 points) <-> points; "rectangle" (2 corners) reads as 4 points
               tl, tr, br, bl, and an exact upright [tl, tr, br, bl] region is written back as "rectangle"
  flags        <-> {"difficult": bool} plus any other flags (kept)
  group_id     <-> KIE id (labelme's integer group id; each entity is its own group)
  "key_cls", "linking", "score", "locked"  extra shape keys (labelme keeps unknown shape keys on save)
  description, mask and any unknown shape key  kept in the region's `extra` and written back
Other shape types (circle, line, point, linestrip, mask) are skipped with a warning. Files go to
`<stem>.json` mirroring the image's subfolder, with imagePath = the image's file name, so writing
into the image folder gives labelme's own layout. imageData is not written (labelme loads imagePath).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from labeler.core.errors import InterchangeFormatError
from labeler.core.formats._common import (
    axis_rectangle,
    check_points,
    files_under,
    fill_image_sizes,
    plan_per_image,
    read_json_file,
    rel_dir_of,
    resolve_reference,
    size_or_bbox,
    warn,
)
from labeler.core.formats._output import OutputPlan, write_plan
from labeler.core.model import ImageRecord, ImageStatus, TextRegion

LABELME_VERSION = "5.5.0"
SHAPE_KEYS = ("label", "points", "group_id", "shape_type", "flags", "description", "mask")
OUR_KEYS = ("key_cls", "linking", "score", "locked")


# ---------------------------------------------------------------------------------------------- export


def shape_from_region(region: TextRegion, warnings: list[str] | None = None, where: str = "") -> dict[str, Any]:
    rect = axis_rectangle(region.points)
    if rect is not None:
        x0, y0, x1, y1 = rect
        points, shape_type = [[x0, y0], [x1, y1]], "rectangle"
    else:
        points, shape_type = [[x, y] for x, y in region.points], "polygon"
    flags: dict[str, Any] = {}
    extra = dict(region.extra)
    if isinstance(extra.get("flags"), dict):
        flags.update(extra.pop("flags"))
    flags["difficult"] = bool(region.difficult)
    shape: dict[str, Any] = {
        "label": region.transcription,
        "points": points,
        "group_id": region.id,
        "description": extra.pop("description", "") if isinstance(extra.get("description"), str) else "",
        "shape_type": shape_type,
        "flags": flags,
        "mask": extra.pop("mask", None),
    }
    if region.key_cls is not None:
        shape["key_cls"] = region.key_cls
    if region.linking:
        shape["linking"] = region.linking
    if region.score is not None:
        shape["score"] = float(region.score)
    if region.locked:
        shape["locked"] = True
    for key, value in extra.items():
        if key in SHAPE_KEYS or key in OUR_KEYS:
            warn(warnings, f"{where}: extra key {key!r} clashes with a labelme field; not written")
        else:
            shape[key] = value
    return shape


def labelme_dict(record: ImageRecord, image_ref: str, warnings: list[str] | None = None) -> dict[str, Any]:
    width, height = size_or_bbox(record, warnings)
    shapes = [shape_from_region(r, warnings, f"{record.path} region {i}") for i, r in enumerate(record.regions, 1)]
    return {
        "version": LABELME_VERSION,
        "flags": {},
        "shapes": shapes,
        "imagePath": image_ref,
        "imageData": None,
        "imageHeight": height,
        "imageWidth": width,
    }


def labelme_bytes(record: ImageRecord, image_ref: str, warnings: list[str] | None = None) -> bytes:
    return (json.dumps(labelme_dict(record, image_ref, warnings), ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def plan_labelme(records: list[ImageRecord], out_dir: str | Path, *, warnings: list[str] | None = None) -> OutputPlan:
    """One `<stem>.json` per image under `out_dir` (mirroring subfolders), not written yet."""
    return plan_per_image(records, out_dir, ".json", lambda rec, ref: labelme_bytes(rec, ref, warnings))


def write_labelme(
    records: list[ImageRecord], out_dir: str | Path, *, warnings: list[str] | None = None, force: bool = False
) -> list[Path]:
    """plan_labelme, written all or nothing: an existing file needs `force` and is backed up (_output.py)."""
    return write_plan(plan_labelme(records, out_dir, warnings=warnings), force=force).written


# ---------------------------------------------------------------------------------------------- import


def region_from_shape(shape: object, path: Path, where: str) -> TextRegion | None:
    """A labelme shape -> TextRegion, None for shape types that are not areas of text."""
    if not isinstance(shape, dict):
        raise InterchangeFormatError(path, f"{where}: expected an object")
    shape_type = shape.get("shape_type") or "polygon"
    if shape_type not in ("polygon", "rectangle"):
        return None
    label = shape.get("label", "")
    if label is None:
        label = ""
    if not isinstance(label, str):
        raise InterchangeFormatError(path, f"{where}: 'label' must be a string")
    if shape_type == "rectangle":
        (ax, ay), (bx, by) = check_points(shape.get("points"), path, f"{where} rectangle", minimum=2)[:2]
        x0, x1, y0, y1 = min(ax, bx), max(ax, bx), min(ay, by), max(ay, by)
        points = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
    else:
        points = check_points(shape.get("points"), path, f"{where} polygon")
    flags = shape.get("flags") or {}
    if not isinstance(flags, dict):
        raise InterchangeFormatError(path, f"{where}: 'flags' must be an object")
    group_id = shape.get("group_id")
    if group_id is not None and (not isinstance(group_id, int) or isinstance(group_id, bool)):
        raise InterchangeFormatError(path, f"{where}: 'group_id' must be an integer or null")
    score = shape.get("score")
    key_cls = shape.get("key_cls")
    linking = shape.get("linking", [])
    region = TextRegion(
        points=points,
        transcription=label,
        difficult=bool(flags.get("difficult", False)),
        key_cls=key_cls if isinstance(key_cls, str) else None,
        score=float(score) if isinstance(score, (int, float)) and not isinstance(score, bool) else None,
        id=group_id,
        linking=linking if isinstance(linking, list) else [],
        locked=bool(shape.get("locked", False)),
    )
    other_flags = {k: v for k, v in flags.items() if k != "difficult"}
    if other_flags:
        region.extra["flags"] = other_flags
    if shape.get("description"):
        region.extra["description"] = shape["description"]
    if shape.get("mask") is not None:
        region.extra["mask"] = shape["mask"]
    region.extra.update({k: v for k, v in shape.items() if k not in SHAPE_KEYS and k not in OUR_KEYS})
    return region


def record_from_labelme(data: object, path: Path, rel_dir: str = ".", warnings: list[str] | None = None) -> ImageRecord:
    if not isinstance(data, dict) or not isinstance(data.get("shapes"), list):
        raise InterchangeFormatError(path, "not a labelme file (no 'shapes' list)")
    image_path = data.get("imagePath")
    if not isinstance(image_path, str) or not image_path:
        raise InterchangeFormatError(path, "'imagePath' must be a non-empty string")
    size = []
    for key in ("imageWidth", "imageHeight"):
        v = data.get(key)
        if v is not None and (not isinstance(v, int) or isinstance(v, bool) or v <= 0):
            raise InterchangeFormatError(path, f"'{key}' must be a positive integer")
        size.append(v)
    record = ImageRecord(
        path=resolve_reference(image_path, rel_dir), width=size[0], height=size[1], status=ImageStatus.CONFIRMED
    )
    skipped: dict[str, int] = {}
    for i, shape in enumerate(data["shapes"]):
        region = region_from_shape(shape, path, f"shapes[{i}]")
        if region is None:
            kind = str(shape.get("shape_type"))
            skipped[kind] = skipped.get(kind, 0) + 1
        else:
            record.regions.append(region)
    for kind, count in skipped.items():
        warn(warnings, f"{path}: {count} {kind!r} shape(s) skipped (not a text area)")
    return record


def read_labelme_file(path: str | Path, rel_dir: str = ".", warnings: list[str] | None = None) -> ImageRecord:
    path = Path(path)
    data = read_json_file(path)
    return record_from_labelme(data, path, rel_dir, warnings)


def read_labelme(
    in_dir: str | Path, *, image_dir: str | Path | None = None, warnings: list[str] | None = None
) -> list[ImageRecord]:
    """Every `*.json` under `in_dir` (subfolders too), in path order; sizes missing from a file are read
    from its image under `image_dir` (default: `in_dir`)."""
    in_dir = Path(in_dir)
    if in_dir.is_file():
        records = [read_labelme_file(in_dir, ".", warnings)]
        in_dir = in_dir.parent
    else:
        records = [read_labelme_file(p, rel_dir_of(p, in_dir), warnings) for p in files_under(in_dir, ".json")]
    fill_image_sizes(records, Path(image_dir) if image_dir is not None else in_dir, warnings)
    return records
