"""What is selected in the current image: the primary region, the multi-selection around it, a picked vertex.

Plain data with the rules the GUI followed in two places before (the editor's primary index, the canvas's
set): a primary outside the multi-selection replaces it, a new primary drops the picked vertex, and after
an edit the indices past the last region go. No Qt: the canvas draws a Selection, the editor announces it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from labeler.core.model import TextRegion

NONE = -1  # no region (or no vertex) selected


@dataclass
class Selection:
    primary: int = NONE  # the region the text field, the table row and re-recognize work on
    chosen: set[int] = field(default_factory=set)  # every selected region, the primary one included
    picked_vertex: int = NONE  # the primary region's vertex the arrow keys move; NONE: the whole region

    def indices(self) -> list[int]:
        """The selected regions in index order."""
        return sorted(self.chosen)

    def select(self, index: int) -> bool:
        """Make `index` the primary region (NONE: nothing); one outside the multi-selection replaces it.

        Returns whether the primary changed; selecting the primary again changes nothing.
        """
        index = max(index, NONE)
        if index == self.primary:
            return False
        if index not in self.chosen:
            self.chosen = {index} if index >= 0 else set()
        self.primary = index
        self.picked_vertex = NONE  # the vertex was one of the region left
        return True

    def choose(self, indices: Iterable[int]) -> None:
        """Set the multi-selection; the primary is set apart (select) so that its change can be announced."""
        self.chosen = {i for i in indices if i >= 0}

    def toggled(self, index: int) -> tuple[list[int], int]:
        """Shift+click on `index`: the multi-selection with it added (it becomes primary) or taken out."""
        chosen = set(self.chosen)
        if index in chosen:
            chosen.discard(index)
            primary = self.primary if self.primary in chosen else (min(chosen) if chosen else NONE)
        else:
            chosen.add(index)
            primary = index
        return sorted(chosen), primary

    def pick_vertex(self, vertex: int, point_count: int) -> int:
        """Pick a vertex of the primary region (`point_count` points) for the arrow keys; returns the one picked."""
        self.picked_vertex = vertex if self.primary >= 0 and 0 <= vertex < point_count else NONE
        return self.picked_vertex

    def keep_primary_only(self) -> None:
        """A new picture of the image: the multi-selection and the vertex belonged to the gestures on the old one."""
        self.chosen = {self.primary} if self.primary >= 0 else set()
        self.picked_vertex = NONE

    def clear(self) -> None:
        self.primary, self.chosen, self.picked_vertex = NONE, set(), NONE

    def follow_regions(self, regions: Sequence[TextRegion], past_end_to_last: bool = True) -> None:
        """The regions changed under the selection: indices past the end go.

        A primary past the end moves to the last region (`past_end_to_last`: an edit such as undoing an add)
        or to none (another writer's save replaced the regions); either way it stands alone then.
        """
        count = len(regions)
        if self.primary >= count:
            self.chosen = set()
            self.select(count - 1 if past_end_to_last else NONE)
        self.chosen = {i for i in self.chosen if i < count}
        if self.primary < 0 or self.picked_vertex >= len(regions[self.primary].points):
            self.picked_vertex = NONE
