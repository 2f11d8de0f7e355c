"""PAGE-XML 2019: export structure, schema validity, import of foreign files, typed errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from labeler.core.errors import InterchangeFormatError, LabelFormatError
from labeler.core.formats.page_xml import PAGE_NS, page_xml_bytes, read_page_file, read_page_xml, write_page_xml
from labeler.core.model import ImageRecord, ImageStatus, TextRegion

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
NS = {"pc": PAGE_NS}


def _record() -> ImageRecord:
    return ImageRecord(
        "scan.tif",
        800,
        600,
        ImageStatus.CONFIRMED,
        [
            TextRegion([(10, 10), (200, 10), (200, 40), (10, 40)], "<b>Fish & \"Chips\"</b> 'n' ]]>", score=0.97),
            TextRegion([(10.4, 50.6), (90, 52), (120, 70), (95, 88), (12, 85)], "عربى 😀", difficult=True),
            TextRegion([(-3, 100), (50, 100), (50, 120), (-3, 120)], "clamped", False, "answer", None, 2, [[1, 2]]),
            TextRegion([(1, 1), (2, 1), (2, 2), (1, 2)], "bad\x00char\x1b"),
        ],
    )


def test_export_structure(tmp_path):
    warnings: list[str] = []
    (path,) = write_page_xml([_record()], tmp_path, warnings=warnings)
    assert path == tmp_path / "scan.xml"
    root = etree.parse(str(path)).getroot()
    page = root.find("pc:Page", NS)
    assert (page.get("imageFilename"), page.get("imageWidth"), page.get("imageHeight")) == ("scan.tif", "800", "600")
    regions = page.findall("pc:TextRegion", NS)
    assert len(regions) == 4  # one TextRegion per line
    assert [len(r.findall("pc:TextLine", NS)) for r in regions] == [1, 1, 1, 1]
    line = regions[1].find("pc:TextLine", NS)
    assert line.find("pc:Coords", NS).get("points") == "10,51 90,52 120,70 95,88 12,85"
    assert line.find("pc:TextEquiv/pc:Unicode", NS).text == "عربى 😀"
    attrs = {a.get("name"): a.get("value") for a in line.iterfind("pc:UserDefined/pc:UserAttribute", NS)}
    assert attrs == {"difficult": "true"}
    assert regions[2].find("pc:TextLine/pc:Coords", NS).get("points") == "0,100 50,100 50,120 0,120"
    assert any("clamped" in w for w in warnings)
    assert any("U+FFFD" in w for w in warnings)
    assert regions[0].find("pc:TextLine/pc:TextEquiv", NS).get("conf") == "0.97"


def test_xml_special_characters_round_trip(tmp_path):
    write_page_xml([_record()], tmp_path)
    (rec,) = read_page_xml(tmp_path)
    assert rec.regions[0].transcription == "<b>Fish & \"Chips\"</b> 'n' ]]>"
    assert rec.regions[3].transcription == "bad\ufffdchar\ufffd"
    assert (rec.regions[2].key_cls, rec.regions[2].id, rec.regions[2].linking) == ("answer", 2, [[1, 2]])


def test_unknown_size_falls_back_to_bounding_box(tmp_path):
    rec = ImageRecord("x.png", regions=[TextRegion([(0, 0), (30.2, 0), (30.2, 9.5), (0, 9.5)], "t")])
    warnings: list[str] = []
    root = etree.fromstring(page_xml_bytes(rec, "x.png", warnings))
    page = root.find("pc:Page", NS)
    assert (page.get("imageWidth"), page.get("imageHeight")) == ("31", "10")
    assert any("bounding box" in w for w in warnings)


def _schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SHARED / "schemas" / "pagecontent-2019-07-15.xsd")))


@pytest.mark.shared
def test_export_validates_against_page_2019_schema(tmp_path):
    if not (SHARED / "schemas" / "pagecontent-2019-07-15.xsd").is_file():
        pytest.skip("../shared/schemas not available")
    schema = _schema()
    records = [
        _record(),
        ImageRecord("empty.jpg", 10, 10, ImageStatus.NEW, []),
        ImageRecord("sub/pre.jpg", 100, 100, ImageStatus.PRELABELLED, [TextRegion([(1, 1), (9, 1), (9, 5)], "")]),
    ]
    for path in write_page_xml(records, tmp_path):
        doc = etree.parse(str(path))
        assert schema.validate(doc), f"{path}: {schema.error_log}"
    # The check has teeth: a negative coordinate (which export clamps) is refused by the schema.
    doc.getroot().find("pc:Page/pc:TextRegion/pc:Coords", NS).set("points", "-1,1 9,1 9,5")
    assert not schema.validate(doc)


FOREIGN = """<?xml version="1.0" encoding="UTF-8"?>
<PcGts xmlns="http://schema.primaresearch.org/PAGE/gts/pagecontent/2013-07-15">
  <Metadata><Creator>x</Creator><Created>2020-01-01T00:00:00</Created>
    <LastChange>2020-01-01T00:00:00</LastChange></Metadata>
  <Page imageFilename="..\\images\\p1.jpg" imageWidth="1000" imageHeight="700">
    <ReadingOrder/>
    <TextRegion id="tr1" custom="readingOrder {index:0;}">
      <Coords points="0,0 500,0 500,200 0,200"/>
      <TextLine id="tl1">
        <Coords points="10,10 400,10 400,50 10,50"/>
        <Baseline points="10,45 400,45"/>
        <Word id="w1"><Coords points="10,10 50,10 50,50 10,50"/><TextEquiv><Unicode>ignored</Unicode></TextEquiv></Word>
        <TextEquiv index="1"><Unicode>second choice</Unicode></TextEquiv>
        <TextEquiv index="0" conf="0.5"><Unicode>first line</Unicode></TextEquiv>
      </TextLine>
      <TextLine id="tl2">
        <Coords><Point x="10" y="60"/><Point x="400" y="60"/><Point x="400" y="90"/><Point x="10" y="90"/></Coords>
        <TextEquiv><Unicode/></TextEquiv>
      </TextLine>
      <TextRegion id="nested">
        <Coords points="0,300 100,300 100,350 0,350"/>
        <TextEquiv><Unicode>region level text</Unicode></TextEquiv>
      </TextRegion>
    </TextRegion>
    <ImageRegion id="img1"><Coords points="600,0 900,0 900,300 600,300"/></ImageRegion>
  </Page>
</PcGts>
"""


def test_import_foreign_page_file(tmp_path):
    folder = tmp_path / "page" / "book"
    folder.mkdir(parents=True)
    (folder / "p1.xml").write_text(FOREIGN, encoding="utf-8")
    warnings: list[str] = []
    (rec,) = read_page_xml(tmp_path / "page", warnings=warnings)
    assert rec.path == "images/p1.jpg"  # book/..\images\p1.jpg, normalised
    assert (rec.width, rec.height, rec.status) == (1000, 700, ImageStatus.CONFIRMED)
    assert [r.transcription for r in rec.regions] == ["first line", "", "region level text"]
    assert rec.regions[0].points == [(10, 10), (400, 10), (400, 50), (10, 50)]
    assert rec.regions[0].score == 0.5
    assert rec.regions[1].points == [(10, 60), (400, 60), (400, 90), (10, 90)]
    assert any("2013-07-15" in w for w in warnings)


def _bad(tmp_path: Path, text: str) -> InterchangeFormatError:
    path = tmp_path / "bad.xml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InterchangeFormatError) as info:
        read_page_file(path)
    assert str(path) in str(info.value)
    assert isinstance(info.value, LabelFormatError)
    return info.value


def test_malformed_xml_names_file_and_line(tmp_path):
    err = _bad(tmp_path, "<?xml version='1.0'?>\n<PcGts>\n<Page>\n</PcGts>\n")
    assert err.line == 4


def test_not_page_and_missing_parts(tmp_path):
    assert "not a PAGE document" in _bad(tmp_path, "<alto/>").reason
    head = f'<PcGts xmlns="{PAGE_NS}"><Metadata/>'
    assert "no Page" in _bad(tmp_path, head + "</PcGts>").reason
    assert "imageFilename" in _bad(tmp_path, head + '<Page imageWidth="1" imageHeight="1"/></PcGts>').reason
    page = '<Page imageFilename="a.jpg" imageWidth="10" imageHeight="10">'
    err = _bad(tmp_path, head + page + '\n<TextRegion id="r1"><TextLine id="l9"/></TextRegion></Page></PcGts>')
    assert "TextLine id='l9' has no Coords" in err.reason and err.line == 2
    err = _bad(
        tmp_path,
        head + page + '<TextRegion id="r1"><Coords points="1,1 x,2 3,3"/>'
        "<TextEquiv><Unicode>t</Unicode></TextEquiv></TextRegion></Page></PcGts>",
    )
    assert "bad Coords points" in err.reason
    err = _bad(
        tmp_path,
        head + page + '<TextRegion id="r1"><Coords points="1,1 2,2"/>'
        "<TextEquiv><Unicode>t</Unicode></TextEquiv></TextRegion></Page></PcGts>",
    )
    assert "at least 3 points" in err.reason


def test_entities_are_not_expanded(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET", encoding="utf-8")
    doc = FOREIGN.replace(
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE PcGts [<!ENTITY x SYSTEM "file://{secret}">]>',
    ).replace("first line", "&x;")
    path = tmp_path / "xxe.xml"
    path.write_text(doc, encoding="utf-8")
    rec = read_page_file(path)
    assert "TOP SECRET" not in rec.regions[0].transcription


def test_output_folder_must_not_be_a_file(tmp_path):
    (tmp_path / "out").write_text("x")
    with pytest.raises(InterchangeFormatError, match="must be a folder"):
        write_page_xml([_record()], tmp_path / "out")
