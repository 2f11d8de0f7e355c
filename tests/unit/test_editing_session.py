"""The editing session without Qt: undo across images, edit generations, stale OCR results, the selection.

Every test works on a real PPOCRLabel folder in tmp_path, opened with open_project; no display, no Qt.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from labeler.core.editing_session import (
    ApplyOutcome,
    EditingSession,
    auto_label_command,
    recognition_command,
    recognize_all_command,
)
from labeler.core.history import AddRegion, MovePoints, RemoveRegion, SetText
from labeler.core.model import ImageStatus, TextRegion
from labeler.core.project import open_project
from labeler.core.selection import Selection
from labeler.core.settings import Settings
from tests.conftest import REPO, render_lines, write_image

FOLDER = "data"


def box(x: float, y: float, w: float = 100, h: float = 30) -> list[tuple[float, float]]:
    return [(x, y), (x + w, y), (x + w, y + h), (x, y + h)]


def _line(key: str, regions: list[dict]) -> str:
    return f"{key}\t{json.dumps(regions)}\n"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """img1 pre-labelled with three regions, img2 confirmed with one, img3 new."""
    folder = tmp_path / FOLDER
    for name in ("img1.png", "img2.png", "img3.png"):
        write_image(folder / name, render_lines([name]))
    cache = [
        {"transcription": f"r{i}", "points": box(10, 10 + 50 * i), "difficult": False, "score": 0.9} for i in range(3)
    ]
    label = [{"transcription": "second", "points": box(10, 10), "difficult": False}]
    (folder / "Cache.cach").write_text(_line(f"{FOLDER}/img1.png", cache), encoding="utf-8")
    (folder / "Label.txt").write_text(_line(f"{FOLDER}/img2.png", label), encoding="utf-8")
    (folder / "fileState.txt").write_text(f"{FOLDER}/img2.png\t1\n", encoding="utf-8")
    return folder


@pytest.fixture
def session(folder: Path) -> EditingSession:
    session = EditingSession()
    session.open(open_project(folder))
    assert session.go_to(0)
    return session


def texts(session: EditingSession) -> list[str]:
    assert session.current is not None
    return [r.transcription for r in session.current.regions]


# ---------------------------------------------------------------------- navigation and undo


def test_navigation_follows_the_project(session: EditingSession):
    assert [r.path for r in session.project.records] == ["img1.png", "img2.png", "img3.png"]
    assert session.current.path == "img1.png" and session.current_index == 0
    assert not session.go_to(0) and not session.go_to(3) and not session.go_to(-1)  # shown already; none there
    assert session.next_unconfirmed() == 2  # img2 is confirmed
    assert session.go_to(2) and session.next_unconfirmed() == 0  # wraps around
    session.close()
    assert session.project is None and session.current is None and session.current_index == -1
    assert session.next_unconfirmed() == -1 and not session.go_to(0)


def test_each_image_has_its_own_undo_history(session: EditingSession):
    session.push(SetText(0, "first image"))
    assert session.go_to(1)
    session.push(SetText(0, "second image"))
    session.push(SetText(0, "second again"))  # typing on: merged into one step
    assert len(session.history()) == 1
    assert session.undo() is not None and texts(session) == ["second"]
    assert session.undo() is None  # nothing more to undo on this image; img1 keeps its edit
    assert session.project.records[0].regions[0].transcription == "first image"
    assert session.go_to(0)
    assert session.undo() is not None and texts(session) == ["r0", "r1", "r2"]
    assert session.redo() is not None and texts(session) == ["first image", "r1", "r2"]
    assert session.redo() is None
    session.go_to(1)
    assert session.redo() is not None and texts(session) == ["second again"]


def test_a_new_selection_starts_a_new_undo_step(session: EditingSession):
    session.push(SetText(0, "a"))
    assert session.select(1) and session.select(0)
    session.push(SetText(0, "ab"))
    assert len(session.history()) == 2


def test_edits_undo_and_redo_count_as_generations_and_reach_the_listeners(session: EditingSession):
    heard = []
    session.listeners.append(lambda record, command: heard.append((record.path, command.label)))
    session.push(SetText(0, "x"))
    session.undo()
    session.redo()
    session.push(AddRegion(TextRegion(box(1, 1))), record=session.project.record("img3.png"))
    assert session.generations == {"img1.png": 3, "img3.png": 1}
    assert heard == [("img1.png", "edit text")] * 3 + [("img3.png", "add region")]
    with pytest.raises(IndexError):
        session.push(SetText(5, "no such region"))
    assert session.generation("img1.png") == 3  # a command that does not apply is no edit


def test_pushing_with_no_project_or_image_does_nothing():
    session = EditingSession()
    assert session.push(SetText(0, "x")) is None and session.undo() is None and session.redo() is None
    assert session.select(3) is False and session.selection.primary == -1


# ---------------------------------------------------------------------- background results


def test_a_result_for_an_unedited_record_is_applied_as_one_step(session: EditingSession):
    new = session.project.record("img3.png")
    stamp = session.stamp(new)
    regions = [TextRegion(box(5, 5), "found", score=0.7)]
    done = session.apply_if_unedited(stamp.record_path, stamp.generation, lambda rec: auto_label_command(rec, regions))
    assert done.outcome is ApplyOutcome.APPLIED and done.applied and done.record is new
    assert [r.transcription for r in new.regions] == ["found"] and new.status is ImageStatus.PRELABELLED
    assert session.generation("img3.png") == stamp.generation + 1 and new.dirty
    assert session.history(new).undo() is done.command  # regions and status in one undo step
    assert new.regions == [] and new.status is ImageStatus.NEW


def test_a_result_for_a_record_edited_meanwhile_is_skipped(session: EditingSession):
    stamp = session.stamp(session.current)
    session.push(SetText(1, "typed by the user"))  # while the OCR job runs
    done = session.apply_if_unedited(
        stamp.record_path, stamp.generation, lambda _rec: recognition_command(1, "ocr", 0.5)
    )
    assert done.outcome is ApplyOutcome.EDITED and not done.applied and done.record is session.current
    assert texts(session) == ["r0", "typed by the user", "r2"]
    # Undo counts as an edit too: the text is back, but the job saw another state of the record.
    session.undo()
    done = session.apply_if_unedited(
        stamp.record_path, stamp.generation, lambda _rec: recognition_command(1, "ocr", 0.5)
    )
    assert done.outcome is ApplyOutcome.EDITED and texts(session) == ["r0", "r1", "r2"]


def test_a_result_that_no_longer_fits_the_record_is_skipped(session: EditingSession):
    stamp = session.stamp(session.current)
    reads = (("A", 0.9), ("B", 0.8))  # two regions read, the image has three
    done = session.apply_if_unedited(
        stamp.record_path,
        stamp.generation,
        lambda _rec: recognize_all_command(reads),
        fits=lambda rec: len(rec.regions) == len(reads),
    )
    assert done.outcome is ApplyOutcome.EDITED and texts(session) == ["r0", "r1", "r2"]
    done = session.apply_if_unedited(
        stamp.record_path, stamp.generation, lambda _rec: recognize_all_command(reads + (("C", 0.7),))
    )
    assert done.applied and texts(session) == ["A", "B", "C"]
    assert [r.score for r in session.current.regions] == [0.9, 0.8, 0.7]


def test_a_result_for_a_closed_or_other_project_or_a_removed_record_is_dropped(session: EditingSession, folder):
    first = session.project
    stamp = session.stamp(first.record("img3.png"))

    def apply(**kwargs):
        return session.apply_if_unedited(
            stamp.record_path, stamp.generation, lambda rec: auto_label_command(rec, []), **kwargs
        )

    assert apply(started_on=open_project(folder)).outcome is ApplyOutcome.GONE  # the job ran for another project
    first.remove_record("img3.png")
    assert apply().outcome is ApplyOutcome.GONE
    session.close()
    assert apply().outcome is ApplyOutcome.GONE and apply().record is None


def test_another_writers_save_makes_results_stale_and_trims_the_selection(session: EditingSession):
    rec = session.current
    stamp = session.stamp(rec)
    session.select(2)
    del rec.regions[1:]  # what a reload from another writer's save leaves
    assert session.reloaded(["img1.png", "gone.png"]) == [rec]
    assert session.generation("img1.png") == stamp.generation + 1
    assert session.selection.primary == -1 and session.selection.chosen == set()  # the selected region is gone
    done = session.apply_if_unedited(stamp.record_path, stamp.generation, lambda r: auto_label_command(r, []))
    assert done.outcome is ApplyOutcome.EDITED


# ---------------------------------------------------------------------- the selection


def test_select_clamps_and_reports_changes(session: EditingSession):
    assert session.select(1) and session.selection.primary == 1 and session.selection.indices() == [1]
    assert not session.select(1)
    assert session.select(7) and session.selection.primary == -1  # past the end: nothing
    assert not session.select(-1)
    session.select(0)
    assert session.go_to(1) and session.selection == Selection()  # another image: nothing selected


def test_the_selection_follows_deletes_and_undo(session: EditingSession):
    session.push(AddRegion(TextRegion(box(10, 200), "added")), merge=False)
    assert session.select(3)
    session.selection.pick_vertex(2, 4)
    session.undo()  # the added region, selected, goes: the last region is selected instead
    sel = session.selection
    assert (sel.primary, sel.indices(), sel.picked_vertex) == (2, [2], -1)
    session.redo()
    assert sel.primary == 2  # redo brings the region back, the selection stays where it is
    session.selection.choose([1, 2, 3])
    session.push(RemoveRegion(3), merge=False)
    assert sel.primary == 2 and sel.indices() == [1, 2]  # the deleted index leaves the multi-selection
    session.push(RemoveRegion(2), merge=False)
    assert sel.primary == 1 and sel.indices() == [1]  # the primary moves to the last region, alone
    session.push(RemoveRegion(1), merge=False)
    session.push(RemoveRegion(0), merge=False)
    assert sel.primary == -1 and sel.indices() == []


def test_a_picked_vertex_goes_when_the_region_loses_it(session: EditingSession):
    session.select(0)
    assert session.selection.pick_vertex(3, 4) == 3
    session.push(MovePoints(0, box(0, 0)[:3]), merge=False)  # a triangle has no 4th vertex
    assert session.selection.picked_vertex == -1
    assert session.selection.pick_vertex(5, 3) == -1  # no such vertex
    session.select(-1)
    assert session.selection.pick_vertex(0, 3) == -1  # no region selected


def test_edits_of_another_image_leave_the_selection_alone(session: EditingSession):
    session.select(2)
    session.push(RemoveRegion(0), record=session.project.record("img2.png"))
    assert session.selection.primary == 2 and session.selection.indices() == [2]


def test_selection_rules():
    sel = Selection()
    assert sel.select(2) and sel.indices() == [2]
    assert sel.toggled(5) == ([2, 5], 5)  # Shift+click adds, and the added one is primary
    sel.choose([2, 5])
    assert not sel.select(2) and sel.indices() == [2, 5]  # inside the multi-selection: kept
    assert sel.toggled(2) == ([5], 5)  # taking the primary out: the first one left becomes primary
    assert sel.toggled(5) == ([2], 2)
    assert sel.select(5) and sel.indices() == [2, 5]
    assert sel.select(7) and sel.indices() == [7]  # outside it: replaces it
    sel.choose([1, 7])
    sel.pick_vertex(1, 4)
    sel.keep_primary_only()
    assert (sel.primary, sel.indices(), sel.picked_vertex) == (7, [7], -1)
    sel.clear()
    assert sel == Selection() and Selection().toggled(3) == ([3], 3)


# ---------------------------------------------------------------------- house rules


def test_the_low_score_default_is_the_settings_one():
    assert EditingSession().low_score == Settings().low_score == Settings.low_score


def test_the_session_needs_no_qt():
    code = "import sys, labeler.core.editing_session; sys.exit('PyQt5' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], cwd=REPO).returncode == 0
