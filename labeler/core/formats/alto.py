"""ALTO v4 (4.4) export, one file per image (lxml). Export only: ALTO is a delivery format for libraries.

Layout: Description/MeasurementUnit=pixel + sourceImageInformation/fileName; Layout/Page/PrintSpace holds
one TextBlock per text region with one TextLine and one String carrying the whole transcription (our
regions have no word geometry, so the line is not split into words). Every element gets its bounding
box as HPOS/VPOS/WIDTH/HEIGHT; the TextBlock and TextLine also get the real polygon as Shape/Polygon
(POINTS "x1,y1 x2,y2 ...", floats kept), and the TextLine its baseline as BASELINE (a PointsType polyline,
"x1,y1 x2,y2", ALTO 4.2 and later; computed from the polygon by baselines.py's rules: the bottom edge
left to right for horizontal text, the centre line top to bottom for vertical text; kraken and
eScriptorium read a line only with it). difficult and key_cls become Tags/OtherTag referenced from the
String's TAGREFS; a score becomes String/@WC.
"""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from labeler import __version__
from labeler.core.formats._common import bbox, fmt_num, plan_per_image, size_or_bbox, xml_safe
from labeler.core.formats._output import OutputPlan, write_plan
from labeler.core.formats.baselines import export_baseline
from labeler.core.model import ImageRecord, Point

ALTO_NS = "http://www.loc.gov/standards/alto/ns-v4#"
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
