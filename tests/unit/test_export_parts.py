"""The pure pieces of the export: split, dictionary, rec text rules, det and KIE lines."""

from __future__ import annotations

import json

import pytest

from labeler.core.dictionary import count_chars, format_dict, missing_chars, read_dict
from labeler.core.errors import DictionaryError, ExportError, SplitSpecError
from labeler.core.export_det import format_det_line
from labeler.core.export_kie import class_list, kie_entries
from labeler.core.export_rec import clean_text, crop_stems, rec_text
from labeler.core.model import TextRegion
from labeler.core.split import SplitRatios, assign_splits, parse_split, split_counts

BOX = [(0, 0), (10, 0), (10, 5), (0, 5)]


# --------------------------------------------------------------------------- split


def test_parse_split():
    assert parse_split("8:1:1") == SplitRatios(8, 1, 1)
    assert parse_split("0.7,0.2,0.1") == SplitRatios(0.7, 0.2, 0.1)
    assert parse_split("9:1") == SplitRatios(9, 1, 0)
    for bad in ("", "a:b", "1:2:3:4", "0:1:1", "8:-1:1", "8::1"):
        with pytest.raises(SplitSpecError):
            parse_split(bad)


@pytest.mark.parametrize(
    "n, expected",
    [(0, (0, 0, 0)), (1, (1, 0, 0)), (2, (2, 0, 0)), (5, (4, 1, 0)), (10, (8, 1, 1)), (1000, (800, 100, 100))],
)
def test_split_counts_8_1_1(n, expected):
    assert split_counts(n, SplitRatios(8, 1, 1)) == expected


def test_split_counts_never_leave_train_empty():
    assert split_counts(1, SplitRatios(1, 5, 5))[0] == 1
    assert split_counts(2, SplitRatios(1, 5, 5))[0] >= 1
    assert sum(split_counts(7, SplitRatios(1, 5, 5))) == 7


def test_assign_splits_is_deterministic_disjoint_and_order_free():
    keys = [f"img_{i:03d}.jpg" for i in range(200)]
    a = assign_splits(keys, SplitRatios(8, 1, 1), seed=7)
    b = assign_splits(list(reversed(keys)), SplitRatios(8, 1, 1), seed=7)
    assert a == b
    assert sorted(a) == sorted(keys)
    counts = {name: sum(1 for v in a.values() if v == name) for name in ("train", "val", "test")}
    assert counts == {"train": 160, "val": 20, "test": 20}
    c = assign_splits(keys, SplitRatios(8, 1, 1), seed=8)
    assert c != a  # another seed, another split


def test_assign_splits_is_stable_when_images_are_added():
    keys = [f"img_{i:03d}.jpg" for i in range(100)]
    before = assign_splits(keys, SplitRatios(8, 1, 1), seed=0)
    after = assign_splits(keys + [f"new_{i}.jpg" for i in range(5)], SplitRatios(8, 1, 1), seed=0)
    moved = sum(1 for k in keys if before[k] != after[k])
    assert moved <= 10  # only images near the cut points move


# --------------------------------------------------------------------------- dictionary


def test_format_dict_sorted_one_per_line_space_left_to_use_space_char():
    chars = count_chars(["ba c", "é中", "a"])
    assert format_dict(chars) == "a\nb\nc\né\n中\n"
    assert format_dict(chars, use_space_char=False) == " \na\nb\nc\né\n中\n"


def test_missing_chars_against_a_dictionary(tmp_path):
    d = tmp_path / "dict.txt"
    d.write_bytes("a\nb\r\n中\n\n".encode())
    assert read_dict(d) == {"a", "b", "中", " "}
    report = missing_chars(["ab 中", "abx", "xyy"], d)
    assert report.missing == {"y": 2, "x": 2}
    assert report.texts_affected == 2
    assert report.dict_size == 3
    assert report.to_json()["missing"][0] == {"char": "x", "codepoint": "U+0078", "count": 2}
    assert missing_chars(["a b"], d, use_space_char=False).missing == {" ": 1}
    with pytest.raises(DictionaryError) as err:
        read_dict(tmp_path / "absent.txt")
    assert "absent.txt" in str(err.value)


# --------------------------------------------------------------------------- rec text rules


def test_clean_text_replaces_tabs_and_line_breaks():
    assert clean_text("a\tb") == "a b"
    assert clean_text("a\r\n\tb\n") == "a b"
    assert clean_text("x\u2028y") == "x y"
    assert clean_text("  keep my spaces ") == "  keep my spaces "


def test_rec_text_rules():
    assert rec_text(TextRegion(BOX, "###")).skip_reason == "dont_care"
    assert rec_text(TextRegion(BOX, "*")).skip_reason == "dont_care"
    assert rec_text(TextRegion(BOX, "hard", difficult=True)).skip_reason == "difficult"
    assert rec_text(TextRegion(BOX, "")).skip_reason == "empty_text"
    assert rec_text(TextRegion(BOX, "\t\n")).skip_reason == "empty_text"
    fixed = rec_text(TextRegion(BOX, "a\tb"))
    assert (fixed.text, fixed.fixed_from) == ("a b", "a\tb")
    long = "x" * 26
    assert rec_text(TextRegion(BOX, long)).skip_reason == "too_long"
    kept = rec_text(TextRegion(BOX, long), keep_long=True)
    assert kept.text == long and kept.too_long
    assert rec_text(TextRegion(BOX, "x" * 25)).text == "x" * 25
    assert rec_text(TextRegion(BOX, "true null false")).text == "true null false"


def test_crop_stems_are_unique():
    stems = crop_stems(["a.png", "a.jpg", "b.jpg", "sub/c.png"])
    assert stems == {"a.png": "a_png", "a.jpg": "a_jpg", "b.jpg": "b", "sub/c.png": "sub/c"}


# --------------------------------------------------------------------------- det line


def test_det_line_keeps_dont_care_and_escapes_text():
    regions = [TextRegion(BOX, "a\tb\nc"), TextRegion(BOX, "###"), TextRegion([(0.5, 1.25), (3, 1), (3, 4)], "tri")]
    line = format_det_line("images/x.jpg", regions)
    path, payload = line.split("\t")
    assert path == "images/x.jpg" and "\n" not in line
    data = json.loads(payload)
    assert [d["transcription"] for d in data] == ["a\tb\nc", "###", "tri"]
    assert data[0]["points"] == [[0, 0], [10, 0], [10, 5], [0, 5]]
    assert data[2]["points"][0] == [0.5, 1.25]
    assert "\u2028" not in format_det_line("x.jpg", [TextRegion(BOX, "a\u2028b")])
    hard = json.loads(format_det_line("x", [TextRegion(BOX, "h", difficult=True)], True).split("\t")[1])
    assert hard[0]["transcription"] == "###"
    with pytest.raises(ExportError):
        format_det_line("bad\tname.jpg", regions)


# --------------------------------------------------------------------------- KIE


def test_kie_entries_ids_links_and_labels():
    regions = [
        TextRegion(BOX, "Name:", key_cls="question", id=3, linking=[[3, 7]]),
        TextRegion(BOX, "Ada", key_cls="answer", id=7),
        TextRegion(BOX, "Title", key_cls=" header "),
        TextRegion(BOX, "dup", id=3, linking=[[3, 99], "junk"]),
        TextRegion(BOX, "###", key_cls="question"),
    ]
    out = kie_entries(regions)
    assert [e["id"] for e in out.entries] == [3, 7, 8, 9]
    assert [e["label"] for e in out.entries] == ["question", "answer", "header", "other"]
    assert out.entries[0]["linking"] == [[3, 7]] and out.entries[1]["linking"] == [[3, 7]]
    assert out.entries[3]["linking"] == []
    reasons = sorted(n.reason for n in out.notes)
    assert reasons == ["bad_link", "bad_link", "dont_care", "duplicate_id", "id_assigned"]
    assert set(out.entries[0]) == {"transcription", "label", "points", "id", "linking"}


def test_class_list_other_first_then_predefined_then_used():
    assert class_list({"answer", "question", "other"}) == ["OTHER", "answer", "question"]
    assert class_list({"answer", "extra"}, predefined=("question", "answer")) == [
        "OTHER",
        "question",
        "answer",
        "extra",
    ]
