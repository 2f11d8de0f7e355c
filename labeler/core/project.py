"""Open, save and refresh a project: one image folder, a record per image, and project settings.

`open_project` / `save_project` read and write PPOCRLabel's own files in the folder
(Label.txt, Cache.cach, fileState.txt; see ppocrlabel_project.py), so PPOCRLabel can still open it.
Every writer of those files goes through `save_project`: it merges under the folder lock, so writers
sharing a folder never undo each other's work; `refresh_project` takes in the others' saves.
The `Project` type itself lives in project_model.py (no I/O), so the file code can use it without a cycle.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from labeler.core.ppocrlabel_project import (
    SaveResult,
    open_ppocrlabel_folder,
    refresh_ppocrlabel_folder,
    save_ppocrlabel_folder,
)
from labeler.core.project_merge import ConflictRule, MergeReport
from labeler.core.project_model import Project

__all__ = ["Project", "open_project", "refresh_project", "save_project"]


def open_project(folder: str | Path, images: Iterable[str] | None = None) -> Project:
    """Open an image folder with its PPOCRLabel files. `images`: relative paths to use instead of listing it."""
    return open_ppocrlabel_folder(folder, images)


def save_project(project: Project, rule: ConflictRule | None = None) -> SaveResult:
    """Write what changed, atomically, merged record by record with what other writers saved meanwhile.

    `rule`: who wins an image both changed; default: the newer edit (the other is kept in .labeler/conflicts/).
    PPOCRLabel can open the folder afterwards.
    """
    return save_ppocrlabel_folder(project, rule or ConflictRule.NEWER)


def refresh_project(project: Project) -> MergeReport:
    """Take in what other writers saved since the last open, refresh or save (records not edited here reload)."""
    return refresh_ppocrlabel_folder(project)
