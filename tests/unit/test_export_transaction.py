"""Transactional exports (issue 11): a killed, failed or cancelled re-export leaves the previous export
byte for byte or the complete new one, never a mix; a full disk is one clear error; workers die with
their parent. Real files, real processes, real SIGKILLs (tests/unit/export_kill_harness.py)."""

from __future__ import annotations

import errno
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from labeler.core.errors import ExportError
from labeler.core.export import ExportOptions, export_project
from labeler.core.export_swap import ExportSwap, recover
from tests.unit.export_kill_harness import (
    REPO,
    Zygote,
    leftovers,
    make_project,
    prepare,
    run_rounds,
    tree_hash,
)

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the kill harness forks (POSIX)")


@pytest.fixture(scope="module")
def zygote():
    runner = Zygote()
    yield runner
    runner.close()


@pytest.fixture
def setup(tmp_path, zygote):
    return prepare(tmp_path, zygote, images=6)


def test_reexport_killed_at_random_points_is_the_old_or_the_new_export(setup, zygote):
    result = run_rounds(setup, zygote, rounds=50, seed=0)
    print(f"\n{result}")
    assert result.problems == []
    assert result.outcomes["mixed"] == 0
    assert result.killed >= 20  # most kills landed while the export ran, not after it
    assert result.outcomes["old"] > 0 and result.outcomes["new"] > 0
    assert result.full_runs == result.full_runs_clean == 5 and result.workers_left == 0


def test_kill_between_the_two_renames_then_the_previous_export_is_restored(setup, zygote):
    zygote.start(setup.project_v2, setup.out, exchange=False, hook="kill_between_renames")
    assert zygote.finish() == -signal.SIGKILL
    assert not setup.out.exists()  # the crash window: OUT set aside, the new one not yet renamed in
    assert any(".old-" in name for name in leftovers(setup.out))
    notes = recover(setup.out)
    assert tree_hash(setup.out) == setup.old_hash and leftovers(setup.out) == []
    assert any("restored" in note for note in notes)
    report = export_project(setup.project_v2, setup.out, ExportOptions(workers=1, seed=5))
    assert tree_hash(setup.out, normalise=True) == setup.new_hash and leftovers(setup.out) == []
    assert report.recovered == []


def test_a_killed_swap_is_repaired_by_the_next_export_itself(setup, zygote):
    zygote.start(setup.project_v2, setup.out, exchange=False, hook="kill_between_renames")
    assert zygote.finish() == -signal.SIGKILL
    zygote.start(setup.project_v2, setup.out)
    assert zygote.finish() == 0
    assert tree_hash(setup.out, normalise=True) == setup.new_hash and leftovers(setup.out) == []


def test_kill_after_the_exchange_keeps_the_new_export_and_the_next_run_cleans_up(setup, zygote):
    zygote.start(setup.project_v2, setup.out, hook="kill_after_exchange")
    assert zygote.finish() == -signal.SIGKILL
    assert tree_hash(setup.out, normalise=True) == setup.new_hash
    [stale] = [name for name in leftovers(setup.out) if ".export-" in name]
    assert tree_hash(setup.out.parent / stale) == setup.old_hash  # the previous export, waiting to be deleted
    report = export_project(setup.project_v1, setup.out, ExportOptions(workers=1, seed=1))
    assert any(stale in note for note in report.recovered)
    assert leftovers(setup.out) == []


def _mount_tmpfs(folder: Path, size: str) -> bool:
    if os.geteuid() != 0 or not shutil.which("mount"):
        return False
    folder.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], capture_output=True)
    return done.returncode == 0


def test_full_disk_is_one_clear_error_and_the_old_export_stays(tmp_path, monkeypatch):
    v1, v2 = make_project(tmp_path / "v1", 1, images=6), make_project(tmp_path / "v2", 2, images=6)
    disk = tmp_path / "disk"
    mounted = _mount_tmpfs(disk, "2m")  # v1 (~1 MB) fits, v1 and v2 (~1.5 MB) together do not
    try:
        if not mounted:  # not root, or no mount: the same error from a simulated full disk
            disk.mkdir(exist_ok=True)
        out = disk / "out"
        export_project(v1, out, ExportOptions(workers=1, seed=1))
        old = tree_hash(out)
        if mounted:
            workers = 2  # the worker processes hit ENOSPC and hand it back through the pool
        else:
            import labeler.core.export_images as images

            real = images.write_output_file

            def write_bytes(path, data):
                if "_crop_5" in path:
                    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), path)
                real(path, data)

            monkeypatch.setattr(images, "write_output_file", write_bytes)
            workers = 1
        with pytest.raises(ExportError) as caught:
            export_project(v2, out, ExportOptions(workers=workers, seed=5))
        message = str(caught.value)
        print(f"\n{'2 MB tmpfs' if mounted else 'simulated ENOSPC'}: {message}")
        assert str(out) in message and "no space left" in message
        assert tree_hash(out) == old
        assert leftovers(out) == []  # no work folder, no lock file
    finally:
        if mounted:
            subprocess.run(["umount", str(disk)], check=False)
            if disk.is_mount():
                subprocess.run(["umount", "-l", str(disk)], check=False)


def test_no_space_while_writing_the_lists(tmp_path, monkeypatch):
    import labeler.core.export as export

    project = make_project(tmp_path / "v1", 1, images=4)
    out = tmp_path / "exports" / "out"
    export_project(project, out, ExportOptions(workers=1, seed=1))
    old = tree_hash(out)
    real = export.atomic_write_text

    def write_text(path, text):
        if Path(path).name == "rec_gt.txt":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        real(path, text)

    monkeypatch.setattr(export, "atomic_write_text", write_text)
    with pytest.raises(ExportError, match="no space left"):
        export_project(project, out, ExportOptions(workers=1, seed=2))
    assert tree_hash(out) == old and leftovers(out) == []


def test_workers_die_with_a_killed_export(tmp_path):
    project = make_project(tmp_path / "big", 1, images=80, size=(640, 480))
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "labeler", "export", str(project), "--out", str(out), "--workers", "2"]
    proc = subprocess.Popen(cmd, cwd=str(REPO), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    family: list[psutil.Process] = []
    try:
        parent = psutil.Process(proc.pid)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            family = parent.children(recursive=True)
            if any(p.ppid() != proc.pid for p in family if p.is_running()):  # a worker (forked by the forkserver)
                break
            time.sleep(0.01)
        assert proc.poll() is None, "the export ended before its workers were seen"
        family = parent.children(recursive=True)
        proc.kill()
        proc.wait()
        killed = time.monotonic()
        alive = family
        while alive and time.monotonic() - killed < 10:
            time.sleep(0.02)
            alive = [p for p in alive if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
        seconds = time.monotonic() - killed
        print(
            f"\n{len(family)} child processes (workers, forkserver, resource tracker) gone "
            f"{seconds:.2f} s after SIGKILL"
        )
        assert alive == [], f"still running {seconds:.0f} s after the export was killed: {alive}"
        assert seconds < 5
    finally:
        for p in family:
            try:
                p.kill()
            except psutil.NoSuchProcess:
                pass
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.fixture
def earlier(tmp_path):
    project = make_project(tmp_path / "v1", 1, images=3)
    out = tmp_path / "exports" / "out"
    export_project(project, out, ExportOptions(workers=1, seed=1))
    return project, out, tree_hash(out)


def test_cancel_leaves_the_previous_export_as_it_was(earlier):
    project, out, old = earlier
    report = export_project(project, out, ExportOptions(workers=1, seed=2), cancel=lambda: True)
    assert report.cancelled
    assert tree_hash(out) == old and leftovers(out) == []


def test_one_export_into_a_folder_at_a_time(earlier):
    project, out, old = earlier
    with ExportSwap(out, lambda _: True):  # another export holds OUT's lock
        with pytest.raises(ExportError, match="another export"):
            export_project(project, out, ExportOptions(workers=1, seed=2))
    assert tree_hash(out) == old and leftovers(out) == []


def test_files_beside_an_earlier_export_are_never_deleted(earlier):
    project, out, _ = earlier
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(ExportError, match="notes.txt"):
        export_project(project, out, ExportOptions(workers=1))
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine" and leftovers(out) == []


def test_the_image_folder_inside_out_is_refused(earlier, tmp_path):
    project, out, old = earlier
    with pytest.raises(ExportError, match="inside it"):
        export_project(project, project.parent, ExportOptions(workers=1))


def test_a_symlinked_out_swaps_its_target_and_keeps_the_link(setup, zygote, tmp_path):
    link = tmp_path / "link"
    link.symlink_to(setup.out, target_is_directory=True)
    zygote.start(setup.project_v2, link, hook="kill_after_exchange")
    assert zygote.finish() == -signal.SIGKILL
    assert link.is_symlink() and tree_hash(link, normalise=False) != setup.old_hash
    assert [name for name in leftovers(setup.out) if ".export-" in name]  # beside the target, not the link
    export_project(setup.project_v1, link, ExportOptions(workers=1, seed=1))
    assert link.is_symlink() and (setup.out / "report.json").is_file() and leftovers(setup.out) == []
