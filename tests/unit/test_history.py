"""Undo/redo of region edits: every command reverts exactly, marks the record dirty, and tells listeners."""

from __future__ import annotations

import copy

import pytest

from labeler.core.history import (
    AddRegion,
    Batch,
    History,
    HistoryBook,
    MovePoints,
    RemoveRegion,
    Reorder,
    ReplaceRegions,
    SetDifficult,
    SetKeyClass,
    SetLocked,
    SetStatus,
    SetText,
)
from labeler.core.model import ImageRecord, ImageStatus, TextRegion

SQUARE = [(0, 0), (10, 0), (10, 10), (0, 10)]


def record(n: int = 3) -> ImageRecord:
    return ImageRecord("a.jpg", regions=[TextRegion([(x + i, y) for x, y in SQUARE], f"r{i}") for i in range(n)])


def snapshot(rec: ImageRecord):
    return copy.deepcopy((rec.status, rec.regions))


@pytest.mark.parametrize(
    "command",
    [
        lambda: SetText(1, "new"),
        lambda: MovePoints(0, [(1, 1), (5, 1), (5, 5)]),
        lambda: SetDifficult(2, True),
        lambda: SetKeyClass(0, "date"),
        lambda: SetLocked(1, True),
        lambda: AddRegion(TextRegion(list(SQUARE), "added"), 1),
        lambda: AddRegion(TextRegion(list(SQUARE), "appended")),
        lambda: RemoveRegion(1),
        lambda: Reorder([2, 0, 1]),
        lambda: ReplaceRegions([TextRegion(list(SQUARE), "only")]),
        lambda: SetStatus(ImageStatus.CONFIRMED),
        lambda: Batch([RemoveRegion(2), RemoveRegion(0), SetStatus(ImageStatus.CONFIRMED)], "delete 2"),
    ],
)
def test_each_command_undoes_and_redoes_exactly(command) -> None:
    rec = record()
    seen = []
    history = History(rec, on_change=lambda r, c: seen.append(c))
    before = snapshot(rec)
    history.push(command())
    after = snapshot(rec)
    assert after != before and rec.dirty
    rec.dirty = False
    history.undo()
    assert snapshot(rec) == before and rec.dirty  # undo is a change to save too
    history.redo()
    assert snapshot(rec) == after
    assert len(seen) == 3


def test_unlimited_undo_then_redo_all() -> None:
    rec = record(1)
    history = History(rec)
    states = [snapshot(rec)]
    for i in range(500):
        history.push(MovePoints(0, [(i, 0), (i + 5, 0), (i + 5, 5)]))
        states.append(snapshot(rec))
    for state in reversed(states[:-1]):
        history.undo()
        assert snapshot(rec) == state
    assert history.undo() is None and not history.can_undo
    for state in states[1:]:
        history.redo()
        assert snapshot(rec) == state
    assert not history.can_redo


def test_typing_in_one_region_is_one_undo_step() -> None:
    rec = record()
    history = History(rec)
    for text in ["H", "He", "Hel", "Hello"]:
        history.push(SetText(0, text))
    history.push(SetText(1, "other"))
    assert len(history) == 2
    history.undo()
    assert rec.regions[1].transcription == "r1" and rec.regions[0].transcription == "Hello"
    history.undo()
    assert rec.regions[0].transcription == "r0"


def test_merging_stops_after_undo_or_break() -> None:
    rec = record()
    history = History(rec)
    history.push(SetText(0, "a"))
    history.break_merge()  # e.g. the user selected another region and came back
    history.push(SetText(0, "ab"))
    assert len(history) == 2
    history.undo()
    history.push(SetText(0, "x"))  # after an undo a new edit never merges into the older step
    assert len(history) == 2
    history.undo()
    assert rec.regions[0].transcription == "a"


def test_nudges_merge_only_when_continuous() -> None:
    rec = record(1)
    history = History(rec)
    for dx in range(1, 4):
        history.push(MovePoints(0, [(dx, 0), (10 + dx, 0), (10 + dx, 10)], continuous=True))
    history.push(MovePoints(0, [(0, 0), (1, 0), (1, 1)]))
    assert len(history) == 2
    history.undo()
    history.undo()
    assert rec.regions[0].points == SQUARE


def test_push_clears_redo() -> None:
    history = History(record())
    history.push(SetText(0, "a"))
    history.undo()
    assert history.can_redo and history.redo_label == "edit text"
    history.push(SetDifficult(0, True))
    assert not history.can_redo and history.undo_label == "change region"


def test_invalid_commands_raise_and_change_nothing() -> None:
    rec = record(2)
    history = History(rec)
    before = snapshot(rec)
    with pytest.raises(IndexError):
        history.push(SetText(5, "x"))
    with pytest.raises(IndexError):
        history.push(RemoveRegion(2))
    with pytest.raises(ValueError):
        history.push(Reorder([0, 0]))
    with pytest.raises(IndexError):
        history.push(Batch([SetText(0, "changed"), RemoveRegion(9)]))  # all or nothing
    with pytest.raises(ValueError):
        MovePoints(0, [(0, 0), (1, float("nan")), (2, 2)])
    with pytest.raises(ValueError):
        AddRegion(TextRegion([(0, 0), (1, 1)]))
    assert snapshot(rec) == before and not rec.dirty and len(history) == 0


def test_history_book_keeps_one_history_per_record() -> None:
    changes = []
    book = HistoryBook(on_change=lambda rec, cmd: changes.append(rec.path))
    a, b = record(), ImageRecord("b.jpg", regions=[TextRegion(list(SQUARE))])
    book.push(a, SetText(0, "a"))
    book.push(b, SetText(0, "b"))
    assert book.for_record(a) is book.for_record(a) and book.for_record(a) is not book.for_record(b)
    book.for_record(a).undo()
    assert a.regions[0].transcription == "r0" and b.regions[0].transcription == "b"
    assert changes == ["a.jpg", "b.jpg", "a.jpg"]
