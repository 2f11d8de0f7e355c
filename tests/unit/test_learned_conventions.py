"""The project's conventions learned from confirmed images (core/learned_conventions.py) and their use by the session."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from labeler.core.editing_session import EditingSession
from labeler.core.history import SetStatus
from labeler.core.learned_conventions import (
    MIN_RESHAPED,
    ConventionLearner,
    Conventions,
    TextEvidence,
    accepted_offsets,
    adjust,
    best_offset,
    offset_convex,
    shrink_by_margin,
)
from labeler.core.model import ImageRecord, ImageStatus, TextRegion
from labeler.core.polygon import polygon_iou
from labeler.core.project_model import Project


def only(offset: float) -> np.ndarray:
    """A vote accepting just this offset."""
    from labeler.core.learned_conventions import GRID

    return np.isclose(GRID, offset)


def flat(points) -> list[float]:
    return [float(c) for p in points for c in p]


def rect(x0: float, y0: float, x1: float, y1: float) -> list[tuple[float, float]]:
    return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]


def test_offset_moves_every_edge_inward_and_keeps_the_vertex_order():
    assert flat(offset_convex(rect(0, 0, 100, 20), 2)) == pytest.approx(flat(rect(2, 2, 98, 18)))
    anticlockwise = list(reversed(rect(0, 0, 100, 20)))
    assert flat(offset_convex(anticlockwise, 2)) == pytest.approx(flat(list(reversed(rect(2, 2, 98, 18)))))
    assert flat(offset_convex(rect(0, 0, 100, 20), -3)) == pytest.approx(flat(rect(-3, -3, 103, 23)))


def test_offset_refuses_non_convex_and_inside_out_shapes():
    arrow = [(0, 0), (50, 10), (100, 0), (100, 20), (0, 20)]
    assert offset_convex(arrow, 1) is None
    assert offset_convex(rect(0, 0, 100, 20), 11) is None  # past half the height


def test_shrink_by_margin_scales_with_the_text_height():
    rotated = [(0, 0), (100, 10), (98, 30), (-2, 20)]
    shrunk = shrink_by_margin(rotated, 0.1)
    assert shrunk is not None and polygon_iou(shrunk, rotated) < 0.9
    assert flat(shrink_by_margin(rect(0, 0, 200, 40), 0.1)) == pytest.approx(flat(rect(4, 4, 196, 36)))


def test_a_box_accepts_the_offsets_that_bring_it_within_reach_of_the_confirmed_one():
    from labeler.core.learned_conventions import GRID

    raw = rect(0, 0, 300, 40)
    tighter = accepted_offsets(raw, rect(4, 4, 296, 36))  # 4 px in on a 40 px line: 0.1
    assert tighter[list(GRID).index(0.1)] and not tighter[list(GRID).index(0.0)]
    untouched = accepted_offsets(raw, raw)
    assert untouched[list(GRID).index(0.0)] and not untouched[list(GRID).index(0.25)]
    offset, share, at_zero = best_offset([(tighter, 3.0), (untouched, 1.0)])
    assert 0.0 < offset <= 0.1 and share == 1.0 and at_zero == 0.25  # both accept it: no box needs an edit


def test_text_rules_need_support_and_precision():
    ev = TextEvidence()
    for raw, fixed in [("编号：", "编号:"), ("备注：", "备注:"), ("附4：", "附4:")]:
        ev.add(raw, fixed)
    learner = ConventionLearner(text=ev)
    assert learner.conventions().marks == (("：", ":"),)
    assert learner.conventions().fix_text("日期：2018") == "日期:2018"
    for _ in range(2):
        ev.add("地址：", "地址：")  # kept twice: 3 of 5 is under the precision a rule needs
    assert learner.conventions().marks == ()


def test_letters_and_digits_are_never_rewritten():
    ev = TextEvidence()
    for _ in range(10):
        ev.add("lowa 0ffice", "Iowa Office")
    conventions = ConventionLearner(text=ev).conventions()
    assert conventions.marks == () and conventions.fix_text("lowa 0ffice") == "lowa 0ffice"


def test_spacing_rules_drop_and_add_by_the_kinds_of_the_neighbours():
    ev = TextEvidence()
    for raw, fixed in [
        ("2018 年3月", "2018年3月"),
        ("北京 市", "北京市"),
        ("上海 市", "上海市"),
        ("天津 市", "天津市"),
        ("1 日", "1日"),
        ("5 月", "5月"),
    ]:
        ev.add(raw, fixed)
    ev.add("身高 cm", "身高cm")  # once: no rule about CJK before letters
    for raw, fixed in [("TEL:07", "TEL : 07"), ("NO:12", "NO : 12"), ("GST:1", "GST : 1")]:
        ev.add(raw, fixed)
    conventions = ConventionLearner(text=ev).conventions()
    assert ("digit", "cjk") in conventions.drop_space and ("cjk", "cjk") in conventions.drop_space
    assert ("alpha", ":") in conventions.add_space and (":", "digit") in conventions.add_space
    assert ("cjk", "alpha") not in conventions.drop_space
    assert conventions.fix_text("2019 年5 月") == "2019年5月"
    assert conventions.fix_text("FAX:03") == "FAX : 03"
    assert conventions.fix_text("New York") == "New York"  # letters around a space: no rule about them


def region(points, text="text", score=0.95, **kw) -> TextRegion:
    return TextRegion(points=[tuple(p) for p in points], transcription=text, score=score, **kw)


def lines(n: int, pad: float = 0.0) -> list[TextRegion]:
    return [region(rect(10 - pad, 50 * k - pad, 310 + pad, 50 * k + 30 + pad), f"line {k}：") for k in range(n)]


def test_a_margin_is_learned_from_reshaped_boxes_only_and_needs_enough_of_them():
    learner = ConventionLearner()
    learner.remember("a.png", lines(MIN_RESHAPED - 1, pad=4))
    learner.learn("a.png", lines(MIN_RESHAPED - 1))
    assert learner.conventions().margin is None  # 7 reshaped boxes are not enough
    learner.remember("b.png", lines(12, pad=4))
    learner.learn("b.png", lines(5) + lines(12, pad=4)[5:])  # 5 reshaped, 7 left as they were; 7 x 0.5 + 5 >= 8
    conventions = learner.conventions()
    assert 0.025 <= conventions.margin <= 0.1  # every box, reshaped or not, within reach at this offset
    assert conventions.evidence_images == 2
    assert not learner.learn("b.png", lines(12))  # each image teaches once


def test_recent_images_count_most_so_a_new_kind_of_page_takes_over():
    learner = ConventionLearner()
    for name in ("a.png", "b.png", "c.png"):  # receipts: boxes 4 px too loose
        learner.remember(name, lines(10, pad=4))
        learner.learn(name, lines(10))
    assert 0.05 <= learner.conventions().margin <= 0.15
    learner.remember("form.png", lines(30, pad=0))  # forms: written 6 px looser than the OCR reads them
    learner.learn("form.png", lines(30, pad=6))
    assert learner.conventions().margin < 0  # looser now: the forms took over


def test_adjust_changes_only_the_ocrs_unflagged_regions():
    conventions = Conventions(margin=0.1, marks=(("：", ":"),))
    hand = region(rect(0, 0, 100, 20), "hand：", score=None)
    flagged = region(rect(0, 40, 100, 60), "###", difficult=True)
    ocr = region(rect(0, 80, 100, 100), "ocr：")
    out = adjust([hand, flagged, ocr], conventions)
    assert out is not None and out[0] is hand and out[1] is flagged
    assert out[2].transcription == "ocr:" and flat(out[2].points) == pytest.approx(flat(rect(2, 82, 98, 98)))
    assert out[2].score == ocr.score
    assert adjust([hand, flagged], conventions) is None


def session_with(paths: list[str], regions: dict[str, list[TextRegion]], tmp_path) -> EditingSession:
    records = [ImageRecord(p, status=ImageStatus.PRELABELLED, regions=regions[p]) for p in paths]
    session = EditingSession()
    session.open(Project(tmp_path, records))
    return session


def test_the_session_learns_at_confirmation_and_fits_the_next_images_pre_labels_in_one_undo_step(tmp_path):
    session = session_with(["a.png", "b.png"], {"a.png": lines(10, pad=4), "b.png": lines(10, pad=4)}, tmp_path)
    a, b = session.project.records
    session.go_to(0)
    assert session.adopt_prelabels(a) is None  # nothing learned yet: remembered only
    for k, tight in enumerate(lines(10)):  # the user pulls every box in and fixes the colons
        session.push(SetStatus(ImageStatus.PRELABELLED))  # any edit; the boxes below are what counts
        a.regions[k] = replace(tight, transcription=f"line {k}:")
    session.push(SetStatus(ImageStatus.CONFIRMED))
    conventions = session.conventions()
    assert 0.05 <= conventions.margin <= 0.15 and ("：", ":") in conventions.marks
    session.go_to(1)
    before = [replace(r) for r in b.regions]
    assert session.adopt_prelabels(b) is not None
    assert all(polygon_iou(r.points, t.points) > 0.95 for r, t in zip(b.regions, lines(10), strict=True))
    assert [r.transcription for r in b.regions] == [f"line {k}:" for k in range(10)]
    session.undo()
    assert b.regions == before


def test_with_the_setting_off_pre_labels_are_remembered_but_left_alone(tmp_path):
    session = session_with(["a.png"], {"a.png": lines(3, pad=4)}, tmp_path)
    session.apply_conventions = False
    session.learner.votes = [(only(0.1), 20.0)]
    session.learner.reshaped_weight = 20.0
    rec = session.project.records[0]
    assert session.adopt_prelabels(rec) is None and rec.regions == lines(3, pad=4)
    assert "a.png" in session.learner.prelabels


def test_confirmed_and_hand_made_images_are_not_adopted(tmp_path):
    hand = [region(rect(0, 0, 100, 20), score=None)]
    session = session_with(["a.png"], {"a.png": hand}, tmp_path)
    session.learner.votes = [(only(0.1), 20.0)]
    session.learner.reshaped_weight = 20.0
    assert session.adopt_prelabels(session.project.records[0]) is None
    assert session.learner.prelabels == {}
