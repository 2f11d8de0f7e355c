"""PAGE-XML 2019-07-15: one file per image, import and export (lxml).

Export layout: one TextRegion per text region, holding one TextLine with the same polygon. That is the
simplest valid grouping that keeps every line's own polygon and the reading order; a region-per-line is
what line-level OCR ground truth (OCR-D, Transkribus line exports) looks like anyway.
  <ReadingOrder><OrderedGroup id="ro1"><RegionRefIndexed index="0" regionRef="r1"/> ... (region order)
  <TextRegion id="r3"><Coords points=.../>
    <TextLine id="r3_l1"><Coords points="x1,y1 x2,y2 ..."/>
      <Baseline points="x1,y1 x2,y2"/>
      <TextEquiv conf="score"><Unicode>text</Unicode></TextEquiv>
      <UserDefined><UserAttribute name="difficult" type="xsd:boolean" value="true"/> ...</UserDefined>
What PAGE has no field for is kept in UserDefined/UserAttribute (difficult, key_cls, kie_id, linking,
locked, extra as JSON), which the schema allows and other tools carry along untouched. The image status
goes to Metadata/UserDefined. PAGE points are non-negative integers: coordinates are rounded and
negative ones clamped to 0 (reported).

Every TextLine gets a Baseline (HTR tools such as kraken and eScriptorium read lines by it), computed
from the polygon by the rules in baselines.py: the bottom edge, left to right, for horizontal text (a
rotated quad's text runs along its long side), the centre line from top to bottom for vertical text
(elongated upright lines, height >= 1.5 x width). ReadingOrder is left out for a page without regions
(an OrderedGroup needs a child).

Import reads every TextLine (any PAGE version's namespace, Coords@points or the 2010 Point children) in
the order of Page/ReadingOrder's first OrderedGroup where it lists their TextRegion, else in document
order; a TextRegion without lines but with its own TextEquiv becomes one region. A TextLine whose Coords
are missing or degenerate (under 3 distinct points, or no area; the latter only in files labeler did
not write, as labeler itself allows such regions) but that has a Baseline gets a polygon
around the baseline (baselines.polygon_around_baseline: up from it by the median height of the page's
other lines). A Baseline that differs from the one labeler computes from the polygon (by more than
BASELINE_TOLERANCE px: a foreign file's hand-drawn one) is kept in the region's extra["baseline"] and
written back as it was, as long as it still lies within the polygon's box grown by a line height (after
the region was moved it is stale and a new one is computed).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from lxml import etree

from labeler import __version__
from labeler.core.errors import InterchangeFormatError
from labeler.core.formats._common import (
    files_under,
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
from labeler.core.polygon import polygon_area

PAGE_NS = "http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15"
PAGE_NS_PREFIX = "http://schema.primaresearch.org/PAGE/gts/pagecontent/"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_LOCATION = f"{PAGE_NS} {PAGE_NS}/pagecontent.xsd"
STATUS_ATTRIBUTE = "labeler_status"

_P = f"{{{PAGE_NS}}}"


def _safe_parser() -> etree.XMLParser:
    # No entity expansion, no network: a crafted file can neither read local files nor phone home.
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)


# ---------------------------------------------------------------------------------------------- export


def _points_attr(points: list[Point], warnings: list[str] | None, where: str) -> str:
    ints = [(int(round(x)), int(round(y))) for x, y in points]
    if any(x < 0 or y < 0 for x, y in ints):
        warn(warnings, f"{where}: negative coordinates clamped to 0 (PAGE allows none)")
        ints = [(max(0, x), max(0, y)) for x, y in ints]
    return " ".join(f"{x},{y}" for x, y in ints)


def _user_attribute(parent: etree._Element, name: str, xsd_type: str, value: str) -> None:
    etree.SubElement(parent, _P + "UserAttribute", name=name, type=xsd_type, value=value)


def _region_user_attributes(line: etree._Element, region: TextRegion, warnings: list[str] | None, where: str) -> None:
    attrs: list[tuple[str, str, str]] = []
    if region.difficult:
        attrs.append(("difficult", "xsd:boolean", "true"))
    if region.key_cls is not None:
        attrs.append(("key_cls", "xsd:string", xml_safe(region.key_cls, warnings, where)))
    if region.id is not None:
        attrs.append(("kie_id", "xsd:integer", str(region.id)))
    if region.linking:
        attrs.append(("linking", "xsd:string", json.dumps(region.linking)))
    if region.locked:
        attrs.append(("locked", "xsd:boolean", "true"))
    extra = {k: v for k, v in region.extra.items() if k != BASELINE_KEY}  # that one is the Baseline element
    if extra:
        attrs.append(("extra", "xsd:string", json.dumps(extra, ensure_ascii=True)))
    if attrs:
        user = etree.SubElement(line, _P + "UserDefined")
        for name, xsd_type, value in attrs:
            _user_attribute(user, name, xsd_type, value)


def _reading_order(page: etree._Element, count: int) -> None:
    # Readers that follow ReadingOrder (or re-sort by id: r10 before r2) would otherwise scramble the lines.
    if count == 0:
        return  # an OrderedGroup needs at least one child (schema)
    order = etree.SubElement(page, _P + "ReadingOrder")
    group = etree.SubElement(order, _P + "OrderedGroup", id="ro1", caption="Regions reading order")
    for i in range(1, count + 1):
        etree.SubElement(group, _P + "RegionRefIndexed", index=str(i - 1), regionRef=f"r{i}")


def page_xml_bytes(record: ImageRecord, image_ref: str, warnings: list[str] | None = None) -> bytes:
    """The PAGE document of one image; `image_ref` is written as Page/@imageFilename."""
    now = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    root = etree.Element(_P + "PcGts", nsmap={None: PAGE_NS, "xsi": XSI_NS})
    root.set(f"{{{XSI_NS}}}schemaLocation", SCHEMA_LOCATION)
    meta = etree.SubElement(root, _P + "Metadata")
    etree.SubElement(meta, _P + "Creator").text = f"labeler {__version__}"
    etree.SubElement(meta, _P + "Created").text = now
    etree.SubElement(meta, _P + "LastChange").text = now
    status = etree.SubElement(meta, _P + "UserDefined")
    _user_attribute(status, STATUS_ATTRIBUTE, "xsd:string", ImageStatus(record.status).value)
    width, height = size_or_bbox(record, warnings)
    page = etree.SubElement(
        root,
        _P + "Page",
        imageFilename=xml_safe(image_ref, warnings, record.path),
        imageWidth=str(width),
        imageHeight=str(height),
    )
    _reading_order(page, len(record.regions))
    for i, region in enumerate(record.regions, start=1):
        where = f"{record.path} region {i}"
        points = _points_attr(region.points, warnings, where)
        text_region = etree.SubElement(page, _P + "TextRegion", id=f"r{i}")
        etree.SubElement(text_region, _P + "Coords", points=points)
        line = etree.SubElement(text_region, _P + "TextLine", id=f"r{i}_l1")
        etree.SubElement(line, _P + "Coords", points=points)
        etree.SubElement(line, _P + "Baseline", points=_points_attr(export_baseline(region), None, where))
        equiv = etree.SubElement(line, _P + "TextEquiv")
        if region.score is not None:
            equiv.set("conf", repr(min(1.0, max(0.0, float(region.score)))))
        etree.SubElement(equiv, _P + "Unicode").text = xml_safe(region.transcription, warnings, where)
        _region_user_attributes(line, region, warnings, where)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def plan_page_xml(records: list[ImageRecord], out_dir: str | Path, *, warnings: list[str] | None = None) -> OutputPlan:
    """One `<stem>.xml` per image under `out_dir` (mirroring subfolders), not written yet."""
    return plan_per_image(records, out_dir, ".xml", lambda rec, ref: page_xml_bytes(rec, ref, warnings))


def write_page_xml(
    records: list[ImageRecord], out_dir: str | Path, *, warnings: list[str] | None = None, force: bool = False
) -> list[Path]:
    """plan_page_xml, written all or nothing: an existing file needs `force` and is backed up (_output.py)."""
    return write_plan(plan_page_xml(records, out_dir, warnings=warnings), force=force).written


# ---------------------------------------------------------------------------------------------- import


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _children(el: etree._Element, name: str, ns: str) -> list[etree._Element]:
    return el.findall(f"{{{ns}}}{name}")


def _describe(el: etree._Element) -> str:
    ident = el.get("id")
    return f"{_local(el)} id={ident!r}" if ident else _local(el)


def _points_of(owner: etree._Element, name: str, ns: str, path: Path) -> list[Point] | None:
    """The points of `owner`'s child `name` (Coords or Baseline): None when there is no such child."""
    child = owner.find(f"{{{ns}}}{name}")
    if child is None:
        return None
    raw = child.get("points")
    try:
        if raw is not None:
            pts = []
            for pair in raw.split():
                x, y = pair.split(",")
                pts.append((_num(x), _num(y)))
            return pts
        # PAGE 2010: <Point x= y=/> children
        return [(_num(p.get("x")), _num(p.get("y"))) for p in child.findall(f"{{{ns}}}Point")]
    except (ValueError, TypeError):
        raise InterchangeFormatError(path, f"{_describe(owner)}: bad {name} points {raw!r}", child.sourceline) from None


def _degenerate(points: list[Point]) -> bool:
    return len(set(points)) < 3 or polygon_area(points) == 0


def _geometry(el: etree._Element, ns: str, path: Path, own: bool) -> tuple[list[Point], list[Point] | None]:
    """(polygon, baseline) of a line or region: the polygon is [] when the Coords are missing or
    degenerate but a baseline can stand in (filled in later, polygon_around_baseline). In labeler's own
    files (`own`) any Coords of 3 or more points are the region's, degenerate or not: labeler allows them."""
    coords = _points_of(el, "Coords", ns, path)
    baseline = _points_of(el, "Baseline", ns, path) if _local(el) == "TextLine" else None
    if baseline is not None and len(set(baseline)) < 2:
        baseline = None  # a single point gives no direction
    if coords is not None and len(coords) >= 3 and not (baseline is not None and not own and _degenerate(coords)):
        return coords, baseline
    if baseline is not None:
        return [], baseline
    if coords is None:
        raise InterchangeFormatError(path, f"{_describe(el)} has no Coords", el.sourceline)
    raise InterchangeFormatError(path, f"{_describe(el)}: Coords need at least 3 points", el.sourceline)


def _num(text: str | None) -> float | int:
    if text is None:
        raise ValueError("missing coordinate")
    value = float(text)
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError("not finite")
    return int(value) if value.is_integer() else value


def _text_equiv(el: etree._Element, ns: str, path: Path) -> tuple[str | None, float | None]:
    equivs = _children(el, "TextEquiv", ns)
    if not equivs:
        return None, None

    def order(e: etree._Element) -> int:
        try:
            return int(e.get("index", "0"))
        except ValueError:
            return 0

    best = min(equivs, key=order)  # the lowest index is the main text (schema)
    unicode_el = best.find(f"{{{ns}}}Unicode")
    text = unicode_el.text if unicode_el is not None and unicode_el.text is not None else ""
    conf = best.get("conf")
    try:
        score = float(conf) if conf is not None else None
    except ValueError:
        raise InterchangeFormatError(path, f"{_describe(el)}: bad TextEquiv conf {conf!r}", best.sourceline) from None
    return text, score


def _user_attrs(el: etree._Element, ns: str) -> dict[str, str]:
    user = el.find(f"{{{ns}}}UserDefined")
    if user is None:
        return {}
    return {a.get("name", ""): a.get("value", "") for a in user.findall(f"{{{ns}}}UserAttribute")}


def _region_from(el: etree._Element, ns: str, path: Path, own: bool) -> _ReadLine:
    text, score = _text_equiv(el, ns, path)
    attrs = _user_attrs(el, ns)
    points, baseline = _geometry(el, ns, path, own)
    region = TextRegion(points=points, transcription=text or "", score=score)
    region.difficult = attrs.get("difficult", "").strip().lower() in ("true", "1")
    region.locked = attrs.get("locked", "").strip().lower() in ("true", "1")
    region.key_cls = attrs.get("key_cls")
    try:
        if "kie_id" in attrs:
            region.id = int(attrs["kie_id"])
        if "linking" in attrs:
            region.linking = json.loads(attrs["linking"])
        if "extra" in attrs:
            region.extra = json.loads(attrs["extra"])
    except (ValueError, json.JSONDecodeError) as exc:
        raise InterchangeFormatError(path, f"{_describe(el)}: bad UserAttribute ({exc})", el.sourceline) from None
    if not isinstance(region.linking, list) or not isinstance(region.extra, dict):
        raise InterchangeFormatError(path, f"{_describe(el)}: linking/extra UserAttribute of wrong type", el.sourceline)
    return _ReadLine(region, baseline, _top_region_id(el))


@dataclass
class _ReadLine:
    region: TextRegion
    baseline: list[Point] | None
    top_id: str | None  # the id of its TextRegion under Page, what ReadingOrder refers to


def _top_region_id(el: etree._Element) -> str | None:
    while el.getparent() is not None and _local(el.getparent()) != "Page":
        el = el.getparent()
    return el.get("id")


def _reading_order_index(page: etree._Element, ns: str) -> dict[str, int]:
    """regionRef -> position, from the first OrderedGroup of Page/ReadingOrder (its direct
    RegionRefIndexed children by @index); nested groups are not followed."""
    group = page.find(f"{{{ns}}}ReadingOrder/{{{ns}}}OrderedGroup")
    if group is None:
        return {}
    refs = []
    for ref in group.findall(f"{{{ns}}}RegionRefIndexed"):
        try:
            refs.append((int(ref.get("index", "")), ref.get("regionRef", "")))
        except ValueError:
            continue  # an unreadable index: that region keeps its document position
    return {region_id: pos for pos, (_index, region_id) in enumerate(sorted(refs, key=lambda r: r[0]))}


def _finish_geometry(lines: list[_ReadLine], page_height: int | None) -> None:
    """Polygons for lines known by their baseline only; a foreign baseline that is not what labeler
    would compute is kept in `extra` so that writing PAGE again gives it back (page_xml docstring)."""
    height = page_line_height([line.region.points for line in lines if line.region.points], page_height)
    for line in lines:
        region, baseline = line.region, line.baseline
        if baseline is None:
            continue
        if not region.points:
            region.points = polygon_around_baseline(baseline, height)
        elif not _same_line(baseline, baseline_of(region.points)):
            region.extra[BASELINE_KEY] = [[x, y] for x, y in baseline]


def _same_line(a: list[Point], b: list[Point], tol: float = BASELINE_TOLERANCE) -> bool:
    return len(a) == len(b) and all(abs(p[0] - q[0]) <= tol and abs(p[1] - q[1]) <= tol for p, q in zip(a, b))


def read_page_file(path: str | Path, rel_dir: str = ".", warnings: list[str] | None = None) -> ImageRecord:
    """One PAGE document -> ImageRecord; `rel_dir` is the file's folder relative to the input folder."""
    path = Path(path)
    try:
        root = etree.parse(str(path), _safe_parser()).getroot()
    except etree.XMLSyntaxError as exc:
        raise InterchangeFormatError(path, f"not well-formed XML: {exc.msg}", exc.lineno) from None
    except OSError as exc:
        raise InterchangeFormatError(path, f"cannot read: {exc}") from None
    ns = etree.QName(root).namespace or ""
    if _local(root) != "PcGts" or not ns.startswith(PAGE_NS_PREFIX):
        raise InterchangeFormatError(path, f"not a PAGE document (root {root.tag!r})", root.sourceline)
    if ns != PAGE_NS:
        warn(warnings, f"{path}: PAGE namespace {ns} read as 2019-07-15")
    page = root.find(f"{{{ns}}}Page")
    if page is None:
        raise InterchangeFormatError(path, "PcGts has no Page element", root.sourceline)
    filename = page.get("imageFilename")
    if not filename:
        raise InterchangeFormatError(path, "Page has no imageFilename", page.sourceline)
    try:
        width = int(page.get("imageWidth", "0")) or None
        height = int(page.get("imageHeight", "0")) or None
    except ValueError:
        raise InterchangeFormatError(path, "Page imageWidth/imageHeight must be integers", page.sourceline) from None

    meta = root.find(f"{{{ns}}}Metadata")
    status_value = _user_attrs(meta, ns).get(STATUS_ATTRIBUTE) if meta is not None else None
    lines: list[_ReadLine] = []
    for el in page.iter(f"{{{ns}}}TextRegion", f"{{{ns}}}TextLine"):
        if _local(el) == "TextLine" or (not _children(el, "TextLine", ns) and _children(el, "TextEquiv", ns)):
            lines.append(_region_from(el, ns, path, own=status_value is not None))
    _finish_geometry(lines, height)
    order = _reading_order_index(page, ns)
    # Stable: lines of one region, and regions ReadingOrder does not list, keep their document order.
    lines.sort(key=lambda line: order.get(line.top_id or "", len(order)))
    regions = [line.region for line in lines]

    status = ImageStatus.CONFIRMED
    value = status_value
    if value is not None:
        try:
            status = ImageStatus(value)
        except ValueError:
            warn(warnings, f"{path}: unknown {STATUS_ATTRIBUTE} {value!r}, read as confirmed")
    return ImageRecord(
        path=resolve_reference(filename, rel_dir), width=width, height=height, status=status, regions=regions
    )


def read_page_xml(in_dir: str | Path, *, warnings: list[str] | None = None) -> list[ImageRecord]:
    """Every `*.xml` under `in_dir` (subfolders too), in path order."""
    in_dir = Path(in_dir)
    if in_dir.is_file():
        return [read_page_file(in_dir, ".", warnings)]
    return [read_page_file(p, rel_dir_of(p, in_dir), warnings) for p in files_under(in_dir, ".xml")]
