"""A region a person accepted in the correction panel is "reviewed": it keeps the recognizer's score (that
score says how sure the model was of what it read, which retraining and the metrics want) and is no longer
taken for a low-confidence one. The mark is saved with the region as `"reviewed": true` (an extra key, kept
by every reader of ours and ignored by PaddleOCR's)."""

from __future__ import annotations

from dataclasses import dataclass, field

from labeler.core.history import Command
from labeler.core.model import ImageRecord, TextRegion

REVIEWED_KEY = "reviewed"


def is_reviewed(region: TextRegion) -> bool:
    return getattr(region, "extra", {}).get(REVIEWED_KEY) is True  # anything with a score may be asked


def is_low(region: TextRegion, threshold: float) -> bool:
    """Read with a score under `threshold` and not reviewed by a person since."""
    return region.score is not None and region.score < threshold and not is_reviewed(region)


@dataclass
class MarkReviewed(Command):
    """Mark region `index` reviewed (or not): one undoable edit."""

    index: int
    value: bool = True
    old: bool | None = field(default=None, init=False)
    label = "review region"

    def apply(self, record: ImageRecord) -> None:
        region = record.regions[self.index]
        self.old = is_reviewed(region)
        self._set(region, self.value)

    def revert(self, record: ImageRecord) -> None:
        self._set(record.regions[self.index], bool(self.old))

    @staticmethod
    def _set(region: TextRegion, value: bool) -> None:
        extra = {k: v for k, v in region.extra.items() if k != REVIEWED_KEY}  # a new dict: copies share none
        if value:
            extra[REVIEWED_KEY] = True
        region.extra = extra
