"""ALTO v4 (4.4), one file per image (lxml): export, and import of ALTO files of any version.

Layout: Description/MeasurementUnit=pixel + sourceImageInformation/fileName; Layout/Page/PrintSpace holds
one TextBlock per text region with one TextLine and one String carrying the whole transcription (our
regions have no word geometry, so the line is not split into words). Every element gets its bounding
box as HPOS/VPOS/WIDTH/HEIGHT; the TextBlock and TextLine also get the real polygon as Shape/Polygon
(POINTS "x1,y1 x2,y2 ...", floats kept), and the TextLine its baseline as BASELINE (a PointsType polyline,
"x1,y1 x2,y2", ALTO 4.2 and later; computed from the polygon by baselines.py's rules: the bottom edge
left to right for horizontal text, the centre line top to bottom for vertical text; kraken and
eScriptorium read a line only with it). difficult and key_cls become Tags/OtherTag referenced from the
String's TAGREFS; a score becomes String/@WC. ALTO has no place for an image's status (confirmed or
pre-labelled): it reads back as confirmed.

Import (read_alto): every TextLine of every `*.xml` under the folder (ALTO v2, v3 or v4 namespace), in
document order; the image is sourceImageInformation/fileName (relative to the file's folder), its size
Page/@WIDTH and @HEIGHT. Coordinates must be pixels (MeasurementUnit "pixel"; a file without one is read
as pixels and reported; mm10 or inch1200 are refused, naming the file). A line's polygon is its
Shape/Polygon, else its HPOS/VPOS/WIDTH/HEIGHT box, else one around its BASELINE (baselines.py's rule);
its text is its Strings' CONTENT joined by its SP elements (a space where Strings follow each other
without one) and HYP; its score the mean of its Strings' WC; difficult and key_cls come from the Tags its
Strings' TAGREFS name. A BASELINE that differs from the one labeler computes is kept as PAGE import keeps
one (baselines.BASELINE_KEY).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from labeler import __version__
from labeler.core.errors import InterchangeFormatError
from labeler.core.formats._common import (
    bbox,
    files_under,
    fmt_num,
    number,
    parse_xml_file,
    plan_per_image,
    rel_dir_of,
    resolve_reference,
    size_or_bbox,
    warn,
    xml_safe,
)
from labeler.core.formats._output import OutputPlan, write_plan
from labeler.core.formats.baselines import (
    BASELINE_KEY,
    BASELINE_TOLERANCE,
    baseline_of,
    export_baseline,
    page_line_height,
    polygon_around_baseline,
)
from labeler.core.model import ImageRecord, ImageStatus, Point, TextRegion

ALTO_NS = "http://www.loc.gov/standards/alto/ns-v4#"
ALTO_NS_PREFIX = "http://www.loc.gov/standards/alto/"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_LOCATION = f"{ALTO_NS} http://www.loc.gov/standards/alto/v4/alto-4-4.xsd"

_A = f"{{{ALTO_NS}}}"


def _box_attrs(el: etree._Element, points: list[Point]) -> None:
    x0, y0, x1, y1 = bbox(points)
    el.set("HPOS", fmt_num(x0))
    el.set("VPOS", fmt_num(y0))
    el.set("WIDTH", fmt_num(x1 - x0))
    el.set("HEIGHT", fmt_num(y1 - y0))


def _points_text(points: list[Point]) -> str:
    return " ".join(f"{fmt_num(x)},{fmt_num(y)}" for x, y in points)


def _shape(parent: etree._Element, points: list[Point]) -> None:
    shape = etree.SubElement(parent, _A + "Shape")
    etree.SubElement(shape, _A + "Polygon", POINTS=_points_text(points))


def alto_bytes(record: ImageRecord, image_ref: str, warnings: list[str] | None = None) -> bytes:
    """The ALTO document of one image; `image_ref` goes to sourceImageInformation/fileName."""
    root = etree.Element(_A + "alto", nsmap={None: ALTO_NS, "xsi": XSI_NS}, SCHEMAVERSION="4.4")
    root.set(f"{{{XSI_NS}}}schemaLocation", SCHEMA_LOCATION)
    desc = etree.SubElement(root, _A + "Description")
    etree.SubElement(desc, _A + "MeasurementUnit").text = "pixel"
    source = etree.SubElement(desc, _A + "sourceImageInformation")
    etree.SubElement(source, _A + "fileName").text = xml_safe(image_ref, warnings, record.path)
    processing = etree.SubElement(desc, _A + "Processing", ID="processing1")
    software = etree.SubElement(processing, _A + "processingSoftware")
    etree.SubElement(software, _A + "softwareName").text = "labeler"
    etree.SubElement(software, _A + "softwareVersion").text = __version__

    # Tags first (the schema wants them before Layout); ids are assigned as regions need them.
    tag_ids: dict[tuple[str, str], str] = {}
    for region in record.regions:
        if region.difficult:
            tag_ids.setdefault(("difficult", "difficult"), f"tag{len(tag_ids) + 1}")
        if region.key_cls is not None:
            tag_ids.setdefault(("key_cls", region.key_cls), f"tag{len(tag_ids) + 1}")
    if tag_ids:
        tags = etree.SubElement(root, _A + "Tags")
        for (kind, label), tag_id in tag_ids.items():
            etree.SubElement(tags, _A + "OtherTag", ID=tag_id, TYPE=kind, LABEL=xml_safe(label, warnings, record.path))

    width, height = size_or_bbox(record, warnings)
    layout = etree.SubElement(root, _A + "Layout")
    page = etree.SubElement(layout, _A + "Page", ID="page1", PHYSICAL_IMG_NR="1", WIDTH=str(width), HEIGHT=str(height))
    space = etree.SubElement(page, _A + "PrintSpace", HPOS="0", VPOS="0", WIDTH=str(width), HEIGHT=str(height))
    for i, region in enumerate(record.regions, start=1):
        where = f"{record.path} region {i}"
        block = etree.SubElement(space, _A + "TextBlock", ID=f"block{i}")
        _box_attrs(block, region.points)
        _shape(block, region.points)
        line = etree.SubElement(block, _A + "TextLine", ID=f"line{i}")
        _box_attrs(line, region.points)
        line.set("BASELINE", _points_text(export_baseline(region)))
        _shape(line, region.points)
        string = etree.SubElement(line, _A + "String", ID=f"string{i}")
        _box_attrs(string, region.points)
        string.set("CONTENT", xml_safe(region.transcription, warnings, where))
        if region.score is not None:
            string.set("WC", repr(min(1.0, max(0.0, float(region.score)))))
        refs = []
        if region.difficult:
            refs.append(tag_ids[("difficult", "difficult")])
        if region.key_cls is not None:
            refs.append(tag_ids[("key_cls", region.key_cls)])
        if refs:
            string.set("TAGREFS", " ".join(refs))
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def plan_alto(records: list[ImageRecord], out_dir: str | Path, *, warnings: list[str] | None = None) -> OutputPlan:
    """One `<stem>.xml` per image under `out_dir` (mirroring subfolders), not written yet."""
    return plan_per_image(records, out_dir, ".xml", lambda rec, ref: alto_bytes(rec, ref, warnings))


def write_alto(
    records: list[ImageRecord], out_dir: str | Path, *, warnings: list[str] | None = None, force: bool = False
) -> list[Path]:
    """plan_alto, written all or nothing: an existing file needs `force` and is backed up (_output.py)."""
    return write_plan(plan_alto(records, out_dir, warnings=warnings), force=force).written


# ---------------------------------------------------------------------------------------------- import


@dataclass
class _Line:
    region: TextRegion
    baseline: list[Point] | None


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _points(text: str, path: Path, where: str, line: int | None) -> list[Point]:
    """An ALTO PointsType: "x1,y1 x2,y2 ..." or "x1 y1 x2 y2 ..." (both are in use)."""
    try:
        values = [float(v) for v in text.replace(",", " ").split()]
    except ValueError:
        raise InterchangeFormatError(path, f"{where}: bad points {text!r}", line) from None
    if len(values) % 2 or not all(math.isfinite(v) for v in values):
        raise InterchangeFormatError(path, f"{where}: bad points {text!r}", line)
    return [(number(values[i]), number(values[i + 1])) for i in range(0, len(values), 2)]


def _box(el: etree._Element, path: Path, where: str) -> list[Point] | None:
    raw = [el.get(name) for name in ("HPOS", "VPOS", "WIDTH", "HEIGHT")]
    if any(v is None for v in raw):
        return None
    try:
        x, y, w, h = (float(v or "") for v in raw)
    except ValueError:
        raise InterchangeFormatError(path, f"{where}: bad HPOS/VPOS/WIDTH/HEIGHT", el.sourceline) from None
    if w <= 0 or h <= 0:
        return None
    return [
        (number(x), number(y)),
        (number(x + w), number(y)),
        (number(x + w), number(y + h)),
        (number(x), number(y + h)),
    ]


def _tags(root: etree._Element, ns: str) -> dict[str, tuple[str, str]]:
    """Tag ID -> (TYPE, LABEL) of every tag under Tags (OtherTag, LayoutTag, ...)."""
    tags = root.find(f"{{{ns}}}Tags")
    if tags is None:
        return {}
    return {t.get("ID", ""): (t.get("TYPE", ""), t.get("LABEL", "")) for t in tags if _local(t)}


def _line_text(line: etree._Element, ns: str) -> tuple[str, list[etree._Element]]:
    parts: list[str] = []
    strings = []
    previous = ""
    for child in line:
        kind = _local(child)
        if kind == "String":
            if previous == "String":
                parts.append(" ")  # two words with no SP between them
            parts.append(child.get("CONTENT", ""))
            strings.append(child)
        elif kind == "SP":
            parts.append(" ")
        elif kind == "HYP":
            parts.append(child.get("CONTENT", ""))
        previous = kind
    return "".join(parts), strings


def _line_region(line: etree._Element, ns: str, tags: dict[str, tuple[str, str]], path: Path) -> _Line:
    where = f"TextLine ID={line.get('ID')!r}"
    polygon_el = line.find(f"{{{ns}}}Shape/{{{ns}}}Polygon")
    points: list[Point] | None = None
    if polygon_el is not None and polygon_el.get("POINTS"):
        points = _points(polygon_el.get("POINTS", ""), path, where, polygon_el.sourceline)
    if points is None or len(points) < 3:
        points = _box(line, path, where)
    baseline_text = line.get("BASELINE")
    baseline = None
    if baseline_text and any(c in baseline_text for c in ", "):  # ALTO < 4.2: a single number, not a line
        baseline = _points(baseline_text, path, f"{where} BASELINE", line.sourceline)
        baseline = baseline if len(set(baseline)) >= 2 else None
    if points is None and baseline is None:
        raise InterchangeFormatError(path, f"{where}: no Shape/Polygon, box or BASELINE", line.sourceline)
    text, strings = _line_text(line, ns)
    region = TextRegion(points=points or [], transcription=text)
    scores = [float(s.get("WC", "")) for s in strings if _is_number(s.get("WC"))]
    region.score = sum(scores) / len(scores) if scores else None
    for ref in " ".join(s.get("TAGREFS", "") for s in [line, *strings]).split():
        kind, label = tags.get(ref, ("", ""))
        if kind == "difficult":
            region.difficult = True
        elif kind == "key_cls":
            region.key_cls = label
    return _Line(region, baseline)


def _is_number(text: str | None) -> bool:
    try:
        return text is not None and math.isfinite(float(text))
    except ValueError:
        return False


def read_alto_file(path: str | Path, rel_dir: str = ".", warnings: list[str] | None = None) -> ImageRecord:
    """One ALTO document -> ImageRecord (status confirmed); `rel_dir` is its folder relative to the input."""
    path = Path(path)
    root = parse_xml_file(path)
    ns = etree.QName(root).namespace or ""
    if _local(root) != "alto" or not ns.startswith(ALTO_NS_PREFIX):
        raise InterchangeFormatError(path, f"not an ALTO document (root {root.tag!r})", root.sourceline)
    unit = (root.findtext(f"{{{ns}}}Description/{{{ns}}}MeasurementUnit") or "").strip()
    if not unit:
        warn(warnings, f"{path}: no MeasurementUnit, coordinates read as pixels")
    elif unit != "pixel":
        raise InterchangeFormatError(path, f"MeasurementUnit {unit!r}: only pixel coordinates can be read")
    name = (root.findtext(f"{{{ns}}}Description/{{{ns}}}sourceImageInformation/{{{ns}}}fileName") or "").strip()
    if not name:
        raise InterchangeFormatError(path, "no sourceImageInformation/fileName: the image is unknown")
    page = root.find(f"{{{ns}}}Layout/{{{ns}}}Page")
    if page is None:
        raise InterchangeFormatError(path, "no Layout/Page", root.sourceline)
    tags = _tags(root, ns)
    lines = [_line_region(line, ns, tags, path) for line in page.iter(f"{{{ns}}}TextLine")]
    width, height = (_int_or_none(page.get(k)) for k in ("WIDTH", "HEIGHT"))
    _finish(lines, height)
    return ImageRecord(
        path=resolve_reference(name, rel_dir),
        width=width,
        height=height,
        status=ImageStatus.CONFIRMED,
        regions=[line.region for line in lines],
    )


def _int_or_none(text: str | None) -> int | None:
    try:
        return int(float(text)) or None if text is not None else None
    except ValueError:
        return None


def _finish(lines: list[_Line], page_height: int | None) -> None:
    """Polygons for baseline-only lines; foreign baselines kept (as page_xml does)."""
    height = page_line_height([line.region.points for line in lines if line.region.points], page_height)
    for line in lines:
        if line.baseline is None:
            continue
        if not line.region.points:
            line.region.points = polygon_around_baseline(line.baseline, height)
            continue
        computed = baseline_of(line.region.points)
        same = len(computed) == len(line.baseline) and all(
            abs(p[0] - q[0]) <= BASELINE_TOLERANCE and abs(p[1] - q[1]) <= BASELINE_TOLERANCE
            for p, q in zip(line.baseline, computed)
        )
        if not same:
            line.region.extra[BASELINE_KEY] = [[x, y] for x, y in line.baseline]


def read_alto(in_dir: str | Path, *, warnings: list[str] | None = None) -> list[ImageRecord]:
    """Every `*.xml` under `in_dir` (subfolders too), in path order; a file path reads that file."""
    in_dir = Path(in_dir)
    if in_dir.is_file():
        return [read_alto_file(in_dir, ".", warnings)]
    return [read_alto_file(p, rel_dir_of(p, in_dir), warnings) for p in files_under(in_dir, ".xml")]
