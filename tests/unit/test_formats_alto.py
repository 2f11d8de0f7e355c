"""ALTO 4.4 export: structure, escaping, schema validity; import of our own and foreign ALTO, typed errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from labeler.core.errors import InterchangeFormatError, UnsupportedConversionError
from labeler.core.formats import convert, read_records
from labeler.core.formats.alto import ALTO_NS, write_alto
from labeler.core.model import ImageRecord, ImageStatus, TextRegion

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
NS = {"a": ALTO_NS}
XLINK_URL = "http://www.loc.gov/standards/xlink/xlink.xsd"


def _records() -> list[ImageRecord]:
    return [
        ImageRecord(
            "scans/p1.jpg",
            1000,
            800,
            ImageStatus.CONFIRMED,
            [
                TextRegion([(10, 20), (110, 20), (110, 50), (10, 50)], "x < y & \"z\" > 'w'", False, "header", 0.8),
                TextRegion([(5.5, 60), (60, 55), (120, 62), (118, 90), (60, 84), (4, 92)], "مرحبا 😀", True),
                TextRegion([(1, 100), (9, 100), (9, 110), (1, 110)], "", key_cls="header"),
                TextRegion([(1, 120), (9, 120), (9, 130), (1, 130)], "line\nbreak\ttab"),
            ],
        ),
        ImageRecord("empty.png", 10, 10, ImageStatus.NEW, []),
    ]


def test_export_structure_and_escaping(tmp_path):
    paths = write_alto(_records(), tmp_path)
    assert paths == [tmp_path / "scans" / "p1.xml", tmp_path / "empty.xml"]
    root = etree.parse(str(paths[0])).getroot()
    assert root.findtext("a:Description/a:MeasurementUnit", namespaces=NS) == "pixel"
    assert root.findtext("a:Description/a:sourceImageInformation/a:fileName", namespaces=NS) == "p1.jpg"
    page = root.find("a:Layout/a:Page", NS)
    assert (page.get("WIDTH"), page.get("HEIGHT")) == ("1000", "800")
    blocks = page.findall("a:PrintSpace/a:TextBlock", NS)
    assert len(blocks) == 4
    strings = [b.find("a:TextLine/a:String", NS) for b in blocks]
    assert [s.get("CONTENT") for s in strings] == ["x < y & \"z\" > 'w'", "مرحبا 😀", "", "line\nbreak\ttab"]
    second = blocks[1].find("a:TextLine", NS)
    assert second.find("a:Shape/a:Polygon", NS).get("POINTS") == "5.5,60 60,55 120,62 118,90 60,84 4,92"
    assert [second.get(k) for k in ("HPOS", "VPOS", "WIDTH", "HEIGHT")] == ["4", "55", "116", "37"]
    tags = {t.get("ID"): (t.get("TYPE"), t.get("LABEL")) for t in root.iterfind("a:Tags/a:OtherTag", NS)}
    assert {tags[ref] for ref in strings[0].get("TAGREFS").split()} == {("key_cls", "header")}
    assert {tags[ref] for ref in strings[1].get("TAGREFS").split()} == {("difficult", "difficult")}
    assert strings[2].get("TAGREFS") == strings[0].get("TAGREFS")  # one tag per class, shared
    assert strings[0].get("WC") == "0.8"


class _LocalXlink(etree.Resolver):
    """ALTO imports XLink from the web; nothing may be fetched, so point it at the local copy."""

    def resolve(self, url, public_id, context):
        if url == XLINK_URL or url.endswith("/xlink.xsd"):
            return self.resolve_filename(str(SHARED / "schemas" / "xlink.xsd"), context)
        return None


@pytest.mark.shared
def test_export_validates_against_alto_4_4_schema(tmp_path):
    if not (SHARED / "schemas" / "alto-4-4.xsd").is_file():
        pytest.skip("../shared/schemas not available")
    parser = etree.XMLParser(no_network=True)
    parser.resolvers.add(_LocalXlink())
    schema = etree.XMLSchema(etree.parse(str(SHARED / "schemas" / "alto-4-4.xsd"), parser))
    records = _records() + [ImageRecord("nosize.jpg", regions=[TextRegion([(-5, 0), (5, 0), (5, 5), (-5, 5)], "n")])]
    for path in write_alto(records, tmp_path):
        doc = etree.parse(str(path))
        assert schema.validate(doc), f"{path}: {schema.error_log}"
    doc.getroot().find("a:Layout/a:Page", NS).attrib.pop("PHYSICAL_IMG_NR")  # the check has teeth
    assert not schema.validate(doc)


def test_own_export_reads_back(tmp_path):
    records = _records()
    write_alto(records, tmp_path / "alto")
    back = read_records("alto", tmp_path / "alto")
    assert [r.path for r in back] == ["empty.png", "scans/p1.jpg"]  # path order; subfolders mirrored
    empty, page = back
    assert (empty.regions, empty.status) == ([], ImageStatus.CONFIRMED)
    assert (page.width, page.height) == (1000, 800)
    for got, want in zip(page.regions, records[0].regions):
        assert got.points == want.points  # floats kept (Shape/Polygon)
        assert (got.transcription, got.difficult, got.key_cls, got.score) == (
            want.transcription,
            want.difficult,
            want.key_cls,
            want.score,
        )
        assert got.extra == {}  # the BASELINE is the one labeler computes, not kept


FOREIGN_ALTO = """<?xml version="1.0" encoding="UTF-8"?>
<alto xmlns="http://www.loc.gov/standards/alto/ns-v3#">
  <Description><MeasurementUnit>pixel</MeasurementUnit>
    <sourceImageInformation><fileName>page 7.tif</fileName></sourceImageInformation></Description>
  <Layout><Page ID="p" WIDTH="2000" HEIGHT="3000" PHYSICAL_IMG_NR="1"><PrintSpace>
    <TextBlock ID="b1">
      <TextLine ID="l1" HPOS="100" VPOS="200" WIDTH="400" HEIGHT="40" BASELINE="100,236 500,238">
        <String CONTENT="Hello" WC="0.5"/><SP/><String CONTENT="wor" WC="0.7"/><HYP CONTENT="-"/>
      </TextLine>
      <TextLine ID="l2" BASELINE="100 330 500 330"><String CONTENT="baseline"/><String CONTENT="only"/></TextLine>
      <TextLine ID="l3" HPOS="100" VPOS="400" WIDTH="400" HEIGHT="40" BASELINE="236"><String CONTENT="old"/></TextLine>
    </TextBlock>
  </PrintSpace></Page></Layout>
</alto>
"""


def test_import_foreign_alto(tmp_path):
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "p7.xml").write_text(FOREIGN_ALTO, encoding="utf-8")
    (rec,) = read_records("alto", tmp_path)
    assert (rec.path, rec.width, rec.height) == ("book/page 7.tif", 2000, 3000)
    hello, only, old = rec.regions
    assert (hello.transcription, hello.score) == ("Hello wor-", pytest.approx(0.6))
    assert hello.points == [(100, 200), (500, 200), (500, 240), (100, 240)]
    assert hello.extra == {"baseline": [[100, 236], [500, 238]]}  # not the box's bottom edge: kept
    assert only.transcription == "baseline only"  # words without SP between them get a space
    assert only.points == [(100, 330), (500, 330), (500, 290), (100, 290)]  # 40 px up, like its neighbours
    assert old.transcription == "old" and old.extra == {}  # ALTO < 4.2 BASELINE (one number): not a line


@pytest.mark.parametrize(
    "body, message",
    [
        (
            "<alto xmlns='http://www.loc.gov/standards/alto/ns-v4#'><Description><MeasurementUnit>mm10"
            "</MeasurementUnit></Description></alto>",
            "only pixel",
        ),
        (
            "<alto xmlns='http://www.loc.gov/standards/alto/ns-v4#'><Description><MeasurementUnit>pixel"
            "</MeasurementUnit></Description></alto>",
            "fileName",
        ),
        ("<PcGts/>", "not an ALTO document"),
        ("<alto", "not well-formed"),
    ],
)
def test_bad_alto_names_the_file(tmp_path, body, message):
    path = tmp_path / "bad.xml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(InterchangeFormatError) as info:
        read_records("alto", tmp_path)
    assert str(path) in str(info.value) and message in str(info.value)


def test_unknown_format(tmp_path):
    with pytest.raises(UnsupportedConversionError, match="unknown format 'hocr'"):
        convert("page", "hocr", tmp_path, tmp_path / "out")
