"""The annotation model: plain dataclasses, no Qt, no I/O."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

Point = tuple[float, float]

DONT_CARE_TEXTS = frozenset({"###", "*"})


@dataclass
class TextRegion:
    """One text line or word: a polygon of 4 or more points and what it says."""

    points: list[Point]
    transcription: str = ""
    difficult: bool = False
    key_cls: str | None = None  # KIE class, None outside KIE mode
    score: float | None = None  # recognition confidence, None for hand-made regions
    id: int | None = None  # KIE entity id (XFUND)
    linking: list[list[int]] = field(default_factory=list)  # KIE links [[from_id, to_id], ...]
    locked: bool = False
    extra: dict[str, Any] = field(default_factory=dict)  # unknown keys from the file, kept on save

    @property
    def is_dont_care(self) -> bool:
        """`###` (or PaddleOCR's `*`) regions and difficult ones are never scored or trained on as text."""
        return self.difficult or self.transcription in DONT_CARE_TEXTS


class ImageStatus(str, Enum):
    """Where an image is in the labelling workflow."""

    NEW = "new"  # nothing yet
    PRELABELLED = "prelabelled"  # OCR output waiting for review (Cache.cach)
    CONFIRMED = "confirmed"  # checked by a person (Label.txt + fileState.txt)


@dataclass
class ImageRecord:
    """One image of a project and its regions. `path` is relative to the project folder, with '/'.

    `regions` may be loaded lazily (see `set_regions_loader`): opening 10,000 images must not build
    500,000 TextRegions. `dirty` means changed since the last save; every edit (history.py) sets it and `edited_at`.
    `revision` grows when another writer's save replaced the record's content (project_merge.py).
    """

    path: str
    width: int | None = None
    height: int | None = None
    status: ImageStatus = ImageStatus.NEW
    regions: list[TextRegion] = field(default_factory=list)
    dirty: bool = field(default=False, compare=False, repr=False)
    edited_at: float = field(default=0.0, compare=False, repr=False)  # wall time of the last edit (merge: newer wins)
    revision: int = field(default=0, compare=False, repr=False)  # +1 when reloaded from another writer's save
    # labeler.core.table.Table objects (typed Any: model.py imports nothing of ours); saved by table_store.py
    tables: list[Any] = field(default_factory=list, compare=False, repr=False)

    def set_regions_loader(self, loader: Callable[[], list[TextRegion]]) -> None:
        """Build `regions` with `loader()` on first access instead of now."""
        with _LOAD_LOCK:
            self.__dict__.pop("_regions", None)
            self.__dict__["_regions_loader"] = loader

    def mark_edited(self) -> None:
        """An edit happened now: save it, and let it win over another writer's older one."""
        self.dirty = True
        self.edited_at = time.time()

    @property
    def regions_loaded(self) -> bool:
        return "_regions" in self.__dict__


# One lock for all records: loads are short, and the autosave thread may read a record the GUI opens.
_LOAD_LOCK = threading.RLock()


def _get_regions(self: ImageRecord) -> list[TextRegion]:
    try:
        return self.__dict__["_regions"]
    except KeyError:
        pass
    with _LOAD_LOCK:
        d = self.__dict__
        if "_regions" not in d:
            # The loader stays until it succeeds, so a failed load is retried, never turned into [].
            d["_regions"] = d["_regions_loader"]()
            del d["_regions_loader"]
        return d["_regions"]


def _set_regions(self: ImageRecord, value: list[TextRegion]) -> None:
    d = self.__dict__
    if "_regions_loader" not in d:
        d["_regions"] = value  # nothing can be loading: skip the lock (10,000 records are built at open)
        return
    with _LOAD_LOCK:
        d.pop("_regions_loader", None)
        d["_regions"] = value


# Installed after @dataclass (which removed the class attribute of a default_factory field), so
# __init__, __eq__, __repr__ and dataclasses.replace all go through the lazy getter.
ImageRecord.regions = property(  # type: ignore[assignment]
    _get_regions, _set_regions, doc="The regions, parsed on first access."
)
