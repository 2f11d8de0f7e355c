"""Property-based round trips: any Unicode text survives format/parse and a whole project's save/open."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from labeler.core.errors import LabelFormatError
from labeler.core.history import AddRegion, History, SetStatus
from labeler.core.model import ImageStatus, TextRegion
from labeler.core.ppocrlabel_format import (
    encode_label_line,
    format_label_line,
    is_canonical_line,
    parse_label_line,
    parse_raw_line,
    region_to_json,
    scan_label_bytes,
)
from labeler.core.project import open_project, save_project

TRICKY = [
    "true",
    "false",
    "null",
    "None",
    "True",
    "NaN",
    "###",
    "*",
    "",
    " ",
    "\t",
    "\n",
    "\r\n",
    "\r",
    '"',
    "'",
    "\\",
    "\\n",
    "\\u0041",
    "\u2028",
    "\u2029",
    "\x85",
    "\x00",
    "\x1f",
    "\x7f",
    "\ufeff",
    "😀",
    "👨‍👩‍👧",
    "שלום עולם",
    "مرحبا 123",
    "\u202eevil",
    "漢字かなカナ",
    "a\tb\nc",
    '{"x": [1]}',
    "]}\t[{",
]
texts = st.one_of(
    st.sampled_from(TRICKY),
    st.text(max_size=40),  # any code point but lone surrogates
    st.lists(st.sampled_from(TRICKY), max_size=5).map("".join),
)
coords = st.integers(min_value=-5000, max_value=100_000)
int_points = st.lists(st.tuples(coords, coords), min_size=3, max_size=12)
# Floats with at most 3 decimals: what Cache.cach keeps (formatting rounds to 3).
fine = st.integers(min_value=-5_000_000, max_value=100_000_000).map(lambda v: v / 1000)
float_points = st.lists(st.tuples(fine, fine), min_size=3, max_size=12)


@st.composite
def regions(draw, points=int_points, kie: bool = True):
    return TextRegion(
        points=draw(points),
        transcription=draw(texts),
        difficult=draw(st.booleans()),
        key_cls=draw(st.none() | texts) if kie else None,
        score=draw(st.none() | st.integers(0, 100_000).map(lambda v: v / 100_000)) if kie else None,
        id=draw(st.none() | st.integers(0, 10**6)) if kie else None,
        linking=draw(st.lists(st.lists(st.integers(0, 99), min_size=2, max_size=2), max_size=3)) if kie else [],
        locked=draw(st.booleans()) if kie else False,
    )


@settings(max_examples=150, deadline=None)
# A key is a file name: no tab or newline, and not starting with U+FEFF (a BOM at the start of the file).
@given(
    key=texts.filter(lambda k: k and "\t" not in k and "\n" not in k and "\r" not in k and k[0] != "\ufeff"),
    regs=st.lists(regions(st.one_of(int_points, float_points)), max_size=4),
)
def test_line_roundtrip(key: str, regs: list[TextRegion]) -> None:
    text = format_label_line(key, regs)
    # The hand-built fast formatter writes exactly what json.dumps would (PPOCRLabel's writer).
    assert text == f"{key}\t{json.dumps([region_to_json(r) for r in regs], ensure_ascii=False)}"
    assert text.count("\t") == 1 and "\n" not in text and "\r" not in text  # PPOCRLabel splits on both
    assert parse_label_line(text).regions == regs
    raw = encode_label_line(key, regs)
    assert parse_raw_line(raw).regions == regs
    scanned = scan_label_bytes(raw + b"\n" + raw)
    assert scanned.errors == [] and len(scanned.lines) == 2


@settings(max_examples=100, deadline=None)
@given(regs=st.lists(regions(int_points), min_size=1, max_size=3))
def test_integer_line_parses_back_and_is_canonical(regs: list[TextRegion]) -> None:
    raw = encode_label_line("imgs/a.jpg", regs, integer_points=True)
    payload = json.dumps([region_to_json(r, integer_points=True) for r in regs], ensure_ascii=False)
    assert raw == f"imgs/a.jpg\t{payload}".encode()
    assert parse_raw_line(raw).regions == regs
    # What we write takes the fast path at open, unless a float needs an exponent (a score below 1e-4).
    if all(r.score is None or r.score == 0 or r.score >= 1e-4 for r in regs):
        assert is_canonical_line(raw)


_JSONISH = list('[]{}",:. -+0123456789eEtrufalsn\\\t')
_JSONISH += ["true", "false", "null", '"points": ', "NaN", "\ud800", "é", "\\ud800", "\x01"]


@settings(max_examples=300, deadline=None)
@given(regs=st.lists(regions(st.one_of(int_points, float_points)), max_size=2), data=st.data())
def test_canonical_check_never_accepts_a_line_the_parser_rejects(regs: list[TextRegion], data) -> None:
    """The fast check lets lines through unparsed at open; it must only pass lines that surely parse."""
    text = format_label_line("imgs/a.jpg", regs)
    for _ in range(data.draw(st.integers(1, 4))):
        pos = data.draw(st.integers(0, len(text)))
        op = data.draw(st.sampled_from(["insert", "delete", "replace"]))
        piece = data.draw(st.sampled_from(_JSONISH))
        if op == "insert":
            text = text[:pos] + piece + text[pos:]
        elif op == "delete":
            text = text[:pos] + text[pos + 1 :]
        else:
            text = text[:pos] + piece + text[pos + 1 :]
    raw = text.encode("utf-8", "surrogatepass")
    if is_canonical_line(raw):
        parse_raw_line(raw)  # must not raise
    else:
        try:
            parse_raw_line(raw)
        except LabelFormatError:
            pass  # a typed error, never anything else


@st.composite
def projects(draw):
    n = draw(st.integers(1, 6))
    images = []
    for i in range(n):
        status = draw(st.sampled_from(list(ImageStatus)))
        pts = int_points if status is ImageStatus.CONFIRMED else st.one_of(int_points, float_points)
        images.append((f"img{i}.jpg", status, draw(st.lists(regions(pts), max_size=3))))
    return images


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(images=projects(), folder_name=st.sampled_from(["imgs", "données", "照片", "with space"]))
def test_project_save_open_roundtrip(images, folder_name: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / folder_name
        folder.mkdir()
        for name, _status, _regs in images:
            (folder / name).write_bytes(b"")
        project = open_project(folder, images=[name for name, _s, _r in images])
        for name, status, regs in images:
            history = History(project.record(name), project.lock)
            for region in regs:
                history.push(AddRegion(region))
            if status is not ImageStatus.NEW:
                history.push(SetStatus(status))
        save_project(project)
        again = open_project(folder, images=[name for name, _s, _r in images])
        assert again.errors == []
        for name, status, regs in images:
            rec = again.record(name)
            # A new image with regions is written to Cache.cach, so it comes back pre-labelled.
            expected = ImageStatus.PRELABELLED if status is ImageStatus.NEW and regs else status
            assert rec.status is expected
            assert rec.regions == regs
        # Saving again changes nothing, and a third open sees the same.
        assert save_project(again).written == []
