"""A re-read folded into the edit it belongs to (one undo step), and which texts count as typed by the user."""

from __future__ import annotations

import copy

from labeler.core.editing_session import ApplyOutcome, EditingSession, read_command, recognition_command
from labeler.core.history import AddRegion, Batch, MovePoints, RemoveRegion, SetField, SetText
from labeler.core.model import TextRegion
from labeler.core.project import open_project
from tests.unit import test_editing_session as base

box, texts = base.box, base.texts
folder, session = base.folder, base.session  # the same fixtures: a real folder, img1 with regions r0, r1, r2


def test_a_reread_folds_into_its_step_and_one_undo_takes_both_back(session: EditingSession):
    rec = session.current
    session.push(AddRegion(TextRegion(box(10, 200))), merge=False)
    session.select(3)
    step = session.last_step()
    assert step is not None and isinstance(step.command, AddRegion)
    done = session.fold_if_unedited(step, lambda _rec: read_command([3], [("drawn", 0.93)]))
    assert done.outcome is ApplyOutcome.APPLIED and isinstance(done.command, Batch)
    assert texts(session)[3] == "drawn" and rec.regions[3].score == 0.93
    assert len(session.history()) == 1 and session.selection.primary == 3  # the selection stays on the new box
    assert session.last_step().command is done.command
    session.undo()
    assert len(rec.regions) == 3
    session.redo()
    assert texts(session)[3] == "drawn"


def test_a_reread_after_another_edit_or_an_undo_is_dropped(session: EditingSession):
    session.push(MovePoints(0, box(12, 10)), merge=False)
    step = session.last_step()
    session.push(SetText(1, "typed"))
    assert session.last_step() is not step
    done = session.fold_if_unedited(step, lambda _rec: read_command([0], [("x", 0.5)]))
    assert done.outcome is ApplyOutcome.EDITED and texts(session)[0] == "r0"
    session.push(MovePoints(0, box(14, 10)), merge=False)
    step = session.last_step()
    session.undo()
    assert session.last_step() is None
    assert session.fold_if_unedited(step, lambda _rec: read_command([0], [("x", 0.5)])).outcome is ApplyOutcome.EDITED
    assert texts(session)[0] == "r0"


def test_a_reread_for_a_closed_project_is_gone(session: EditingSession, folder):
    session.push(RemoveRegion(2), merge=False)
    step = session.last_step()
    session.open(open_project(folder))
    assert session.fold_if_unedited(step, lambda _rec: read_command([0], [("x", 0.5)])).outcome is ApplyOutcome.GONE


def test_typed_texts_are_remembered_by_region_not_by_index(session: EditingSession):
    rec = session.current
    first, second = rec.regions[0], rec.regions[1]
    session.push(SetText(1, "mine"))
    session.push(recognition_command(0, "read", 0.8), merge=False)
    assert session.text_is_users(second) and not session.text_is_users(first)
    session.push(RemoveRegion(0), merge=False)  # indices move, the region stays the one typed
    assert rec.regions[0] is second and session.text_is_users(rec.regions[0])
    session.push(Batch([SetText(0, "again"), SetField(0, "score", 1.0)], label="accept region"), merge=False)
    assert session.text_is_users(second)
    twin = copy.deepcopy(second)
    assert twin == second and not session.text_is_users(twin)  # an equal region is not that region
    session.open(open_project(session.project.folder))
    assert not session.typed.regions
