"""PAGE-XML 2019-07-15: one file per image, import and export (lxml).

Export layout: one TextRegion per text region, holding one TextLine with the same polygon. That is the
simplest valid grouping that keeps every line's own polygon and the reading order; a region-per-line is
what line-level OCR ground truth (OCR-D, Transkribus line exports) looks like anyway.
  <TextRegion id="r3"><Coords points=.../>
    <TextLine id="r3_l1"><Coords points="x1,y1 x2,y2 ..."/>
      <TextEquiv conf="score"><Unicode>text</Unicode></TextEquiv>
      <UserDefined><UserAttribute name="difficult" type="xsd:boolean" value="true"/> ...</UserDefined>
What PAGE has no field for is kept in UserDefined/UserAttribute (difficult, key_cls, kie_id, linking,
locked, extra as JSON), which the schema allows and other tools carry along untouched. The image status
goes to Metadata/UserDefined. PAGE points are non-negative integers: coordinates are rounded and
negative ones clamped to 0 (reported).

Import reads every TextLine in document order (any PAGE version's namespace, Coords@points or the 2010
Point children); a TextRegion without lines but with its own TextEquiv becomes one region.
"""

from __future__ import annotations

import json
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
from labeler.core.model import ImageRecord, ImageStatus, Point, TextRegion

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
    if region.extra:
        attrs.append(("extra", "xsd:string", json.dumps(region.extra, ensure_ascii=True)))
    if attrs:
        user = etree.SubElement(line, _P + "UserDefined")
        for name, xsd_type, value in attrs:
            _user_attribute(user, name, xsd_type, value)


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
    for i, region in enumerate(record.regions, start=1):
        where = f"{record.path} region {i}"
        points = _points_attr(region.points, warnings, where)
        text_region = etree.SubElement(page, _P + "TextRegion", id=f"r{i}")
        etree.SubElement(text_region, _P + "Coords", points=points)
        line = etree.SubElement(text_region, _P + "TextLine", id=f"r{i}_l1")
        etree.SubElement(line, _P + "Coords", points=points)
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


def _parse_points(el: etree._Element, ns: str, path: Path) -> list[Point]:
    coords = el.find(f"{{{ns}}}Coords")
    if coords is None:
        raise InterchangeFormatError(path, f"{_describe(el)} has no Coords", el.sourceline)
    raw = coords.get("points")
    pts: list[Point] = []
    try:
        if raw is not None:
            for pair in raw.split():
                x, y = pair.split(",")
                pts.append((_num(x), _num(y)))
        else:  # PAGE 2010: <Point x= y=/> children
            pts = [(_num(p.get("x")), _num(p.get("y"))) for p in coords.findall(f"{{{ns}}}Point")]
    except (ValueError, TypeError):
        raise InterchangeFormatError(path, f"{_describe(el)}: bad Coords points {raw!r}", coords.sourceline) from None
    if len(pts) < 3:
        raise InterchangeFormatError(path, f"{_describe(el)}: Coords need at least 3 points", coords.sourceline)
    return pts


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


def _region_from(el: etree._Element, ns: str, path: Path, text: str, score: float | None) -> TextRegion:
    attrs = _user_attrs(el, ns)
    region = TextRegion(points=_parse_points(el, ns, path), transcription=text, score=score)
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
    return region


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

    regions: list[TextRegion] = []
    for el in page.iter(f"{{{ns}}}TextRegion", f"{{{ns}}}TextLine"):
        if _local(el) == "TextLine":
            text, score = _text_equiv(el, ns, path)
            regions.append(_region_from(el, ns, path, text or "", score))
        elif not _children(el, "TextLine", ns) and _children(el, "TextEquiv", ns):
            text, score = _text_equiv(el, ns, path)
            regions.append(_region_from(el, ns, path, text or "", score))

    status = ImageStatus.CONFIRMED
    meta = root.find(f"{{{ns}}}Metadata")
    value = _user_attrs(meta, ns).get(STATUS_ATTRIBUTE) if meta is not None else None
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
