"""Region editing actions (draw polygons, duplicate, lock, rectangle, expand, rotate, vertices, resort,
nudge, drag, multi-delete, merge, split, hide/show, zoom to box, fit width): the handlers of the Region menu
(actions.py).

`EditActions(editor, canvas)` follows the canvas's edit signals. Geometry comes from labeler.core.region_ops;
every change is one `editor.push` (one undo step per user action, several regions in one Batch). A box the
user drew or reshaped is then read by the recognizer (`editor.read_boxes`, folded into that step).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PyQt5.QtCore import QEvent, QObject, QPointF, Qt, QTimer
from PyQt5.QtGui import QPolygonF
from PyQt5.QtWidgets import QApplication, QLineEdit

from labeler.core import ink_fit, region_ops, split_gap
from labeler.core.crop import crop_polygon
from labeler.core.history import (
    AddRegion,
    Batch,
    Command,
    MovePoints,
    RemoveRegion,
    Reorder,
    ReplaceRegions,
    SetDifficult,
    SetField,
    SetText,
)
from labeler.core.model import ImageRecord, ImageStatus, TextRegion
from labeler.ui.canvas import Canvas
from labeler.ui.editor import Editor
from labeler.ui.i18n import noop_tr, tr

EXPAND_PX = 3.0  # Ctrl+K grows a box by this much on every side
DUPLICATE_OFFSET = 10.0  # a copy lands this far right and down of the original
CTX = "EditActions"
READ_CTX = "BoxReading"  # the texts of issue 14 (merge, split, boxes read at once), as in editor.py


@dataclass(frozen=True)
class SplitAt:
    """Where a split cuts: `fraction` of the region's length, before character `index` of `text`; `typed`: the text
    is the user's (typed in the field and not committed yet, or typed before)."""

    fraction: float
    index: int | None
    text: str
    typed: bool


@dataclass(frozen=True)
class Click:
    """The last left click on the canvas, in image pixels, and the image it was on."""

    record: ImageRecord | None
    x: float
    y: float


class ClickTracker(QObject):
    """Remembers where the last left click on the canvas landed (a split point), without taking the event."""

    def __init__(self, canvas: Canvas, on_click: Callable[[float, float], None]) -> None:
        super().__init__(canvas)
        self.canvas = canvas
        self.on_click = on_click
        canvas.viewport().installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.MouseButtonPress and event.button() == Qt.LeftButton:
            point = self.canvas.mapToScene(event.pos())
            self.on_click(point.x(), point.y())
        return False


class EditActions:
    def __init__(self, editor: Editor, canvas: Canvas) -> None:
        self.editor = editor
        self.canvas = canvas
        self.auto_template = True  # locked regions follow onto the next new image (PPOCRLabel's template)
        self._shown = None  # the record shown before the current one
        self._click: Click | None = None  # where a split without a text cursor cuts
        self.clicks = ClickTracker(canvas, lambda x, y: setattr(self, "_click", Click(editor.current, x, y)))
        # The window connects these two to the editor itself; the step they made is read once that has run.
        self._dont_care_next = False  # the rectangle being drawn is a don't-care one (draw_dont_care)
        canvas.rectangle_drawn.connect(lambda _pts: QTimer.singleShot(0, self._rectangle_added))
        canvas.points_edited.connect(lambda index, _pts: QTimer.singleShot(0, lambda: self._read_moved(index)))
        canvas.polygon_drawn.connect(self.polygon_drawn)
        canvas.regions_moved.connect(self.regions_moved)
        canvas.nudge_requested.connect(self.nudge)
        canvas.message.connect(editor.message)
        editor.current_changed.connect(self.image_changed)
        editor.project_opened.connect(self._forget_shown)

    def handlers(self) -> dict[str, Callable[..., object]]:
        """The Region menu's actions (actions.py ids); Delete removes the whole multi-selection."""
        cv = self.canvas
        return {
            "delete": self.delete,
            "rectangle": self.draw_rectangle,
            "draw_dont_care": self.draw_dont_care,
            "polygon": lambda: cv.start_polygon("quad"),
            "multi_polygon": lambda: cv.start_polygon("poly"),
            "duplicate": self.duplicate,
            "lock": self.toggle_lock,
            "apply_locked": self.apply_locked_to_next,
            "auto_template": self.set_auto_template,
            "to_rectangle": self.to_rectangle,
            "expand": self.expand,
            "fit_to_ink": self.fit_to_ink,
            "rotate_cw": lambda: self.rotate(True),
            "rotate_ccw": lambda: self.rotate(False),
            "add_vertex": self.add_vertex,
            "remove_vertex": self.remove_vertex,
            "resort": self.resort,
            "merge_regions": self.merge,
            "upper_case": self.upper_case,
            "dont_care": self.dont_care,
            "toggle_difficult": self.toggle_difficult,
            "split_region": self.split,
            "split_words": self.split_words,
            "hide_boxes": self.hide_boxes,
            "show_boxes": self.show_boxes,
            "zoom_selected": cv.zoom_to_selected,
            "fit_width": cv.fit_width,
        }

    def _forget_shown(self) -> None:
        self._shown = None  # another folder: its first image gets no template from the last one

    def set_auto_template(self, on: bool) -> None:
        self.auto_template = bool(on)

    # ------------------------------------------------------------------ helpers

    @property
    def _size(self):
        return self.canvas.image_size

    def selection(self) -> list[int]:
        ed = self.editor
        if ed.current is None:
            return []
        n = len(ed.current.regions)
        chosen = [i for i in self.canvas.selected_indices() if i < n]
        if ed.selected >= 0 and ed.selected not in chosen:
            chosen = [ed.selected]
        return chosen

    def _push(self, commands: list[Command], label: str) -> bool:
        if not commands:
            return False
        command = commands[0] if len(commands) == 1 else Batch(commands, label=label)
        try:
            self.editor.push(command, merge=False)
        except (ValueError, IndexError) as exc:
            self.editor.message.emit(tr("Cannot {action}: {error}", CTX).format(action=tr(label, CTX), error=exc))
            return False
        return True

    def _reshape(self, label: str, fn) -> None:
        """Replace the points of every selected region by fn(points); they are read again."""
        regions = self.editor.current.regions if self.editor.current is not None else []
        chosen = self.selection()
        if not chosen:
            self.editor.message.emit(tr("Select a region first", CTX))
            return
        if self._push([MovePoints(i, fn(regions[i].points)) for i in chosen], label):
            self.editor.read_boxes(chosen)

    def draw_rectangle(self) -> None:
        """W: the next rectangle drawn is an ordinary region (read at once)."""
        self._dont_care_next = False
        self.canvas.start_rectangle()

    def draw_dont_care(self) -> None:
        """Shift+W: the next rectangle drawn is don't-care from the start (text ###, difficult, not read)."""
        self._dont_care_next = True
        self.canvas.start_rectangle()

    def _rectangle_added(self) -> None:
        if not self._dont_care_next:
            self._read_added()
            return
        self._dont_care_next = False
        step = self.editor.session.last_step()
        if step is None or not isinstance(step.command, AddRegion):
            return
        at = step.command.at
        self.editor.session.fold_if_unedited(  # one undo step with the drawing
            step, lambda _record: Batch([SetText(at, "###"), SetField(at, "difficult", True)], label="don't care")
        )

    def _read_added(self) -> None:
        """A drawn box: read it, if its AddRegion is still the last step."""
        step = self.editor.session.last_step()
        if step is not None and isinstance(step.command, AddRegion):
            self.editor.read_boxes([step.command.at], step)

    def _read_moved(self, index: int) -> None:
        """A dragged vertex: read the region, if its move is still the last step."""
        step = self.editor.session.last_step()
        if step is not None and isinstance(step.command, MovePoints) and step.command.index == index:
            self.editor.read_boxes([index], step)

    def _select(self, indices: list[int], primary: int | None = None) -> None:
        self.canvas.select_many(indices, primary)

    # ------------------------------------------------------------------ canvas signals

    def polygon_drawn(self, points) -> None:
        self.editor.add_region(points)
        self._read_added()

    def regions_moved(self, moved: dict) -> None:
        if self._push([MovePoints(i, pts) for i, pts in sorted(moved.items())], noop_tr("move regions", CTX)):
            self.editor.read_boxes(sorted(moved))

    def nudge(self, dx: float, dy: float) -> None:
        ed, chosen = self.editor, self.selection()
        if ed.current is None or not chosen:
            return
        regions = ed.current.regions
        vertex = self.canvas.picked_vertex
        if vertex >= 0 and ed.selected >= 0:
            points = region_ops.move_vertex(regions[ed.selected].points, vertex, dx, dy, self._size)
            ed.push(MovePoints(ed.selected, points, continuous=True))  # a run of key presses: one step
            ed.read_boxes([ed.selected], wait=True)  # once, after the run
            return
        if len(chosen) == 1:
            points = region_ops.translate(regions[chosen[0]].points, dx, dy, self._size)
            ed.push(MovePoints(chosen[0], points, continuous=True))
            ed.read_boxes(chosen, wait=True)
            return
        # Several regions move together by the shift all of them can make.
        for i in chosen:
            dx, dy = region_ops.clamp_shift(regions[i].points, dx, dy, self._size)
        moves = [MovePoints(i, region_ops.translate(regions[i].points, dx, dy)) for i in chosen]
        if self._push(moves, noop_tr("move regions", CTX)):
            ed.read_boxes(chosen, wait=True)

    # ------------------------------------------------------------------ actions

    def delete(self) -> None:
        ed, chosen = self.editor, self.selection()
        if ed.current is None or not chosen:
            return
        self.canvas.select_many([])
        if self._push([RemoveRegion(i) for i in sorted(chosen, reverse=True)], noop_tr("delete regions", CTX)):
            ed.select(min(chosen[0], len(ed.current.regions) - 1))

    def duplicate(self) -> None:
        ed, chosen = self.editor, self.selection()
        if ed.current is None or not chosen:
            self.editor.message.emit(tr("Select a region to duplicate", CTX))
            return
        n = len(ed.current.regions)
        offset = DUPLICATE_OFFSET
        copies = [region_ops.duplicate(ed.current.regions[i], offset, offset, self._size) for i in chosen]
        if self._push([AddRegion(c) for c in copies], noop_tr("duplicate regions", CTX)):
            self._select(list(range(n, n + len(copies))))

    def to_rectangle(self) -> None:
        self._reshape(noop_tr("convert to rectangle", CTX), region_ops.to_rectangle)

    def expand(self) -> None:
        self._reshape(noop_tr("expand", CTX), lambda pts: region_ops.expand(pts, EXPAND_PX, self._size))

    def fit_to_ink(self) -> None:
        """Ctrl+Shift+K: each selected box shrinks to the ink of its text (core/ink_fit.py), read again; one step."""
        ed, image = self.editor, self.canvas.image_array
        regions = ed.current.regions if ed.current is not None else []
        chosen = self.selection()
        if not chosen or image is None:
            ed.message.emit(tr("Select a region first", CTX))
            return
        fits = {i: ink_fit.fit_to_ink(image, regions[i].points) for i in chosen}
        moves: list[Command] = [MovePoints(i, pts) for i, pts in fits.items() if pts is not None]
        if not moves:
            ed.message.emit(tr("No text found inside the box", CTX))
        elif self._push(moves, noop_tr("fit to the text", CTX)):
            self._select(chosen, ed.selected)
            ed.read_boxes([i for i, pts in fits.items() if pts is not None])

    def rotate(self, clockwise: bool) -> None:
        self._reshape(noop_tr("rotate", CTX), lambda pts: region_ops.rotate90(pts, clockwise))

    def add_vertex(self) -> None:
        ed = self.editor
        if ed.current is None or ed.selected < 0:
            return
        points = region_ops.add_vertex(ed.current.regions[ed.selected].points)
        self._push([MovePoints(ed.selected, points)], noop_tr("add vertex", CTX))

    def remove_vertex(self) -> None:
        ed, vertex = self.editor, self.canvas.picked_vertex
        if ed.current is None or ed.selected < 0 or vertex < 0:
            ed.message.emit(tr("Pick a vertex first (click it, or Z / X / C / V)", CTX))
            return
        points = ed.current.regions[ed.selected].points
        if len(points) <= region_ops.MIN_POINTS:
            ed.message.emit(tr("A region keeps at least {n} points", CTX).format(n=region_ops.MIN_POINTS))
            return
        removed = region_ops.remove_vertex(points, vertex)
        if self._push([MovePoints(ed.selected, removed)], noop_tr("remove vertex", CTX)):
            self.canvas.pick_vertex(-1)
            ed.read_boxes([ed.selected])

    # ------------------------------------------------------------------ merge and split (issue 14)

    def merge(self) -> None:
        """Ctrl+M: the selected regions become one (region_ops.merge_regions), read again. One undo step."""
        ed, chosen = self.editor, self.selection()
        if ed.current is None or len(chosen) < 2:
            ed.message.emit(tr("Select two or more regions to merge (Shift+click or drag a band)", READ_CTX))
            return
        regions = ed.current.regions
        merged = region_ops.merge_regions([regions[i] for i in chosen], self._size)
        merged.id, links = region_ops.relinked(regions, chosen, merged)  # KIE links follow onto the merged region
        merged.linking = links.pop(-1, merged.linking)
        typed = any(ed.session.text_is_users(regions[i]) for i in chosen)
        at = min(chosen)
        commands: list[Command] = [SetField(i, "linking", new) for i, new in links.items()]
        commands += [RemoveRegion(i) for i in sorted(chosen, reverse=True)]
        self.canvas.select_many([])
        if not self._push([*commands, AddRegion(merged, at)], noop_tr("merge regions", CTX)):
            return
        if typed:
            ed.session.typed.add(merged)  # a typed piece makes the whole text the user's: not read again
        ed.select(at)
        ed.read_boxes([at], forced=True)

    def split_point(self, region: TextRegion) -> SplitAt | None:
        """Where to split the selected region: at the text cursor of the focused text field showing its text,
        else at the last click on the canvas when it fell inside the region; None: neither."""
        field = QApplication.focusWidget()
        if isinstance(field, QLineEdit) and not field.isReadOnly():
            mine = field.text() == region.transcription
            if mine or field.isModified():
                text, cursor = field.text(), field.cursorPosition()
                if not 0 < cursor < len(text):
                    return SplitAt(-1.0, cursor, text, False)  # refused by split(): nothing on one side
                typed = self.editor.session.text_is_users(region) or not mine
                return SplitAt(region_ops.text_fraction(text, cursor), cursor, text, typed)
        click = self._click
        if click is None or click.record is not self.editor.current:
            return None
        polygon = QPolygonF([QPointF(x, y) for x, y in region.points])
        if not polygon.containsPoint(QPointF(click.x, click.y), Qt.OddEvenFill):
            return None
        fraction = region_ops.point_fraction(region.points, click.x, click.y)
        return SplitAt(fraction, None, region.transcription, self.editor.session.text_is_users(region))

    def split(self) -> None:
        """Ctrl+Shift+M: the selected region becomes two at the text cursor or the clicked point, each read again."""
        ed = self.editor
        if ed.current is None or ed.selected < 0:
            ed.message.emit(tr("Select a region to split", READ_CTX))
            return
        index = ed.selected
        region = ed.current.regions[index]
        at = self.split_point(region)
        if at is None:
            ed.message.emit(tr("Put the text cursor where the region splits, or click the point first", READ_CTX))
            return
        source = TextRegion(**{**vars(region), "transcription": at.text})
        fraction, image = at.fraction, self.canvas.image_array
        if at.index is not None and image is not None and 0 < fraction < 1:  # the cursor's guess: to the nearest gap
            crop = crop_polygon(image, np.asarray(region.points, np.float32))
            profile = split_gap.ink_profile(crop, region_ops.is_vertical(region.points))
            fraction = split_gap.gap_fraction(profile, fraction)
        try:
            first, second = region_ops.split_region(source, fraction, at.index)
        except ValueError as exc:
            ed.message.emit(tr("Cannot split here: {error}", READ_CTX).format(error=exc))
            return
        self.canvas.select_many([])
        commands: list[Command] = [RemoveRegion(index), AddRegion(first, index), AddRegion(second, index + 1)]
        if not self._push(commands, noop_tr("split region", CTX)):
            return
        if at.typed:
            ed.session.typed.add(first)
            ed.session.typed.add(second)
        self._select([index, index + 1], index)
        ed.read_boxes([index, index + 1], forced=True)

    def split_words(self) -> None:
        """Ctrl+Alt+M: the selected region becomes one region per word of its text (cut at the ink gaps nearest its
        spaces), each read again. One undo step. For projects labelled word by word (ICDAR 2015)."""
        ed = self.editor
        if ed.current is None or ed.selected < 0:
            ed.message.emit(tr("Select a region to split", READ_CTX))
            return
        index = ed.selected
        region = ed.current.regions[index]
        image = self.canvas.image_array
        profile = None
        if image is not None:
            crop = crop_polygon(image, np.asarray(region.points, np.float32))
            profile = split_gap.ink_profile(crop, region_ops.is_vertical(region.points))

        def to_gap(fraction: float) -> float:  # each cut moves to the nearest ink gap, as a cursor split does
            return fraction if profile is None else split_gap.gap_fraction(profile, fraction)

        try:
            pieces = region_ops.split_words(region, to_gap)
        except ValueError as exc:
            ed.message.emit(tr("Cannot split here: {error}", READ_CTX).format(error=exc))
            return
        self.canvas.select_many([])
        commands: list[Command] = [RemoveRegion(index)]
        commands += [AddRegion(piece, index + k) for k, piece in enumerate(pieces)]
        if not self._push(commands, noop_tr("split into words", CTX)):
            return
        indices = list(range(index, index + len(pieces)))
        self._select(indices, index)
        ed.read_boxes(indices, forced=True)

    def resort(self) -> None:
        ed = self.editor
        if ed.current is None:
            return
        order = region_ops.reading_order([r.points for r in ed.current.regions])
        if order == list(range(len(order))):
            ed.message.emit(tr("Regions are in reading order already", CTX))
            return
        chosen, primary = self.selection(), ed.selected
        self.canvas.select_many([])
        if self._push([Reorder(order)], noop_tr("resort regions", CTX)) and chosen:
            self._select([order.index(i) for i in chosen], order.index(primary) if primary >= 0 else None)

    def upper_case(self) -> None:
        """The texts of the selected regions (none selected: of the whole image) in capitals, as one undo step.

        For projects that write print in capitals (SROIE's receipts): one key instead of retyping every line.
        """
        ed = self.editor
        if ed.current is None:
            return
        regions = ed.current.regions
        chosen = self.selection() or list(range(len(regions)))
        commands: list[Command] = [
            SetText(i, regions[i].transcription.upper())
            for i in chosen
            if not regions[i].is_dont_care and regions[i].transcription.upper() != regions[i].transcription
        ]
        if not commands:
            ed.message.emit(tr("No text to put in capitals", CTX))
        elif self._push(commands, noop_tr("upper case", CTX)):
            ed.message.emit(tr("{n} text(s) put in capitals", CTX).format(n=len(commands)))

    def toggle_difficult(self) -> bool:
        """Ctrl+D: mark the selected regions difficult (left out of training), or not when all are; one undo step."""
        ed, chosen = self.editor, self.selection()
        if ed.current is None or not chosen:
            ed.message.emit(tr("Select a region to mark it difficult", CTX))
            return False
        regions = ed.current.regions
        value = not all(regions[i].difficult for i in chosen)
        commands: list[Command] = [SetDifficult(i, value) for i in chosen if regions[i].difficult != value]
        if not self._push(commands, noop_tr("difficult", CTX)):
            return False
        self._select(chosen, ed.selected)
        text = tr("{n} region(s) marked difficult", CTX) if value else tr("{n} region(s) no longer difficult", CTX)
        ed.message.emit(text.format(n=len(commands)))
        return True

    def dont_care(self) -> None:
        """The selected regions become don't-care: text ### and difficult (PaddleOCR's loader ignores ### boxes)."""
        ed, chosen = self.editor, self.selection()
        if ed.current is None or not chosen:
            ed.message.emit(tr("Select a region first", CTX))
            return
        regions = ed.current.regions
        commands: list[Command] = []
        for i in chosen:
            if regions[i].transcription != "###":
                commands.append(SetText(i, "###"))
            if not regions[i].difficult:
                commands.append(SetField(i, "difficult", True))
        if self._push(commands, noop_tr("mark don't care", CTX)):
            self._select(chosen, ed.selected)

    def toggle_lock(self) -> None:
        ed, chosen = self.editor, self.selection()
        if ed.current is None or not chosen:
            ed.message.emit(tr("Select a region to lock", CTX))
            return
        value = not all(ed.current.regions[i].locked for i in chosen)
        label = noop_tr("lock regions", CTX) if value else noop_tr("unlock regions", CTX)
        if self._push([SetField(i, "locked", value) for i in chosen], label):
            self._select(chosen, ed.selected)

    def apply_locked_to_next(self) -> None:
        """PPOCRLabel's template: copy this image's locked regions onto the next image when it has none."""
        ed = self.editor
        if ed.current is None or ed.project is None:
            return
        locked = [r for r in ed.current.regions if r.locked]
        nxt = ed.current_index + 1
        if not locked:
            ed.message.emit(tr("No locked regions on this image", CTX))
            return
        if nxt >= len(ed.project):
            ed.message.emit(tr("This is the last image", CTX))
            return
        record = ed.project.records[nxt]
        if record.regions:
            ed.message.emit(tr("{path} has regions already: locked regions not copied", CTX).format(path=record.path))
            ed.go_to(nxt)
            return
        copies = [region_ops.duplicate(r, 0, 0) for r in locked]
        for c in copies:
            c.locked = True  # still a template on the next image
        ed.push(ReplaceRegions(copies), record=record, merge=False)  # an undo step of the next image
        ed.go_to(nxt)
        ed.message.emit(tr("Copied {n} locked regions onto {path}", CTX).format(n=len(copies), path=record.path))

    def image_changed(self) -> None:
        """Copy the locked regions of the image just left onto a new image without regions."""
        ed, left = self.editor, self._shown
        self._shown = ed.current
        record = ed.current
        if not self.auto_template or left is None or record is None or ed.project is None:
            return
        if record.status is not ImageStatus.NEW or record.regions or left is record:
            return
        if left.path not in ed.project or ed.project.record(left.path) is not left:  # from another project
            return
        locked = [r for r in left.regions if r.locked]
        if locked:
            copies = [region_ops.duplicate(r, 0, 0) for r in locked]
            for c in copies:
                c.locked = True
            ed.push(ReplaceRegions(copies), merge=False)
            ed.message.emit(tr("Copied {n} locked regions from {path}", CTX).format(n=len(copies), path=left.path))

    def hide_boxes(self) -> None:
        self.canvas.set_boxes_visible(False)

    def show_boxes(self) -> None:
        self.canvas.set_boxes_visible(True)
