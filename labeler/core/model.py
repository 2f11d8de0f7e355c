"""The annotation model: plain dataclasses, no Qt, no I/O."""

from __future__ import annotations

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
    """One image of a project and its regions. `path` is relative to the project folder, with '/'."""

    path: str
    width: int | None = None
    height: int | None = None
    status: ImageStatus = ImageStatus.NEW
    regions: list[TextRegion] = field(default_factory=list)
