"""Auto-labelling an image again without losing what the user did to it.

A second Ctrl+Shift+A (or "auto-label all unconfirmed" after a retrain) used to replace every region: a user's
corrected texts, moved boxes, key classes and hand-drawn boxes went with the old detections. The rule here:

- every region of the USER is kept as it is, in its place: drawn by hand, edited (text, points, difficult, key
  class, lock, KIE id/links), or on a confirmed image;
- the untouched regions the OCR made are replaced by the new detections;
- a new detection that overlaps a kept region is left out (the user's box wins), the others are appended in the
  detector's (reading) order.

"Untouched" is known exactly for the detections applied in this session: `OcrOutputs` remembers what each
auto-label put on each image (a signature of every field a person can change), so a region still equal to one
of them is the machine's, and an undone edit makes it the machine's again. For regions from an earlier session
(read from Cache.cach) there is no such memory, but the folder knows who wrote each image last: a person's save
records its time in `.labeler/edit_times.jsonl`, a machine's records 0. On an image no person ever edited, every
region with an OCR score and no flag or key class is the machine's (PPOCRLabel writes no scores, so what a person
made there is kept). On an image a person edited, such a region counts as the machine's only when the new OCR
reads the same text at the same place (IoU >= MATCH_IOU); anything else might be a correction and is kept.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from labeler.core.history import Batch, Command, ReplaceRegions, SetStatus
from labeler.core.model import ImageRecord, ImageStatus, TextRegion
from labeler.core.polygon import PreparedPolygon, fraction_inside, polygon_iou, prepare
from labeler.core.project_model import Project
from labeler.core.project_source import PPOCRLabelSource

OVERLAP = 0.3  # a new detection with this share of its area (or of the kept region's) on a kept region is left out
MATCH_IOU = 0.5  # without memory: an old scored region with the same text at IoU >= this is the machine's

Signature = tuple


def signature(region: TextRegion) -> Signature:
    """Every field of a region a person can change (points to 1/100 px): equal signatures, untouched region."""
    points = tuple((round(float(x), 2), round(float(y), 2)) for x, y in region.points)
    links = tuple(tuple(link) for link in region.linking)
    return (points, region.transcription, region.difficult, region.key_cls, region.locked, region.id, links)


@dataclass
class OcrOutputs:
    """The signatures of the regions auto-labelling put on each image of one project in this session."""

    project: object | None = None
    by_path: dict[str, set[Signature]] = field(default_factory=dict)

    def _for(self, project: object) -> dict[str, set[Signature]]:
        if project is not self.project:  # another folder: its paths are other images
            self.project, self.by_path = project, {}
        return self.by_path

    def remember(self, project: object, path: str, regions: Sequence[TextRegion]) -> None:
        self._for(project).setdefault(path, set()).update(signature(r) for r in regions)

    def known(self, project: object, path: str) -> set[Signature] | None:
        """What auto-labelling put on the image in this session; None when it never ran on it."""
        return self._for(project).get(path)


def _plain(region: TextRegion) -> bool:
    """An OCR region nobody flagged, classified or linked."""
    return (
        region.score is not None
        and not region.difficult
        and not region.locked
        and region.key_cls is None
        and region.id is None
        and not region.linking
    )


def _machine_made(
    region: TextRegion,
    known: set[Signature] | None,
    detections: Sequence[tuple[TextRegion, PreparedPolygon]],
    person_edited: bool,
) -> bool:
    if known is not None:
        return signature(region) in known
    if not _plain(region):
        return False
    if not person_edited:
        return True  # only machines ever wrote this image's regions
    shape = prepare(region.points)
    return any(
        d.transcription == region.transcription and polygon_iou(shape, poly) >= MATCH_IOU for d, poly in detections
    )


def _overlaps(a: PreparedPolygon, b: PreparedPolygon, share: float) -> bool:
    return fraction_inside(a, b) >= share or fraction_inside(b, a) >= share


@dataclass(frozen=True)
class RelabelPlan:
    """What auto-labelling an image again does: the regions it ends with, and how they came to be."""

    regions: tuple[TextRegion, ...]  # the kept regions (in their order), then the added detections
    kept: tuple[int, ...]  # indices (in the old regions) of the user's regions, kept
    replaced: tuple[int, ...]  # indices of untouched OCR regions, replaced
    added: tuple[TextRegion, ...]  # the new detections put on the image
    left_out: int  # new detections dropped because they overlap a kept region

    @property
    def changes(self) -> bool:
        return bool(self.replaced or self.added)


def plan_relabel(
    old: Sequence[TextRegion],
    detections: Sequence[TextRegion],
    known: set[Signature] | None,
    confirmed: bool = False,
    overlap: float = OVERLAP,
    person_edited: bool = True,
) -> RelabelPlan:
    """Keep the user's regions of `old`, replace the machine's with `detections` (see the module docstring).

    `known`: OcrOutputs.known for the image (None: no memory); `confirmed`: every region is the user's;
    `person_edited`: a person ever saved an edit of this image (the cautious default when nobody knows).
    """
    prepared = [(d, prepare(d.points)) for d in detections]
    kept: list[int] = []
    replaced: list[int] = []
    for i, region in enumerate(old):
        users = confirmed or not _machine_made(region, known, prepared, person_edited)
        (kept if users else replaced).append(i)
    kept_shapes = [prepare(old[i].points) for i in kept]
    added = [d for d, poly in prepared if not any(_overlaps(poly, k, overlap) for k in kept_shapes)]
    regions = tuple([old[i] for i in kept] + added)
    return RelabelPlan(regions, tuple(kept), tuple(replaced), tuple(added), len(detections) - len(added))


def relabel_command(record: ImageRecord, plan: RelabelPlan) -> Command:
    """The plan as one undo step; a new image becomes pre-labelled."""
    commands: list[Command] = [ReplaceRegions(list(plan.regions))]
    if record.status is ImageStatus.NEW:
        commands.append(SetStatus(ImageStatus.PRELABELLED))
    return Batch(commands, label="auto-label")


def person_edited(project: object, record: ImageRecord) -> bool:
    """Whether a person edited the image: in this session, or in a save recorded in the folder's edit times."""
    if record.edited_at:
        return True
    source = project.source if isinstance(project, Project) else None
    if not isinstance(source, PPOCRLabelSource):
        return True  # a project not read from files: nobody knows, be careful
    source.edit_times.refresh()
    return source.edit_times.get(record.path, 0.0) > 0.0


class Relabeller:
    """Turns auto-label results into commands that keep the user's regions, remembering what OCR put where."""

    def __init__(self) -> None:
        self.outputs = OcrOutputs()
        self.last: RelabelPlan | None = None  # the plan of the last command made

    def command_for(self, project: object, detections: Sequence[TextRegion]) -> Callable[[ImageRecord], Command]:
        """For EditingSession.apply_if_unedited: called only when the result is applied."""

        def command(record: ImageRecord) -> Command:
            known = self.outputs.known(project, record.path)
            confirmed = record.status is ImageStatus.CONFIRMED
            edited = person_edited(project, record)
            self.last = plan = plan_relabel(record.regions, detections, known, confirmed, person_edited=edited)
            self.outputs.remember(project, record.path, plan.added)
            return relabel_command(record, plan)

        return command
