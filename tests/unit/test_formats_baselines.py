"""Baselines (PAGE Baseline, ALTO BASELINE) computed from polygons, read back, and PAGE ReadingOrder."""

from __future__ import annotations

import pytest
from lxml import etree

from labeler.core.formats.alto import ALTO_NS, alto_bytes
from labeler.core.formats.baselines import (
    BASELINE_KEY,
    baseline_of,
    page_line_height,
    polygon_around_baseline,
)
from labeler.core.formats.page_xml import PAGE_NS, page_xml_bytes, read_page_file, read_page_xml, write_page_xml
from labeler.core.model import ImageRecord, ImageStatus, TextRegion

NS = {"pc": PAGE_NS}


@pytest.mark.parametrize(
    "points, baseline",
    [
        ([(10, 10), (200, 10), (200, 40), (10, 40)], [(10, 40), (200, 40)]),  # upright: bottom edge
        ([(200, 40), (10, 40), (10, 10), (200, 10)], [(10, 40), (200, 40)]),  # any start, any turn
        ([(10, 10), (40, 10), (40, 200), (10, 200)], [(25, 10), (25, 200)]),  # tall: centre line, downwards
        ([(0, 10), (10, 0), (110, 100), (100, 110)], [(0, 10), (100, 110)]),  # 45 degrees: the long side
        ([(0, 0), (100, 20), (96, 40), (-4, 20)], [(-4, 20), (96, 40)]),  # rotated a little: its lower long side
        ([(10, 10), (90, 14), (92, 40), (8, 36)], [(8, 36), (92, 40)]),  # perspective quad: its own bottom side
    ],
)
def test_baseline_rules(points, baseline):
    got = [v for p in baseline_of(points) for v in p]
    assert got == pytest.approx([v for p in baseline for v in p], abs=1e-3)


def test_curved_polygon_baseline_follows_its_bottom_chain():
    curved = [(0, 10), (30, 0), (60, 0), (90, 10), (90, 30), (60, 20), (30, 20), (0, 30)]
    assert baseline_of(curved) == [(0, 30), (30, 20), (60, 20), (90, 30)]


def test_polygon_around_baseline():
    assert polygon_around_baseline([(10, 40), (200, 40)], 30) == [(10, 40), (200, 40), (200, 10), (10, 10)]
    # a vertical baseline is a centre line: half the height to each side
    assert polygon_around_baseline([(25, 10), (25, 200)], 30) == [(10, 10), (10, 200), (40, 200), (40, 10)]
    assert polygon_around_baseline([(0, 5), (50, 5)], 30)[2:] == [(50, 0), (0, 0)]  # clamped to the image
    assert page_line_height([[(0, 0), (100, 0), (100, 20), (0, 20)], [(0, 30), (90, 30), (90, 60), (0, 60)]], 900) == 25
    assert page_line_height([], 800) == 20  # a 40th of the page
    assert page_line_height([], None) == 32


def _record() -> ImageRecord:
    regions = [
        TextRegion([(10, 10 + 40 * i), (300, 10 + 40 * i), (300, 40 + 40 * i), (10, 40 + 40 * i)], f"l{i}")
        for i in range(12)
    ]
    return ImageRecord("p.jpg", 400, 600, ImageStatus.CONFIRMED, regions)


def test_page_export_has_baselines_and_reading_order():
    root = etree.fromstring(page_xml_bytes(_record(), "p.jpg"))
    page = root.find("pc:Page", NS)
    assert etree.QName(page[0]).localname == "ReadingOrder"  # before the regions (schema order)
    refs = page.findall("pc:ReadingOrder/pc:OrderedGroup/pc:RegionRefIndexed", NS)
    assert [(r.get("index"), r.get("regionRef")) for r in refs] == [(str(i), f"r{i + 1}") for i in range(12)]
    line = page.findall("pc:TextRegion", NS)[11].find("pc:TextLine", NS)
    assert [etree.QName(c).localname for c in line] == ["Coords", "Baseline", "TextEquiv"]
    assert line.find("pc:Baseline", NS).get("points") == "10,480 300,480"
    empty = etree.fromstring(page_xml_bytes(ImageRecord("e.jpg", 5, 5), "e.jpg"))
    assert empty.find("pc:Page/pc:ReadingOrder", NS) is None  # an OrderedGroup needs a child


def test_alto_export_has_baselines():
    root = etree.fromstring(alto_bytes(_record(), "p.jpg"))
    lines = root.findall(f".//{{{ALTO_NS}}}TextLine")
    assert lines[0].get("BASELINE") == "10,40 300,40"
    assert len(lines) == 12 and all(line.get("BASELINE") for line in lines)


def _page(body: str) -> str:
    return (
        f'<PcGts xmlns="{PAGE_NS}"><Metadata><Creator>x</Creator><Created>2020-01-01T00:00:00</Created>'
        "<LastChange>2020-01-01T00:00:00</LastChange></Metadata>"
        f'<Page imageFilename="a.jpg" imageWidth="1000" imageHeight="800">{body}</Page></PcGts>'
    )


def test_import_line_with_baseline_only_gets_a_polygon(tmp_path):
    body = (
        '<TextRegion id="a"><Coords points="0,0 500,0 500,100 0,100"/>'
        '<TextLine id="a1"><Coords points="10,10 400,10 400,34 10,34"/><Baseline points="10,34 400,34"/>'
        "<TextEquiv><Unicode>has coords</Unicode></TextEquiv></TextLine>"
        '<TextLine id="a2"><Baseline points="10,80 400,80"/><TextEquiv><Unicode>baseline only</Unicode></TextEquiv>'
        "</TextLine>"
        '<TextLine id="a3"><Coords points="10,90 10,90 10,90"/><Baseline points="10,120 400,120"/>'
        "<TextEquiv><Unicode>degenerate coords</Unicode></TextEquiv></TextLine></TextRegion>"
    )
    path = tmp_path / "a.xml"
    path.write_text(_page(body), encoding="utf-8")
    rec = read_page_file(path)
    assert [r.transcription for r in rec.regions] == ["has coords", "baseline only", "degenerate coords"]
    # up from the baseline by the height of the page's other line (24 px)
    assert rec.regions[1].points == [(10, 80), (400, 80), (400, 56), (10, 56)]
    assert rec.regions[2].points == [(10, 120), (400, 120), (400, 96), (10, 96)]
    assert all(BASELINE_KEY not in r.extra for r in rec.regions)  # those are the baselines labeler computes


def test_foreign_baseline_is_kept_until_the_region_moves(tmp_path):
    body = (
        '<TextRegion id="a"><Coords points="0,0 500,0 500,100 0,100"/>'
        '<TextLine id="a1"><Coords points="10,10 400,10 400,50 10,50"/><Baseline points="10,42 200,40 400,44"/>'
        "<TextEquiv><Unicode>hand-drawn baseline</Unicode></TextEquiv></TextLine></TextRegion>"
    )
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.xml").write_text(_page(body), encoding="utf-8")
    (rec,) = read_page_xml(tmp_path / "in")
    assert rec.regions[0].extra == {BASELINE_KEY: [[10, 42], [200, 40], [400, 44]]}
    (out,) = write_page_xml([rec], tmp_path / "out")
    line = etree.parse(str(out)).find(".//pc:TextLine", NS)
    assert line.find("pc:Baseline", NS).get("points") == "10,42 200,40 400,44"
    assert line.find("pc:UserDefined", NS) is None  # not duplicated into the extra attribute
    rec.regions[0].points = [(10, 510), (400, 510), (400, 550), (10, 550)]  # moved far: the kept one is stale
    line = etree.fromstring(page_xml_bytes(rec, "a.jpg")).find(".//pc:TextLine", NS)
    assert line.find("pc:Baseline", NS).get("points") == "10,550 400,550"


def test_import_follows_reading_order(tmp_path):
    regions = "".join(
        f'<TextRegion id="{rid}"><Coords points="0,{y} 9,{y} 9,{y + 5} 0,{y + 5}"/>'
        f"<TextEquiv><Unicode>{rid}</Unicode></TextEquiv></TextRegion>"
        for rid, y in (("r1", 0), ("r2", 10), ("r3", 20), ("r4", 30))
    )
    order = (
        '<ReadingOrder><OrderedGroup id="g"><RegionRefIndexed index="2" regionRef="r1"/>'
        '<RegionRefIndexed index="0" regionRef="r3"/><RegionRefIndexed index="1" regionRef="r2"/>'
        "</OrderedGroup></ReadingOrder>"
    )
    path = tmp_path / "o.xml"
    path.write_text(_page(order + regions), encoding="utf-8")
    # listed ones by index, the unlisted r4 after them
    assert [r.transcription for r in read_page_file(path).regions] == ["r3", "r2", "r1", "r4"]


def test_own_round_trip_is_exact_and_ordered(tmp_path):
    rec = _record()
    write_page_xml([rec], tmp_path)
    (back,) = read_page_xml(tmp_path)
    assert back.regions == rec.regions  # 12 regions: r10..r12 stay after r9
