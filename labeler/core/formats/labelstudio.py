"""Label Studio task JSON for its OCR template, import and export: one JSON file holding a list of tasks.

The OCR template (Image name="image" value="$ocr"; Labels name="label"; Rectangle name="bbox"; Polygon
name="poly"; TextArea name="transcription" perRegion) stores per region one geometry result plus a
"textarea" result (and a "labels" result) sharing the region's id. Geometry is in percent of
original_width/original_height. A rectangle's (x, y) is its top-left corner before rotation and
`rotation` turns it clockwise (degrees) around that corner.

Export: a region whose 4 points are an exact (possibly rotated) rectangle listed clockwise from its
top-left becomes a "rectangle" (so it reads back point for point), anything else a "polygon". key_cls
-> a "labels" result; score -> the geometry result's "score"; difficult, kie_id, linking, locked and
unknown keys -> the geometry result's "meta", which Label Studio keeps. The image URL is
`image_url_prefix + path` (e.g. "/data/local-files/?d=" for local storage).

Status (Label Studio has it, as PPOCRLabel and PAGE do): confirmed images go out as "annotations" (what a
person submitted), pre-labelled ones (and any other unconfirmed image with regions) as "predictions", with
model_version "labeler" and score = the mean of the regions' recognition scores (when they have any), so
Label Studio shows them as pre-annotations to review; images with neither as bare tasks.

Import: the last annotation not cancelled of a task gives a confirmed image; else its last prediction a
pre-labelled one (so converting to ppocrlabel puts it in Cache.cach, not Label.txt); results are grouped
by id; "labels"/"rectanglelabels"/"polygonlabels" give key_cls. Image paths come from the URL: the `d`
query of local-file URLs, the file name of uploads (without Label Studio's 8-hex prefix) and web URLs.
Label Studio's quick JSON export lists predictions by id only (`"predictions": [1]`): such a task is
read without regions and named in a warning that says how to export the predictions in full
(FULL_PREDICTIONS_HINT); when no task of the file yields a region it is an error instead.
"""

from __future__ import annotations

import json
import math
import posixpath
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from labeler.core.errors import InterchangeFormatError
from labeler.core.formats._common import check_points, fill_image_sizes, number, read_json_file, size_or_bbox, warn
from labeler.core.formats._output import OutputPlan, PlannedFile, write_plan
from labeler.core.model import ImageRecord, ImageStatus, Point, TextRegion

DATA_KEY = "ocr"  # the OCR template's `$ocr`
GEOMETRY_TYPES = {
    "rectangle": "rectangle",
    "rectanglelabels": "rectangle",
    "polygon": "polygon",
    "polygonlabels": "polygon",
}
LABEL_TYPES = ("labels", "rectanglelabels", "polygonlabels")
META_KEYS = ("difficult", "kie_id", "linking", "locked")
MODEL_VERSION = "labeler"  # predictions' model_version: pre-labels made or kept by labeler
# What to tell a user whose export lists predictions by id only (Label Studio's quick JSON export does).
FULL_PREDICTIONS_HINT = (
    "Label Studio's quick JSON export (Export > JSON, or GET /api/projects/<id>/export?exportType=JSON) lists "
    "a task's predictions by id only; export them in full with an export snapshot: POST /api/projects/<id>/exports "
    'with {"serialization_options": {"predictions": {"only_id": false}}}, then download it with exportType=JSON '
    "(or submit the pre-labels as annotations in Label Studio first)"
)
_UPLOAD_PREFIX = re.compile(r"^[0-9a-f]{8}-")


# ---------------------------------------------------------------------------------------------- export


def rotated_rectangle(points: list[Point], tol: float = 1e-9) -> tuple[float, float, float, float, float] | None:
    """(x, y, width, height, rotation_deg) in pixels when the points are a clockwise rectangle from its
    top-left corner (screen coordinates, y down), else None."""
    if len(points) != 4:
        return None
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = points
    ax, ay, bx, by = x1 - x0, y1 - y0, x3 - x0, y3 - y0
    w, h = math.hypot(ax, ay), math.hypot(bx, by)
    if w <= 0 or h <= 0:
        return None
    scale = max(1.0, abs(x0), abs(y0), w, h)
    if abs(ax * bx + ay * by) > tol * w * h or ax * by - ay * bx <= 0:
        return None  # not a right angle, or counter-clockwise
    if abs(x1 + bx - x2) > tol * scale or abs(y1 + by - y2) > tol * scale:
        return None
    rotation = math.degrees(math.atan2(ay, ax)) % 360.0
    if rotation < 1e-9 or rotation > 360 - 1e-9:
        rotation = 0.0
    return x0, y0, w, h, rotation


def _geometry(region: TextRegion, width: int, height: int) -> tuple[str, dict[str, Any]]:
    rect = rotated_rectangle(region.points)
    if rect is not None:
        x, y, w, h, rotation = rect
        value = {"x": x / width * 100, "y": y / height * 100, "width": w / width * 100, "height": h / height * 100}
        return "rectangle", {**value, "rotation": rotation}
    points = [[x / width * 100, y / height * 100] for x, y in region.points]
    return "polygon", {"points": points, "closed": True}


def region_results(region: TextRegion, region_id: str, width: int, height: int) -> list[dict[str, Any]]:
    kind, value = _geometry(region, width, height)
    common = {"id": region_id, "to_name": "image", "original_width": width, "original_height": height}
    geometry = {**common, "from_name": "bbox" if kind == "rectangle" else "poly", "type": kind}
    geometry.update(image_rotation=0, value=value)
    if region.score is not None:
        geometry["score"] = float(region.score)
    meta = dict(region.extra)
    if region.difficult:
        meta["difficult"] = True
    if region.id is not None:
        meta["kie_id"] = region.id
    if region.linking:
        meta["linking"] = region.linking
    if region.locked:
        meta["locked"] = True
    if meta:
        geometry["meta"] = meta
    results = [geometry]
    if region.key_cls is not None:
        labels = {**value, "labels": [region.key_cls]}
        results.append({**common, "from_name": "label", "type": "labels", "value": labels})
    text = {**value, "text": [region.transcription]}
    results.append({**common, "from_name": "transcription", "type": "textarea", "value": text})
    return results


def task_from_record(record: ImageRecord, image_url_prefix: str = "", warnings: list[str] | None = None) -> dict:
    task: dict[str, Any] = {"data": {DATA_KEY: image_url_prefix + record.path}}
    if not record.regions and record.status != ImageStatus.CONFIRMED:
        return task
    width, height = size_or_bbox(record, warnings) if record.regions else (record.width or 0, record.height or 0)
    results = []
    for i, region in enumerate(record.regions, start=1):
        results.extend(region_results(region, f"r{i}", width, height))
    if record.status == ImageStatus.CONFIRMED:
        task["annotations"] = [{"result": results, "was_cancelled": False}]
    else:
        task["predictions"] = [_prediction(record, results)]
    return task


def _prediction(record: ImageRecord, results: list[dict[str, Any]]) -> dict[str, Any]:
    """Pre-labels as a Label Studio prediction: its score (the regions' mean recognition score, which
    Label Studio sorts and filters tasks by) and model version, so a reviewer sees them as model output."""
    prediction: dict[str, Any] = {"model_version": MODEL_VERSION, "result": results}
    scores = [float(r.score) for r in record.regions if r.score is not None]
    if scores:
        prediction["score"] = sum(scores) / len(scores)
    return prediction


def plan_labelstudio(
    records: list[ImageRecord],
    path: str | Path,
    *,
    image_url_prefix: str = "",
    warnings: list[str] | None = None,
) -> OutputPlan:
    """All records as one JSON list of tasks, not written yet."""
    path = Path(path)
    if path.is_dir():
        raise InterchangeFormatError(path, "Label Studio output is one JSON file, but a folder is there")

    def render() -> bytes:
        tasks = [task_from_record(rec, image_url_prefix, warnings) for rec in records]
        return (json.dumps(tasks, ensure_ascii=False, indent=1) + "\n").encode("utf-8")

    return OutputPlan([PlannedFile(path, render)], path.parent)


def write_labelstudio(
    records: list[ImageRecord],
    path: str | Path,
    *,
    image_url_prefix: str = "",
    warnings: list[str] | None = None,
    force: bool = False,
) -> Path:
    """plan_labelstudio, written: an existing file needs `force` and is backed up (_output.py)."""
    plan = plan_labelstudio(records, path, image_url_prefix=image_url_prefix, warnings=warnings)
    return write_plan(plan, force=force).written[0]


# ---------------------------------------------------------------------------------------------- import


def path_from_url(url: str, image_url_prefix: str = "") -> str:
    """The image path a task's URL stands for (see the module docstring)."""
    if image_url_prefix and url.startswith(image_url_prefix):
        return url[len(image_url_prefix) :]
    parts = urlsplit(url)
    local = parse_qs(parts.query).get("d")
    if local:
        return local[0]
    if parts.scheme or url.startswith("/data/"):
        name = posixpath.basename(unquote(parts.path))
        return _UPLOAD_PREFIX.sub("", name) if "/data/upload/" in parts.path else name
    return url


def _image_url(task: dict, path: Path, where: str) -> str:
    data = task.get("data")
    if not isinstance(data, dict):
        raise InterchangeFormatError(path, f"{where}: no 'data' object")
    for key in (DATA_KEY, "image"):
        if isinstance(data.get(key), str):
            return data[key]
    strings = [v for v in data.values() if isinstance(v, str)]
    if len(strings) == 1:
        return strings[0]
    raise InterchangeFormatError(path, f"{where}: cannot tell which 'data' field is the image (use 'ocr' or 'image')")


def _chosen_results(task: dict, path: Path, where: str) -> tuple[list | None, ImageStatus]:
    for key, status in (("annotations", ImageStatus.CONFIRMED), ("completions", ImageStatus.CONFIRMED)):
        items = task.get(key) or []
        if not isinstance(items, list):
            raise InterchangeFormatError(path, f"{where}: '{key}' must be a list")
        usable = [a for a in items if isinstance(a, dict) and not a.get("was_cancelled")]
        if usable:
            return usable[-1].get("result", []), status
    predictions = task.get("predictions") or []
    if not isinstance(predictions, list):
        raise InterchangeFormatError(path, f"{where}: 'predictions' must be a list")
    usable = [p for p in predictions if isinstance(p, dict)]
    if usable:
        return usable[-1].get("result", []), ImageStatus.PRELABELLED
    if any(_is_id(p) for p in predictions):
        raise _PredictionsById(predictions)
    return None, ImageStatus.NEW


def _is_id(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class _PredictionsById(Exception):
    """A task lists its predictions by id only: their regions are not in the file (caught in record_from_task)."""

    def __init__(self, ids: list):
        super().__init__(f"predictions listed by id only {ids[:5]!r}")
        self.ids = ids


def _pct(v: object, path: Path, where: str) -> float:
    if not isinstance(v, (int, float)) or isinstance(v, bool) or not math.isfinite(v):
        raise InterchangeFormatError(path, f"{where}: expected a number, got {v!r}")
    return float(v)


def _points_from(kind: str, value: dict, width: float, height: float, path: Path, where: str) -> list[Point]:
    if kind == "polygon":
        raw = check_points(value.get("points"), path, f"{where} polygon")
        return [(_px(x * width / 100), _px(y * height / 100)) for x, y in raw]
    x = _pct(value.get("x"), path, where) * width / 100
    y = _pct(value.get("y"), path, where) * height / 100
    w = _pct(value.get("width"), path, where) * width / 100
    h = _pct(value.get("height"), path, where) * height / 100
    angle = math.radians(_pct(value.get("rotation", 0), path, where))
    if angle == 0:
        corners = [(x, y), (x + w, y), (x + w, y + h), (x, y + h)]
    else:
        c, s = math.cos(angle), math.sin(angle)
        p1 = (x + w * c, y + w * s)
        corners = [(x, y), p1, (p1[0] - h * s, p1[1] + h * c), (x - h * s, y + h * c)]
    return [(_px(px), _px(py)) for px, py in corners]


def _px(v: float) -> float | int:
    # Percent round trips leave 1e-14 noise (20 -> 19.999999999999996): snap it so integers stay integers.
    return number(round(v, 9))


def _size_of(result: dict, path: Path, where: str) -> tuple[int, int] | None:
    w, h = result.get("original_width"), result.get("original_height")
    if w is None and h is None:
        return None
    width, height = _positive_number(w), _positive_number(h)
    if width is None or height is None:
        raise InterchangeFormatError(path, f"{where}: bad original_width/original_height {w!r}x{h!r}")
    return int(width), int(height)


def _positive_number(value: object) -> float | None:
    """`value` when it is a number above 0 (a bool is not a number here), else None."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
        return value
    return None


def record_from_task(
    task: object,
    path: Path,
    index: int,
    image_url_prefix: str = "",
    warnings: list[str] | None = None,
    by_id: list[str] | None = None,
) -> ImageRecord:
    """One task -> ImageRecord. A task whose predictions are listed by id only comes through without
    regions (status new), named in `warnings` and appended to `by_id`."""
    where = f"task {index}"
    if not isinstance(task, dict):
        raise InterchangeFormatError(path, f"{where}: expected an object")
    record = ImageRecord(path=path_from_url(_image_url(task, path, where), image_url_prefix))
    try:
        results, record.status = _chosen_results(task, path, where)
    except _PredictionsById as exc:
        # Not an error of the file: the image comes through without regions, and the user is told why.
        warn(warnings, f"{path}: {where} ({record.path}): {exc}; its pre-labels are not in this file")
        if by_id is not None:
            by_id.append(record.path)
        return record
    if results is None:
        return record
    if not isinstance(results, list):
        raise InterchangeFormatError(path, f"{where}: 'result' must be a list")
    groups: dict[str, list[dict]] = {}
    skipped: set[str] = set()
    for j, result in enumerate(results):
        if isinstance(result, dict) and result.get("type") == "relation":
            skipped.add("relation")  # links between regions; KIE links travel in meta instead
            continue
        if not isinstance(result, dict) or not isinstance(result.get("value"), dict):
            raise InterchangeFormatError(path, f"{where} result {j}: expected an object with a 'value' object")
        size = _size_of(result, path, f"{where} result {j}")
        if size and not record.width:
            record.width, record.height = size
        groups.setdefault(str(result.get("id", f"#{j}")), []).append(result)
    for region_id, group in groups.items():
        region = _region_from_group(group, record, path, f"{where} region {region_id!r}", skipped)
        if region is not None:
            record.regions.append(region)
    for kind in sorted(skipped):
        warn(warnings, f"{path}: {where}: {kind!r} results ignored")
    return record


def _region_from_group(
    group: list[dict], record: ImageRecord, path: Path, where: str, skipped: set[str]
) -> TextRegion | None:
    region: TextRegion | None = None
    text: str | None = None
    key_cls: str | None = None
    for result in group:
        kind, value = str(result.get("type", "")), result["value"]
        if kind in GEOMETRY_TYPES and region is None:
            size = _size_of(result, path, where) or (record.width, record.height)
            if not size[0] or not size[1]:
                raise InterchangeFormatError(path, f"{where}: original_width/original_height needed for percent")
            points = _points_from(GEOMETRY_TYPES[kind], value, size[0], size[1], path, where)
            region = TextRegion(points=points)
            score = result.get("score")
            if isinstance(score, (int, float)) and not isinstance(score, bool):
                region.score = float(score)
            given_meta = result.get("meta")
            meta: dict = given_meta if isinstance(given_meta, dict) else {}
            region.difficult = bool(meta.get("difficult", False))
            region.locked = bool(meta.get("locked", False))
            kie_id = meta.get("kie_id")
            region.id = kie_id if isinstance(kie_id, int) and not isinstance(kie_id, bool) else None
            region.linking = meta["linking"] if isinstance(meta.get("linking"), list) else []
            region.extra = {k: v for k, v in meta.items() if k not in META_KEYS}
        if kind == "textarea":
            lines = value.get("text", [])
            if isinstance(lines, str):
                lines = [lines]
            if not isinstance(lines, list) or not all(isinstance(t, str) for t in lines):
                raise InterchangeFormatError(path, f"{where}: textarea 'text' must be a list of strings")
            text = "\n".join(lines)
        elif kind in LABEL_TYPES:
            labels = value.get(kind)
            labels = labels if isinstance(labels, list) and labels else value.get("labels")
            if isinstance(labels, list) and labels and isinstance(labels[0], str):
                key_cls = labels[0]
        elif kind not in GEOMETRY_TYPES:
            skipped.add(kind)
    if region is None:
        if text is not None:
            skipped.add("textarea without a region")
        return None
    region.transcription = text or ""
    region.key_cls = key_cls
    return region


def _names(paths: list[str], shown: int = 3) -> str:
    more = f" and {len(paths) - shown} more" if len(paths) > shown else ""
    return ", ".join(paths[:shown]) + more


def read_labelstudio(
    path: str | Path,
    *,
    image_dir: str | Path | None = None,
    image_url_prefix: str = "",
    warnings: list[str] | None = None,
) -> list[ImageRecord]:
    """Records from a Label Studio JSON export (a list of tasks, or one task)."""
    path = Path(path)
    data = read_json_file(path)
    tasks = [data] if isinstance(data, dict) else data
    if not isinstance(tasks, list):
        raise InterchangeFormatError(path, "expected a JSON list of Label Studio tasks")
    by_id: list[str] = []
    records = [record_from_task(task, path, i, image_url_prefix, warnings, by_id) for i, task in enumerate(tasks)]
    if by_id:
        message = f"{len(by_id)} task(s) ({_names(by_id)}) have predictions listed by id only: {FULL_PREDICTIONS_HINT}"
        if not any(rec.regions for rec in records):
            raise InterchangeFormatError(path, f"no regions read; {message}")
        warn(warnings, f"{path}: {message}")
    fill_image_sizes(records, Path(image_dir) if image_dir is not None else path.parent, warnings)
    if image_dir is not None:
        _report_left_out(path, Path(image_dir), records, warnings)
    return records


def _report_left_out(path: Path, image_dir: Path, records: Sequence[ImageRecord], warnings: list[str] | None) -> None:
    """Images of the folder the export does not mention: Label Studio's default export leaves out every task
    nobody annotated, so pre-labelled images vanish from it without a word unless this says so."""
    from labeler.core.image_io import list_images

    if not image_dir.is_dir():
        return
    named = {Path(rec.path).name for rec in records}
    left_out = [p.name for p in list_images(image_dir) if p.name not in named]
    if left_out:
        warn(
            warnings,
            f"{path}: {len(left_out)} image(s) of {image_dir} are not in this export ({_names(left_out)}); Label "
            "Studio's default export leaves out tasks without annotations (their pre-labels are predictions): "
            f"export all tasks (download_all_tasks=true) with full predictions. {FULL_PREDICTIONS_HINT}",
        )
