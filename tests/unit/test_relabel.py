"""Auto-labelling again keeps the user's regions (labeler/core/relabel.py), without Qt."""

from __future__ import annotations

from labeler.core.editing_session import EditingSession
from labeler.core.history import AddRegion, SetField, SetText
from labeler.core.model import ImageRecord, ImageStatus, TextRegion
from labeler.core.project import Project
from labeler.core.relabel import OcrOutputs, Relabeller, plan_relabel, signature


def box(x: float, y: float, text: str, w: float = 100, h: float = 20, score: float | None = 0.9) -> TextRegion:
    return TextRegion([(x, y), (x + w, y), (x + w, y + h), (x, y + h)], text, score=score)


def detections() -> list[TextRegion]:
    return [box(10, 10, "alpha"), box(10, 50, "beta"), box(10, 90, "gamma")]


def session_with(record: ImageRecord, tmp_path) -> EditingSession:
    session = EditingSession()
    session.open(Project(folder=tmp_path, records=[record]))
    session.go_to(0)
    return session


def test_first_auto_label_of_a_new_image_takes_every_detection():
    plan = plan_relabel([], detections(), known=None)
    assert [r.transcription for r in plan.regions] == ["alpha", "beta", "gamma"]
    assert plan.kept == () and plan.left_out == 0


def test_edited_flagged_and_drawn_regions_are_kept_untouched_ones_replaced(tmp_path):
    record = ImageRecord("a.png", status=ImageStatus.NEW)
    session = session_with(record, tmp_path)
    relabeller = Relabeller()
    project = session.project
    session.apply_if_unedited("a.png", 0, relabeller.command_for(project, detections()))
    assert record.status is ImageStatus.PRELABELLED and len(record.regions) == 3
    # the user corrects one text, sets a key class on another, draws a box of their own
    session.push(SetText(0, "ALPHA!"))
    session.push(SetField(1, "key_cls", "date"))
    session.push(AddRegion(box(300, 10, "mine", score=None)))
    again = [box(11, 10, "alpha2"), box(10, 51, "beta2"), box(10, 90, "gamma2"), box(10, 130, "delta")]
    done = session.apply_if_unedited("a.png", session.generation("a.png"), relabeller.command_for(project, again))
    assert done.applied
    texts = [(r.transcription, r.key_cls) for r in record.regions]
    # kept in their order, then the detections that overlap none of them: gamma's untouched box was replaced
    assert texts == [("ALPHA!", None), ("beta", "date"), ("mine", None), ("gamma2", None), ("delta", None)]
    plan = relabeller.last
    assert plan.kept == (0, 1, 3) and plan.replaced == (2,) and plan.left_out == 2
    session.undo()  # one undo step brings every region back
    assert [r.transcription for r in record.regions] == ["ALPHA!", "beta", "gamma", "mine"]


def test_an_undone_edit_makes_the_region_the_machines_again(tmp_path):
    record = ImageRecord("a.png")
    session = session_with(record, tmp_path)
    relabeller = Relabeller()
    session.apply_if_unedited("a.png", 0, relabeller.command_for(session.project, detections()))
    session.push(SetText(0, "typo"))
    session.undo()
    fresh = [box(10, 10, "new alpha")]
    session.apply_if_unedited("a.png", session.generation("a.png"), relabeller.command_for(session.project, fresh))
    assert [r.transcription for r in record.regions] == ["new alpha"]


def test_confirmed_image_keeps_everything_and_only_adds_free_detections():
    old = [box(10, 10, "alpha"), box(10, 50, "beta")]
    plan = plan_relabel(old, detections(), known={signature(r) for r in old}, confirmed=True)
    assert [r.transcription for r in plan.regions] == ["alpha", "beta", "gamma"]
    assert plan.replaced == () and plan.left_out == 2


def test_without_memory_only_plain_regions_read_the_same_are_replaced():
    old = [
        box(10, 10, "alpha"),  # from Cache.cach, same text again: the machine's
        box(10, 50, "my fix"),  # text differs from the new reading: may be a correction, kept
        box(10, 90, "gamma", score=None),  # no score: hand-made, kept
    ]
    plan = plan_relabel(old, detections(), known=None)
    assert plan.replaced == (0,) and plan.kept == (1, 2)
    assert [r.transcription for r in plan.regions] == ["my fix", "gamma", "alpha"]


def test_a_small_overlap_does_not_drop_a_detection():
    kept = box(0, 0, "mine", w=100, h=20, score=None)
    touching = box(95, 0, "next", w=100, h=20)  # 5% of either box overlaps: a neighbour, not the same text
    plan = plan_relabel([kept], [touching], known=None)
    assert [r.transcription for r in plan.regions] == ["mine", "next"]


def test_memory_is_per_project():
    outputs = OcrOutputs()
    first, second = object(), object()
    outputs.remember(first, "a.png", [box(0, 0, "x")])
    assert outputs.known(first, "a.png") == {signature(box(0, 0, "x"))}
    assert outputs.known(second, "a.png") is None
    assert outputs.known(first, "a.png") is None  # a project switch forgets the last one


def test_without_memory_an_image_no_person_edited_takes_the_new_readings():
    old = [box(10, 10, "a1pha"), box(10, 50, "beta", score=None)]  # a machine's misreading; PPOCRLabel's box
    plan = plan_relabel(old, detections(), known=None, person_edited=False)
    assert [r.transcription for r in plan.regions] == ["beta", "alpha", "gamma"]  # the scoreless box stays
    assert plan.replaced == (0,) and plan.kept == (1,)


def _saved_project(tmp_path, machine: bool):
    """A real folder: one image whose regions were saved by a machine (prelabel) or by a person."""
    import cv2
    import numpy as np

    from labeler.core.project import open_project, save_project
    from labeler.core.project_merge import ConflictRule

    tmp_path.mkdir()
    cv2.imwrite(str(tmp_path / "a.png"), np.full((40, 40, 3), 255, np.uint8))
    project = open_project(tmp_path)
    record = project.records[0]
    record.regions = [box(1, 1, "a1pha")]
    record.status = ImageStatus.PRELABELLED
    record.mark_edited()
    save_project(project, ConflictRule.PRELABELS if machine else None)  # how prelabel saves; the window
    return open_project(tmp_path)


def test_the_folders_edit_times_tell_whether_a_person_edited_an_image(tmp_path):
    from labeler.core.relabel import person_edited

    machine = _saved_project(tmp_path / "m", machine=True)
    person = _saved_project(tmp_path / "p", machine=False)
    assert not person_edited(machine, machine.records[0])
    assert person_edited(person, person.records[0])
    assert person_edited(object(), ImageRecord("x.png"))  # nobody knows: careful
