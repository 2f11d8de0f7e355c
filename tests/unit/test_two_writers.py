"""Two writers on one folder lose nothing: record-level merge under the folder lock (issue 11, item 1)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from labeler.core.folder_lock import FolderLock, FolderLockedError
from labeler.core.history import Batch, History, HistoryBook, SetStatus, SetText
from labeler.core.model import ImageStatus, TextRegion
from labeler.core.project import open_project, refresh_project, save_project
from labeler.core.project_merge import ConflictRule
from tests.unit.two_writers_harness import run_rounds

NAMES = ["a.png", "b.png", "c.png"]


def region(text: str) -> TextRegion:
    return TextRegion([(0, 0), (10, 0), (10, 10), (0, 10)], text)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    folder = tmp_path / "imgs"
    folder.mkdir()
    for name in NAMES:
        (folder / name).write_bytes(b"")
    project = open_project(folder, images=NAMES)
    for rec in project.records:
        rec.regions, rec.status, rec.dirty = [region(f"ocr {rec.path}")], ImageStatus.PRELABELLED, True
    save_project(project)
    return folder


def opened(folder: Path):
    return open_project(folder, images=NAMES)


def text_on_disk(folder: Path, name: str) -> tuple[str, ImageStatus]:
    rec = opened(folder).record(name)
    return rec.regions[0].transcription, rec.status


def test_second_writer_keeps_the_first_writers_confirmation(folder: Path) -> None:
    window, other = opened(folder), opened(folder)
    History(window.record("a.png")).push(Batch([SetText(0, "checked A"), SetStatus(ImageStatus.CONFIRMED)]))
    save_project(window)
    History(other.record("b.png")).push(SetText(0, "edited B"))
    result = save_project(other)  # its copy of a.png is the old pre-label: must not be written back
    assert text_on_disk(folder, "a.png") == ("checked A", ImageStatus.CONFIRMED)
    assert text_on_disk(folder, "b.png") == ("edited B", ImageStatus.PRELABELLED)
    assert "a.png" in result.merge.reloaded and other.record("a.png").status is ImageStatus.CONFIRMED
    assert "imgs/a.png\t1" in (folder / "fileState.txt").read_text()


def test_same_record_newer_edit_wins_and_the_other_is_kept(folder: Path) -> None:
    first, second = opened(folder), opened(folder)
    History(first.record("a.png")).push(SetText(0, "older edit"))
    time.sleep(0.01)
    History(second.record("a.png")).push(SetText(0, "newer edit"))
    save_project(first)
    result = save_project(second)
    assert text_on_disk(folder, "a.png")[0] == "newer edit"
    [conflict] = result.merge.conflicts
    assert conflict.kept == "here" and conflict.saved_to is not None
    kept = json.loads(conflict.saved_to.read_text(encoding="utf-8"))
    assert "older edit" in kept["discarded"]["line"] and "newer edit" in kept["kept_version"]["line"]
    assert "a.png was changed by another writer too" in result.messages()[0]


def test_older_local_edit_loses_to_a_newer_save_and_is_kept(folder: Path) -> None:
    first, second = opened(folder), opened(folder)
    history = History(first.record("a.png"))
    history.push(SetText(0, "older, unsaved"))
    time.sleep(0.01)
    History(second.record("a.png")).push(SetText(0, "newer, saved"))
    save_project(second)
    result = save_project(first)
    assert text_on_disk(folder, "a.png")[0] == "newer, saved"
    assert first.record("a.png").regions[0].transcription == "newer, saved"  # the window shows the winner
    [conflict] = result.merge.conflicts
    assert conflict.kept == "other writer"
    assert "older, unsaved" in json.loads(conflict.saved_to.read_text(encoding="utf-8"))["discarded"]["line"]
    assert not history.can_undo  # the steps referred to regions that are gone


def test_refresh_reloads_records_not_edited_here(folder: Path) -> None:
    window, prelabel = opened(folder), opened(folder)
    book = HistoryBook(window.lock)
    book.push(window.record("b.png"), SetText(0, "typing in B"))
    rec = prelabel.record("a.png")
    rec.regions, rec.dirty = [region("new OCR of A")], True
    save_project(prelabel, ConflictRule.PRELABELS)
    report = refresh_project(window)
    assert report.reloaded == ["a.png"]
    assert window.record("a.png").regions[0].transcription == "new OCR of A"
    assert window.record("b.png").dirty and window.record("b.png").regions[0].transcription == "typing in B"
    assert refresh_project(window).reloaded == []  # nothing new: one stat per file


def test_prelabels_never_replace_another_writers_save(folder: Path) -> None:
    prelabel, window = opened(folder), opened(folder)
    History(window.record("a.png")).push(SetStatus(ImageStatus.CONFIRMED))
    save_project(window)
    label_before = (folder / "Label.txt").read_bytes()
    rec = prelabel.record("a.png")
    rec.regions, rec.dirty = [region("late OCR")], True
    rec.mark_edited()
    result = save_project(prelabel, ConflictRule.PRELABELS)
    assert [c.path for c in result.merge.conflicts] == ["a.png"] and result.merge.conflicts[0].saved_to is None
    assert text_on_disk(folder, "a.png") == ("ocr a.png", ImageStatus.CONFIRMED)
    assert (folder / "Label.txt").read_bytes() == label_before


def test_deleted_image_lines_stay_gone_when_another_writer_saved_between(folder: Path) -> None:
    window, other = opened(folder), opened(folder)
    window.remove_record("c.png")
    History(other.record("b.png")).push(SetText(0, "B"))
    save_project(other)
    save_project(window)
    assert "c.png" not in (folder / "Cache.cach").read_text()
    assert '"B"' in (folder / "Cache.cach").read_text()


def test_project_settings_merge_by_key(folder: Path) -> None:
    first, second = opened(folder), opened(folder)
    first.settings["kie_classes"] = ["name"]
    save_project(first)
    second.settings["low_score"] = 0.7
    save_project(second)
    data = json.loads((folder / ".labeler" / "project.json").read_text())
    assert data == {"kie_classes": ["name"], "low_score": 0.7}


def test_lock_of_a_killed_writer_is_taken_over_with_a_message(folder: Path) -> None:
    code = (
        "import os,sys;from labeler.core.folder_lock import FolderLock;FolderLock(sys.argv[1]).acquire();"
        "print('locked',flush=True);os.kill(os.getpid(),9)"
    )
    proc = subprocess.run([sys.executable, "-c", code, str(folder)], capture_output=True, text=True)
    assert proc.returncode == -signal.SIGKILL and "locked" in proc.stdout
    project = opened(folder)
    History(project.record("a.png")).push(SetText(0, "after the crash"))
    result = save_project(project)
    assert result.took_over is not None and "ended without releasing it" in result.messages()[0]
    assert f"process {proc.args and result.took_over.pid}" in result.messages()[0]
    assert text_on_disk(folder, "a.png")[0] == "after the crash"


def test_a_live_lock_holder_blocks_with_a_clear_error(folder: Path) -> None:
    code = (
        "import sys,time;from labeler.core.folder_lock import FolderLock;FolderLock(sys.argv[1]).acquire();"
        "print('locked',flush=True);time.sleep(30)"
    )
    proc = subprocess.Popen([sys.executable, "-c", code, str(folder)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "locked"
        with pytest.raises(FolderLockedError, match=rf"process {proc.pid} .* has been writing"):
            FolderLock(folder, timeout=0.3).acquire()
        assert refresh_project(opened(folder)).reloaded == []  # a refresh gives up quietly, retried later
    finally:
        proc.kill()
        proc.wait()


def test_two_writers_stress_200_rounds_with_kills(tmp_path: Path) -> None:
    stats = run_rounds(tmp_path, rounds=200, seed=int(os.environ.get("LABELER_STRESS_SEED", "11")))
    assert stats.killed >= 100 and stats.acked_edits >= 2000 and stats.conflicts > 0
    assert stats.lost_edits == [] and stats.lost_confirms == []


def test_a_file_system_without_locks_still_saves_and_merges(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import errno
    import fcntl

    def no_locks(fd, op):
        raise OSError(errno.ENOLCK, "No locks available")

    monkeypatch.setattr(fcntl, "flock", no_locks)
    lock = FolderLock(folder).acquire()
    assert lock.unlocked
    lock.release()
    first, second = opened(folder), opened(folder)
    History(first.record("a.png")).push(SetText(0, "A on a lockless mount"))
    save_project(first)
    History(second.record("b.png")).push(SetText(0, "B"))
    save_project(second)
    assert text_on_disk(folder, "a.png")[0] == "A on a lockless mount"
