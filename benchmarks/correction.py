"""Correction cost: a scripted annotator who knows the ground truth fixes the pre-labels through the real window.

    python benchmarks/correction.py [--eval ../shared/eval/public] [--images N] [--json PATH]
                                    [--prelabels Cache.cach] [--box-iou 0.7] [--rows ...] [--show JSON]

Method and the "before" figures: docs/correction-benchmark.md.

Three rows on the same images: from scratch (no pre-labels: draw and type everything), PPOCRLabel's
operations on the pre-labels, and labeler's (every action of labeler/ui/actions.py at run time, new ones
found by id). Every input is a real event sent to the window's widgets offscreen (keys to the focused
widget so that the window's shortcuts fire, mouse presses / moves / releases on the canvas viewport and
the region table), counted, and turned into seconds with the keystroke-level model (KLM) of Card, Moran
and Newell, "The keystroke-level model for user performance time with interactive systems",
Communications of the ACM 23(7), 1980, pp. 396-410 (Figure 1 operator times):

    K = 0.28 s  a keystroke, "average non-secretary typist (40 wpm)": annotators type codes, amounts and
                names read off an image, not prose, so not the 0.20 s of a skilled typist; a modifier
                (Shift, Ctrl) is a keystroke of its own, a run of shifted characters shares one Shift
    P = 1.10 s  pointing with the mouse at a target; B = 0.10 s pressing or releasing its button
    click = P + 2B = 1.30 s; drag (point, press, point, release) = 2P + 2B = 2.40 s
    H = 0.40 s  homing the hand between keyboard and mouse (counted at every switch)
    M = 1.35 s  mental preparation: one per region fixed (or drawn) and one per image (look it over, confirm)
    wheel notch = K (the 1980 model has no wheel; a notch is a finger flick like a keystroke)

A CJK character costs IME_KEYS keystrokes (pinyin with the IME's first candidate; an assumption, stated).
The annotator reaches the ground truth: every GT region present (IoU >= --box-iou with its GT polygon, the
stricter of the eval's 0.5 and this), its exact text and difficult flag; `###` regions included. At the end of
each row the saved Label.txt is checked with labeler's own metrics (zero_edit must be 1.000) and the strict
comparison above: a row that fails either is void.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))
# ../shared/eval/public next to the repository (a git worktree one level deeper finds the same one)
DEFAULT_EVAL = next(
    (d / "shared" / "eval" / "public" for d in REPO.parents if (d / "shared" / "eval" / "public").is_dir()),
    REPO.parent / "shared" / "eval" / "public",
)

K, P, B, H, M = 0.28, 1.10, 0.10, 0.40, 1.35
CLICK_S, DRAG_S, WHEEL_S = P + 2 * B, 2 * P + 2 * B, K
IME_KEYS = 3
BOX_IOU = 0.7  # a corrected box must reach this IoU with its GT (the eval matches at 0.5)
PLAN_MARGIN = 0.05  # vertices are dragged until the IoU clears the tolerance by this much (whole pixels saved)
ZOOM_MIN_VIEW_PX = 16  # a box thinner than this on screen is drawn or reshaped zoomed in (Ctrl+wheel)
READ_MIN_CHARS = 3  # a drawn box whose text is this long or longer gets Ctrl+R before typing (if it has no text)
KINDS = ("wrong_text", "loose_box", "missing", "false_box", "split", "merged", "difficult", "image")
SHIFTED = set('~!@#$%^&*()_+{}|:"<>?')
ROWS = ("from_scratch", "ppocrlabel_ops", "labeler")
# Actions PPOCRLabel has (ppocrlabel.md); the ppocrlabel_ops row may use only these.
PPOCRLABEL_IDS = frozenset(
    "rectangle polygon delete edit_text confirm recognize recognize_all duplicate to_rectangle expand resort "
    "hide_boxes show_boxes zoom_selected fit fit_width zoom_in zoom_out undo redo edit_mode previous next".split()
)


# ---------------------------------------------------------------- counting


@dataclass
class Count:
    keys: int = 0
    clicks: int = 0
    drags: int = 0
    wheel: int = 0
    homes: int = 0
    mentals: int = 0

    @property
    def seconds(self) -> float:
        return (
            K * self.keys
            + CLICK_S * self.clicks
            + DRAG_S * self.drags
            + WHEEL_S * self.wheel
            + H * self.homes
            + M * self.mentals
        )

    def add(self, other: Count) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def to_dict(self) -> dict:
        return {"seconds": round(self.seconds, 2), "keys": self.keys, "clicks": self.clicks, "drags": self.drags,
                "wheel": self.wheel, "homes": self.homes, "mentals": self.mentals}  # fmt: skip


def text_keys(text: str) -> int:
    """Keystrokes to type `text`: one per ASCII character, one Shift per run of shifted ones, IME_KEYS per CJK one."""
    keys, shifted = 0, False
    for ch in text:
        if ord(ch) > 127:
            keys += IME_KEYS
            shifted = False
            continue
        need = ch.isupper() or ch in SHIFTED
        keys += 1 + (need and not shifted)
        shifted = need
    return keys


def common_ends(old: str, new: str) -> tuple[int, int]:
    """Lengths of the common prefix and of the common suffix after it."""
    p = 0
    while p < min(len(old), len(new)) and old[p] == new[p]:
        p += 1
    s = 0
    while s < min(len(old), len(new)) - p and old[-1 - s] == new[-1 - s]:
        s += 1
    return p, s


def edit_plan(old: str, new: str, selected: bool = True) -> tuple[str, int]:
    """The fewest keys from a field holding `old` (`selected`: all of it selected; else Ctrl+A to retype) to `new`,
    Enter included: ('retype'|'end'|'home', keys)."""
    retype = text_keys(new) + 1 + (0 if selected or not old else 2)
    p, s = common_ends(old, new)
    old_mid, new_mid = len(old) - p - s, new[p : len(new) - s]
    end = 1 + s + old_mid + text_keys(new_mid) + 1  # End, Left x s, Backspace x old_mid, type, Enter
    home = 1 + p + old_mid + text_keys(new_mid) + 1  # Home, Right x p, Delete x old_mid, type, Enter
    return min(("retype", retype), ("end", end), ("home", home), key=lambda c: (c[1], c[0] != "retype"))


# ---------------------------------------------------------------- geometry


def iou(a, b) -> float:
    from labeler.core.polygon import polygon_iou

    return polygon_iou([tuple(map(float, p)) for p in a], [tuple(map(float, p)) for p in b])


def inside(a, b) -> float:
    from labeler.core.polygon import fraction_inside

    return fraction_inside([tuple(map(float, p)) for p in a], [tuple(map(float, p)) for p in b])


def bbox(points) -> list[tuple[float, float]]:
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    return [(min(xs), min(ys)), (max(xs), min(ys)), (max(xs), max(ys)), (min(xs), max(ys))]


def vertex_map(cur, gt) -> list[int]:
    """For each vertex of `cur`, the GT vertex it should go to (cyclic order kept for quads)."""
    cur_a, gt_a = np.asarray(cur, float), np.asarray(gt, float)
    if len(cur_a) == len(gt_a):
        n = len(gt_a)
        best = None
        for shift in range(n):
            for sign in (1, -1):
                idx = [(sign * k + shift) % n for k in range(n)]
                d = float(np.linalg.norm(cur_a - gt_a[idx], axis=1).sum())
                if best is None or d < best[0]:
                    best = (d, idx)
        return best[1]
    return [int(np.argmin(np.linalg.norm(gt_a - p, axis=1))) for p in cur_a]


def drag_plan(cur, gt, tol: float) -> list[int] | None:
    """Vertices of `cur` to drag onto their GT vertex (greedy, best IoU gain first) until IoU >= tol; None: cannot."""
    target = vertex_map(cur, gt)
    pts = [tuple(p) for p in cur]
    moved: list[int] = []
    while iou(pts, gt) < tol:
        options = []
        for k in range(len(pts)):
            if k in moved:
                continue
            trial = list(pts)
            trial[k] = tuple(gt[target[k]])
            options.append((iou(trial, gt), k, trial))
        if not options:
            return None
        _v, k, pts = max(options)
        moved.append(k)
    return moved


# ---------------------------------------------------------------- classification


def classify(gt: Sequence, pre: Sequence) -> tuple[list[str], list[str]]:
    """The error kind of each GT region and each pre-label.

    GT: difficult (`###` / difficult: don't care), merged (it and another GT line lie > 50 % inside one
    pre-label), split (two or more pre-labels lie > 50 % inside it, none with IoU >= BOX_IOU), then greedy
    IoU >= 0.5 pairs: right, wrong_text, loose_box (IoU < BOX_IOU) or loose_box+wrong_text; the rest missing.
    Pre-labels: the same kinds, and false_box for what is left.
    """
    from labeler.core.metrics import greedy_match

    kg = ["" for _ in gt]
    kp = ["" for _ in pre]
    ins_pg = [[inside(p.points, g.points) for g in gt] for p in pre]  # share of pre-label p inside GT g
    ins_gp = [[inside(g.points, p.points) for p in pre] for g in gt]  # share of GT g inside pre-label p
    for j in range(len(pre)):
        covered = [i for i in range(len(gt)) if ins_gp[i][j] > 0.5 and not gt[i].is_dont_care]
        if len(covered) >= 2:
            kp[j] = "merged"
            for i in covered:
                kg[i] = "merged"
    for i, g in enumerate(gt):
        if kg[i] or g.is_dont_care:
            continue
        pieces = [j for j in range(len(pre)) if ins_pg[j][i] > 0.5 and not kp[j]]
        if len(pieces) >= 2 and max(iou(pre[j].points, g.points) for j in pieces) < BOX_IOU:
            kg[i] = "split"
            for j in pieces:
                kp[j] = "split"
    for i, g in enumerate(gt):
        if g.is_dont_care:
            kg[i] = "difficult"
            for j in range(len(pre)):
                if not kp[j] and ins_pg[j][i] > 0.5:
                    kp[j] = "difficult"
    free_g = [i for i in range(len(gt)) if not kg[i]]
    free_p = [j for j in range(len(pre)) if not kp[j]]
    matrix = [[iou(gt[i].points, pre[j].points) for j in free_p] for i in free_g]
    for a, b, _v in greedy_match(matrix):
        i, j = free_g[a], free_p[b]
        ok_box = iou(gt[i].points, pre[j].points) >= BOX_IOU
        ok_text = gt[i].transcription == pre[j].transcription
        kg[i] = kp[j] = "right" if ok_box and ok_text else ("wrong_text" if ok_box else "loose_box")
        if not ok_box and not ok_text:
            kg[i] = kp[j] = "loose_box+wrong_text"
    kg = [k or "missing" for k in kg]
    kp = [k or "false_box" for k in kp]
    return kg, kp


# ---------------------------------------------------------------- the annotator


class Annotator:
    """Sends real inputs to the window and counts them under the error kind being fixed."""

    def __init__(self, app, window, opset: str, tol: float = BOX_IOU) -> None:
        self.app, self.window, self.opset, self.tol = app, window, opset, tol
        self.canvas, self.editor = window.canvas, window.editor
        self.counts: dict[str, Count] = {k: Count() for k in KINDS}
        self.kind = "image"
        self.hand = "mouse"
        ids = set(window.actions_by_name)
        allowed = ids if opset == "labeler" else ids & PPOCRLABEL_IDS
        self.ops = allowed
        self.problems: list[str] = []
        self.zoomed = 0  # Ctrl+wheel notches zoomed in for the box being worked on
        self.swept = 0  # regions the last look over an image deleted

    # -- counting and low-level input

    @property
    def c(self) -> Count:
        return self.counts[self.kind]

    def _hand(self, device: str) -> None:
        if self.hand != device:
            self.c.homes += 1
            self.hand = device

    def settle(self, rounds: int = 2) -> None:
        for _ in range(rounds):
            self.app.processEvents()

    def wait(self, condition: Callable[[], bool], timeout: float = 30.0) -> bool:
        end = time.time() + timeout
        while not condition():
            if time.time() > end:
                return False
            self.app.processEvents()
            time.sleep(0.001)
        return True

    def focus(self):
        from PyQt5.QtWidgets import QApplication

        widget = QApplication.focusWidget()
        return widget if widget is not None else self.canvas

    def key(self, key, mods=None, count: bool = True, widget=None) -> None:
        from PyQt5.QtCore import Qt
        from PyQt5.QtTest import QTest

        mods = Qt.NoModifier if mods is None else mods
        if count:
            self._hand("keyboard")
            self.c.keys += 1 + sum(
                bool(int(mods) & int(m)) for m in (Qt.ControlModifier, Qt.ShiftModifier, Qt.AltModifier)
            )
        QTest.keyClick(widget or self.focus(), key, mods)
        self.settle()

    def type(self, widget, text: str) -> None:
        from PyQt5.QtCore import QEvent, Qt
        from PyQt5.QtGui import QKeyEvent
        from PyQt5.QtTest import QTest
        from PyQt5.QtWidgets import QApplication

        self._hand("keyboard")
        self.c.keys += text_keys(text)
        for ch in text:
            if ord(ch) < 128:
                QTest.keyClicks(widget, ch)
            else:  # an IME commits the character: a key event carrying its text (QTest knows only ASCII keys)
                for kind in (QEvent.KeyPress, QEvent.KeyRelease):
                    QApplication.sendEvent(widget, QKeyEvent(kind, 0, Qt.NoModifier, ch))
        self.settle()

    def action(self, action_id: str) -> None:
        """Press the action's first shortcut that the focused text field leaves to the window (if none does, the
        user clicks out of the field first); one without a shortcut is chosen from its menu (two clicks)."""
        action = self.window.actions_by_name[action_id]
        seq = action.shortcut()
        if seq.isEmpty():
            self._hand("mouse")
            self.c.clicks += 2
            action.trigger()
            self.settle()
            return
        combos = [self._split_combo(int(s[0])) for s in action.shortcuts() if not s.isEmpty()]
        usable = [c for c in combos if not self.field_takes(*c)]
        if not usable:  # every shortcut would edit the focused text field (End, Ctrl+V): leave it first
            self.leave_text_field()
            usable = combos
        self.key(*usable[0])

    @staticmethod
    def _split_combo(combo: int):
        from PyQt5.QtCore import Qt

        mods = Qt.KeyboardModifiers(combo & int(Qt.KeyboardModifierMask))
        return Qt.Key(combo & ~int(Qt.KeyboardModifierMask)), mods

    def field_takes(self, key, mods) -> bool:
        """Would the focused text field use this key itself (Qt's ShortcutOverride: typing, End, Home, Ctrl+V...)?"""
        from PyQt5.QtCore import QEvent
        from PyQt5.QtGui import QKeyEvent
        from PyQt5.QtWidgets import QApplication, QLineEdit

        widget = self.focus()
        if not isinstance(widget, QLineEdit):
            return False
        event = QKeyEvent(QEvent.ShortcutOverride, int(key), mods)
        event.ignore()
        QApplication.sendEvent(widget, event)
        return event.isAccepted()

    def leave_text_field(self) -> None:
        """A key that a text field uses is used there: the user leaves the field first (Esc in labeler's line editor,
        which keeps the selection; elsewhere a click on the canvas background)."""
        from PyQt5.QtWidgets import QLineEdit

        if not isinstance(self.focus(), QLineEdit):
            return
        panel = self.window.correction
        if self.focus() is panel.text and hasattr(panel, "left") and not panel.text.isModified():
            from PyQt5.QtCore import Qt

            self.key(Qt.Key_Escape, widget=panel.text)  # labeler's line editor: Esc gives the keys back, selection kept
            return
        pos = self.background_point()
        if pos is None:
            self.problems.append("no background to click on")
            return
        self.click(self.canvas.viewport(), pos)

    def background_point(self):
        from PyQt5.QtCore import QPoint, QPointF, Qt
        from PyQt5.QtGui import QPolygonF

        polys = [QPolygonF([QPointF(*map(float, p)) for p in r.points]) for r in self.regions]
        rect = self.canvas.viewport().rect()
        for fy in np.linspace(0.05, 0.95, 19):
            for fx in np.linspace(0.05, 0.95, 19):
                pos = QPoint(int(rect.width() * fx), int(rect.height() * fy))
                scene = self.canvas.mapToScene(pos)
                if not any(p.containsPoint(scene, Qt.OddEvenFill) for p in polys):
                    return pos
        return None

    def _mouse(self, widget, kind: str, pos, buttons, mods) -> None:
        from PyQt5.QtCore import QEvent, QPointF, Qt
        from PyQt5.QtGui import QMouseEvent
        from PyQt5.QtWidgets import QApplication

        types = {"press": QEvent.MouseButtonPress, "move": QEvent.MouseMove, "release": QEvent.MouseButtonRelease}
        button = Qt.NoButton if kind == "move" else Qt.LeftButton
        if kind == "press":  # what Qt does for a real click (sent events skip it): focus to the clicked widget
            target = widget
            while target is not None and not int(target.focusPolicy()) & int(Qt.ClickFocus):
                target = target.parentWidget()
            if target is not None:
                target.setFocus(Qt.MouseFocusReason)
        event = QMouseEvent(types[kind], QPointF(pos), widget.mapToGlobal(pos), button, buttons, mods)
        QApplication.sendEvent(widget, event)

    def click(self, widget, pos, shift: bool = False) -> None:
        from PyQt5.QtCore import Qt

        self._hand("mouse")
        self.c.clicks += 1
        mods = Qt.ShiftModifier if shift else Qt.NoModifier
        self._mouse(widget, "move", pos, Qt.NoButton, mods)
        self._mouse(widget, "press", pos, Qt.LeftButton, mods)
        self._mouse(widget, "release", pos, Qt.NoButton, mods)
        self.settle()

    def drag(self, a, b, steps: int = 6) -> None:
        from PyQt5.QtCore import Qt

        self._hand("mouse")
        self.c.drags += 1
        vp = self.canvas.viewport()
        self._mouse(vp, "move", a, Qt.NoButton, Qt.NoModifier)
        self._mouse(vp, "press", a, Qt.LeftButton, Qt.NoModifier)
        for k in range(1, steps + 1):
            self._mouse(vp, "move", a + (b - a) * k / steps, Qt.LeftButton, Qt.NoModifier)
        self._mouse(vp, "release", b, Qt.NoButton, Qt.NoModifier)
        self.settle()

    def wheel(self, widget, pos, notches: int, ctrl: bool = False, horizontal: bool = False) -> None:
        from PyQt5.QtCore import QPoint, QPointF, Qt
        from PyQt5.QtGui import QWheelEvent
        from PyQt5.QtWidgets import QApplication

        self._hand("mouse")
        self.c.wheel += abs(notches)
        for _ in range(abs(notches)):
            step = 120 if notches > 0 else -120
            delta = QPoint(step, 0) if horizontal else QPoint(0, step)
            mods = Qt.ControlModifier if ctrl else Qt.NoModifier
            event = QWheelEvent(
                QPointF(pos), QPointF(widget.mapToGlobal(pos)), QPoint(), delta, Qt.NoButton, mods,
                Qt.NoScrollPhase, False,
            )  # fmt: skip
            QApplication.sendEvent(widget, event)
        self.settle()

    def zoom_for(self, points) -> bool:
        """Zoom in (Ctrl+wheel over the box) when the box is too thin on screen to draw or reshape; True if zoomed."""
        from PyQt5.QtCore import Qt

        rect = bbox(points)
        side = min(rect[2][0] - rect[0][0], rect[2][1] - rect[0][1]) * self.canvas.zoom
        if side >= ZOOM_MIN_VIEW_PX:
            return False
        notches = int(np.ceil(np.log(ZOOM_MIN_VIEW_PX / max(side, 0.5)) / np.log(1.25)))
        cx, cy = (rect[0][0] + rect[2][0]) / 2, (rect[0][1] + rect[2][1]) / 2
        pos = self.view(cx, cy)
        self._mouse(self.canvas.viewport(), "move", pos, Qt.NoButton, Qt.NoModifier)
        self._hand("keyboard")
        self.c.keys += 1  # Ctrl held while the wheel turns
        self.wheel(self.canvas.viewport(), pos, notches, ctrl=True)
        self.zoomed = notches
        self.bring_into_view(points)
        return True

    def unzoom(self) -> None:
        """Back to the zoom before zoom_for (Ctrl+wheel the other way): the next box may be far away."""
        if not self.zoomed:
            return
        self._hand("keyboard")
        self.c.keys += 1
        self.wheel(self.canvas.viewport(), self.canvas.viewport().rect().center(), -self.zoomed, ctrl=True)
        self.zoomed = 0

    def bring_into_view(self, points, margin: int = 12) -> None:
        """Scroll (wheel notches, counted) until the box is on screen (with a margin where the image allows)."""
        rect = bbox(points)
        full = self.canvas.viewport().rect()
        vp = full.adjusted(margin, margin, -margin, -margin)
        bars = {False: self.canvas.verticalScrollBar(), True: self.canvas.horizontalScrollBar()}
        stuck: set[bool] = set()
        last: dict[bool, int] = {}
        corner_only: set[bool] = set()
        for _ in range(400):
            tl, br = self.view(*rect[0]), self.view(*rect[2])
            far = {False: br.y() > vp.bottom(), True: br.x() > vp.right()}
            if False in corner_only:  # larger than the view (with the margin) along this axis: its start on screen
                far[False] = tl.y() > vp.bottom()
            if True in corner_only:
                far[True] = tl.x() > vp.right()
            dy = 1 if tl.y() < vp.top() else (-1 if far[False] and tl.y() > vp.top() else 0)
            dx = 1 if tl.x() < vp.left() else (-1 if far[True] and tl.x() > vp.left() else 0)
            moves = [(False, dy), (True, dx)]
            moves = [(horizontal, d) for horizontal, d in moves if d and horizontal not in stuck]
            if not moves:
                break
            horizontal, d = moves[0]
            if last.get(horizontal, d) != d:  # bouncing: the box is about as large as the view along this axis
                if horizontal in corner_only:
                    stuck.add(horizontal)
                corner_only.add(horizontal)
                last.pop(horizontal)
                continue
            last[horizontal] = d
            before = bars[horizontal].value()
            self.wheel(self.canvas.viewport(), full.center(), d, horizontal=horizontal)
            if bars[horizontal].value() == before:
                stuck.add(horizontal)
        tl, br = self.view(*rect[0]), self.view(*rect[2])
        if not full.contains(tl):  # a box wider or taller than the view: its top-left corner on screen
            self.problems.append(f"box {rect} could not be scrolled into view")

    def start_image(self) -> None:
        """A page much taller than wide is worked on at fit width (Ctrl+Shift+F), scrolled with the wheel."""
        size = self.canvas.image_size
        if size is None:
            return
        vp = self.canvas.viewport().rect()
        if vp.width() / size[0] > 1.3 * self.canvas.zoom and "fit_width" in self.ops:
            self.action("fit_width")

    def view(self, x: float, y: float):
        from PyQt5.QtCore import QPointF

        return self.canvas.mapFromScene(QPointF(x, y))

    # -- the window's state

    @property
    def regions(self) -> list:
        return self.editor.current.regions

    def click_point(self, index: int):
        """A view point inside region `index`, inside no other region (unless it is the primary), off every handle."""
        from PyQt5.QtCore import QPointF, Qt
        from PyQt5.QtGui import QPolygonF

        regions = self.regions
        primary = self.editor.selected
        polys = [QPolygonF([QPointF(*map(float, p)) for p in r.points]) for r in regions]
        pts = np.asarray(regions[index].points, float)
        quad = pts if len(pts) == 4 else np.asarray(bbox(pts), float)
        handles = []
        if 0 <= primary < len(regions):
            handles = [self.view(*map(float, p)) for p in regions[primary].points]
        viewport = self.canvas.viewport().rect()
        candidates = []
        for u in (0.5, 0.35, 0.65, 0.2, 0.8, 0.1, 0.9):
            for v in (0.5, 0.3, 0.7, 0.15, 0.85):
                top = quad[0] + (quad[1] - quad[0]) * u
                bottom = quad[3] + (quad[2] - quad[3]) * u
                candidates.append(top + (bottom - top) * v)
        for x, y in candidates:
            vp = self.view(x, y)
            scene = self.canvas.mapToScene(vp)
            if not viewport.contains(vp) or not polys[index].containsPoint(scene, Qt.OddEvenFill):
                continue
            if any((h - vp).manhattanLength() <= 10 for h in handles):
                continue
            if index == primary or not any(
                j != index and polys[j].containsPoint(scene, Qt.OddEvenFill) for j in range(len(polys))
            ):
                return vp
        return None

    def select(self, index: int, shift: bool = False) -> None:
        """Make region `index` selected (shift: add it to the selection) by a click on the canvas, else in the table."""
        if not shift and self.editor.selected == index and self.canvas.selected_indices() == [index]:
            return
        self.bring_into_view(self.regions[index].points)
        chosen = self.canvas.selected_indices()
        if not shift and index in chosen and len(chosen) > 1:
            # a click on one of several selected boxes keeps them all selected (to move them together), e.g. the
            # two halves a split leaves selected: the user clicks the background first
            self.leave_selection()
        pos = self.click_point(index)
        if pos is not None:
            self.click(self.canvas.viewport(), pos, shift=shift)
            if index in self.canvas.selected_indices() and (shift or self.canvas.selected_indices() == [index]):
                return
        if shift:
            self.problems.append(f"could not shift-click region {index}")
            return
        self.table_click(index, 0)  # the number column: a click on a selected text cell would open its editor
        if self.editor.selected != index:
            self.problems.append(f"could not select region {index}")

    def leave_selection(self) -> None:
        pos = self.background_point()
        if pos is None:
            self.problems.append("no background to click on")
            return
        self.click(self.canvas.viewport(), pos)

    def table_click(self, row: int, column: int, x_offset: int | None = None) -> None:
        table = self.window.regions
        index = table.model().index(row, column)
        for _ in range(200):
            rect = table.visualRect(index)
            if table.viewport().rect().contains(rect):
                break
            self.wheel(table.viewport(), table.viewport().rect().center(), 1 if rect.top() < 0 else -1)
        rect = table.visualRect(index)
        pos = rect.center() if x_offset is None else rect.topLeft() + type(rect.center())(x_offset, rect.height() // 2)
        self.click(table.viewport(), pos)

    # -- edits

    def delete(self, indices: list[int]) -> None:
        """Delete these regions: one click + Delete each (PPOCRLabel), or shift-clicks and one Delete (labeler)."""
        if not indices:
            return
        if self.opset == "labeler" and len(indices) > 1:
            self.select(indices[0])
            self._hand("keyboard")  # the other hand holds Shift for the clicks: one keystroke
            self.c.keys += 1
            for i in indices[1:]:
                self.select(i, shift=True)
            self.action("delete")
            return
        for i in sorted(indices, reverse=True):
            self.select(i)
            self.action("delete")

    def draw(self, gt_points, dont_care: bool = False) -> int:
        """Draw a region for these GT points (rectangle when that is close enough, else a 4-point polygon); its index.

        `dont_care`: a GT `###` region; labeler draws it don't-care at once (Shift+W) when a rectangle will do."""
        n = len(self.regions)
        rect = bbox(gt_points)
        self.bring_into_view(gt_points)
        self.zoom_for(gt_points)
        if iou(rect, gt_points) >= self.tol + 0.02 or "polygon" not in self.ops or len(gt_points) != 4:
            self.action("draw_dont_care" if dont_care and "draw_dont_care" in self.ops else "rectangle")
            self.drag(self.view(*rect[0]), self.view(*rect[2]))
        else:
            self.action("polygon")
            for x, y in gt_points:
                self.click(self.canvas.viewport(), self.view(float(x), float(y)))
        self.unzoom()
        if len(self.regions) != n + 1:
            self.problems.append("a drawn region did not appear")
            return -1
        return n

    def fix_box(self, index: int, gt_points, text_after: str) -> int:
        """Bring region `index` within tolerance of the GT: drag vertices or redraw, whichever KLM says is quicker."""
        cur = [tuple(map(float, p)) for p in self.regions[index].points]
        plan = drag_plan(cur, gt_points, min(self.tol + PLAN_MARGIN, 0.95))
        select_s = 0.0 if self.editor.selected == index else CLICK_S
        drag_s = select_s + DRAG_S * len(plan) if plan is not None else float("inf")
        redraw_s = select_s + 2 * K + DRAG_S + K * edit_plan("", text_after)[1]
        image = self.canvas.image_array
        if "fit_to_ink" in self.ops and image is not None:  # labeler's Ctrl+Shift+K, when its fit will do
            from labeler.core.ink_fit import fit_to_ink

            fitted = fit_to_ink(image, cur)
            if (
                fitted is not None
                and iou(fitted, gt_points) >= self.tol + 0.03
                and select_s + 3 * K < min(drag_s, redraw_s)
            ):
                self.select(index)
                self.action("fit_to_ink")
                self.wait_readings()
                if iou(self.regions[index].points, gt_points) >= self.tol:
                    return index
                self.problems.append(f"fitting region {index} to its ink missed: {self.regions[index].points}")
        if drag_s <= redraw_s:
            self.select(index)
            self.zoom_for(gt_points)
            target = vertex_map(cur, gt_points)
            for k in plan:
                x, y = self.regions[index].points[k]
                gx, gy = gt_points[target[k]]
                self.drag(self.view(float(x), float(y)), self.view(float(gx), float(gy)))
            self.unzoom()
            self.wait_readings()  # a reshaped box is read again (read_new_boxes): its new text is what gets edited
            return index
        self.delete([index])
        return self.draw(gt_points, dont_care=text_after == "###")

    def set_text(self, index: int, text: str, then: int | None = None) -> None:
        """Edit the region's text to `text` (F3 to a low-confidence region in labeler when it is quicker than a click).

        `then`: the region to fix next; in labeler's line editor Tab keeps the text and walks on to it, so when it
        lies a few regions ahead the edit ends with Tabs instead of Enter (which jumps to the next low-confidence one).
        """
        from PyQt5.QtCore import Qt
        from PyQt5.QtWidgets import QLineEdit

        region = self.regions[index]
        if region.transcription == text:
            return
        panel = self.window.correction
        field_ready = panel.text.hasFocus() and self.editor.selected == index
        by_mouse = CLICK_S + 2 * K + (2 * H if self.hand == "keyboard" else H)  # click it, Ctrl+E, hands moved
        tabs = self._tab_presses(index)
        if not field_ready and "next_low" in self.ops and self._f3_presses(index) is not None:
            presses = self._f3_presses(index)
            if presses * K < by_mouse and (tabs is None or presses <= abs(tabs)):
                for _ in range(presses):
                    self.action("next_low")
                field_ready = panel.text.hasFocus() and self.editor.selected == index
        if not field_ready and tabs is not None and (abs(tabs) + (tabs < 0)) * K < by_mouse:
            if tabs < 0:
                self.c.keys += 1  # Shift held down for all the presses (each Backtab below counts one key)
            for _ in range(abs(tabs)):  # the correction field walks the regions in reading order
                self.key(Qt.Key_Tab if tabs > 0 else Qt.Key_Backtab, widget=panel.text)
            field_ready = panel.text.hasFocus() and self.editor.selected == index
        if field_ready:
            widget = panel.text
        else:
            self.select(index)
            self.action("line_editor" if "line_editor" in self.ops else "edit_text")
            widget = self.focus()
            if not isinstance(widget, QLineEdit):
                self.problems.append(f"no text editor opened for region {index}")
                return
        old = widget.text()
        selected = widget.selectedText() == old
        how, keys = edit_plan(old, text, selected)
        hunks = self.hunk_plan(widget, old, text)
        if hunks is not None and sum(n for _op, n in hunks) + 1 < keys:  # (+1: the Enter both end with)
            self.run_plan(widget, hunks)
        elif how == "retype":
            if not selected and old:  # the field put the cursor in, not selecting the text: Ctrl+A first
                self.key(Qt.Key_A, Qt.ControlModifier, widget=widget)
            self.type(widget, text)
        else:
            p, s = common_ends(old, text)
            mid_old, mid_new = len(old) - p - s, text[p : len(text) - s]
            if how == "end":
                self.key(Qt.Key_End, widget=widget)
                for _ in range(s):
                    self.key(Qt.Key_Left, widget=widget)
                for _ in range(mid_old):
                    self.key(Qt.Key_Backspace, widget=widget)
            else:
                self.key(Qt.Key_Home, widget=widget)
                for _ in range(p):
                    self.key(Qt.Key_Right, widget=widget)
                for _ in range(mid_old):
                    self.key(Qt.Key_Delete, widget=widget)
            if mid_new:
                self.type(widget, mid_new)
        if widget.text() != text:
            self.problems.append(f"typed {widget.text()!r}, wanted {text!r}")
        walk = then - index if then is not None else 0
        if widget is self.window.correction.text and hasattr(self.window.correction, "step") and 0 < walk * K < CLICK_S:
            for _ in range(walk):
                self.key(Qt.Key_Tab, widget=widget)
        else:
            self.key(Qt.Key_Return, widget=widget)
        if not self.wait(lambda: self.regions[index].transcription == text, 5):
            self.problems.append(f"text of region {index} not committed: {self.regions[index].transcription!r}")

    # -- editing a text in place: the cursor to each difference (word jumps where they land short of it), fix it

    def _peek(self, widget, text: str, pos: int, forward: bool) -> int:
        """Where Ctrl+Right (Ctrl+Left) takes the cursor from `pos` in `text`, in this field (the user knows where
        the word ends before pressing): pressed on the field holding `text`, read; the caller puts the field back."""
        from PyQt5.QtCore import Qt
        from PyQt5.QtTest import QTest

        if widget.text() != text:
            widget.setText(text)
        widget.setCursorPosition(pos)
        QTest.keyClick(widget, Qt.Key_Right if forward else Qt.Key_Left, Qt.ControlModifier)
        return widget.cursorPosition()

    def _nav(self, widget, text: str, pos: int, target: int) -> list[tuple[str, int]]:
        """Keys from `pos` to `target`: word jumps while one lands between them (2 keys: worth it past 2 characters),
        then arrows. As (op, keys) steps: 'jr' / 'jl' a jump, 'r' / 'l' an arrow."""
        steps: list[tuple[str, int]] = []
        while pos != target:
            forward = target > pos
            landed = self._peek(widget, text, pos, forward)
            if (pos < landed <= target if forward else target <= landed < pos) and abs(landed - pos) > 2:
                steps.append(("jr" if forward else "jl", 2))
                pos = landed
            else:
                steps.append(("r" if forward else "l", 1))
                pos += 1 if forward else -1
        return steps

    def hunk_plan(self, widget, old: str, new: str) -> list[tuple[str, int]] | None:
        """Fix `old` into `new` difference by difference (Home or End, then word jumps / arrows to the next one,
        Delete, type); as (op, keys) steps ('home', 'end', jumps, arrows, 'del', 'type:<text>'); None: not planned."""
        import difflib

        if not old or widget.isReadOnly():
            return None
        saved = (widget.text(), widget.cursorPosition(), widget.selectedText() == widget.text())
        plan: list[tuple[str, int]] = []
        cur, pos = old, None
        try:
            for _ in range(60):
                if cur == new:
                    return plan
                ops = difflib.SequenceMatcher(None, cur, new, autojunk=False).get_opcodes()
                _tag, i1, i2, j1, j2 = next(o for o in ops if o[0] != "equal")
                options = [
                    [("home", 1)] + self._nav(widget, cur, 0, i1),
                    [("end", 1)] + self._nav(widget, cur, len(cur), i1),
                ]
                if pos is not None:
                    options.append(self._nav(widget, cur, pos, i1))
                plan += min(options, key=lambda steps: sum(n for _op, n in steps))
                plan += [("del", 1)] * (i2 - i1)
                if j2 > j1:
                    plan.append((f"type:{new[j1:j2]}", text_keys(new[j1:j2])))
                cur, pos = cur[:i1] + new[j1:j2] + cur[i2:], i1 + (j2 - j1)
            return None
        finally:
            widget.setText(saved[0])
            if saved[2]:
                widget.selectAll()
            else:
                widget.setCursorPosition(saved[1])

    def run_plan(self, widget, plan: list[tuple[str, int]]) -> None:
        from PyQt5.QtCore import Qt

        keys = {"home": (Qt.Key_Home, None), "end": (Qt.Key_End, None), "r": (Qt.Key_Right, None),
                "l": (Qt.Key_Left, None), "jr": (Qt.Key_Right, Qt.ControlModifier),
                "jl": (Qt.Key_Left, Qt.ControlModifier), "del": (Qt.Key_Delete, None)}  # fmt: skip
        for op, _n in plan:
            if op.startswith("type:"):
                self.type(widget, op[5:])
            else:
                key, mods = keys[op]
                self.key(key, mods, widget=widget)

    def _tab_presses(self, index: int) -> int | None:
        """Tab presses (negative: Shift+Tab) from the region in the focused correction field to `index`; None:
        the field is not focused or the app has no such walk (labeler only)."""
        panel = self.window.correction
        if self.opset != "labeler" or not hasattr(panel, "step") or not panel.text.hasFocus():
            return None
        start = self.editor.selected
        return None if start < 0 or start == index else index - start

    def _f3_presses(self, index: int) -> int | None:
        from labeler.ui.correction import next_low_index

        regions, low = self.regions, self.editor.low_score
        start = self.editor.selected
        for presses in range(1, 6):
            start = next_low_index(regions, start, low)
            if start < 0:
                return None
            if start == index:
                return presses
        return None

    def set_difficult(self, index: int, value: bool) -> None:
        if self.regions[index].difficult == value:
            return
        if "toggle_difficult" in self.ops:
            self.select(index)
            self.action("toggle_difficult")
        else:
            from labeler.ui.panels import DIFFICULT

            self.select(index)
            self.table_click(index, DIFFICULT, x_offset=10)
        if self.regions[index].difficult != value:
            self.problems.append(f"difficult flag of region {index} not set")

    def dont_care(self, index: int, g, kind: str, wait: bool = False) -> bool:
        """labeler's don't-care key (Ctrl+3: text ### and difficult) for a GT `###` region; False: not used."""
        if "dont_care" not in self.ops or g.transcription != "###" or not g.difficult:
            return False
        if wait:
            self.wait_readings()  # a drawn box is being read: the key comes after, or the reading would land last
        region = self.regions[index]
        if region.transcription == "###" and region.difficult:
            return True
        self.kind = kind
        self.c.mentals += 1
        self.select(index)
        self.action("dont_care")
        self.wait_readings()
        if self.regions[index].transcription != "###" or not self.regions[index].difficult:
            self.problems.append(f"region {index} is not don't-care after Ctrl+3")
        return True

    def capitals_pay(self, gt: list) -> bool:
        """Whether putting every text of the image in capitals (one key, nothing selected) saves keys overall."""
        from labeler.core.metrics import greedy_match

        regions = self.regions
        matrix = [[iou(g.points, r.points) for r in regions] for g in gt]
        gain = 0
        for i, j, _v in greedy_match(matrix, threshold=0.5) if regions else []:
            old, new = regions[j].transcription, gt[i].transcription
            if gt[i].is_dont_care or old == new:
                continue
            up = old.upper()
            before = edit_plan(old, new, True)[1]
            after = 0 if up == new else edit_plan(up, new, True)[1]
            gain += before - after + (M / K if up == new else 0)  # a text made right needs no look either
        return gain > 3 + CLICK_S / K

    def wait_readings(self) -> None:
        self.settle()
        self.wait(lambda: not self.editor.ocr.jobs, 60)
        self.settle()

    def read_drawn(self, index: int, text: str) -> None:
        """A drawn region gets its text: read at once (if the app does), else Ctrl+R when worth it, then edited."""
        self.settle()
        if self.editor.ocr.jobs:  # the app reads a drawn box by itself
            self.wait(lambda: not self.editor.ocr.jobs, 60)
        elif (
            self.opset != "from_scratch"
            and "recognize" in self.ops
            and not self.regions[index].transcription
            and len(text) >= READ_MIN_CHARS
            and text != "###"
        ):
            self.action("recognize")
            self.wait(lambda: not self.editor.ocr.jobs, 60)
        self.set_text(index, text)

    # -- one image

    def correct_image(self, gt: list) -> None:
        """Bring the current image's regions to `gt`, then confirm it (End)."""
        from labeler.core.metrics import greedy_match

        pre = [r for r in self.regions]
        kg, kp = classify(gt, pre) if pre else (["difficult" if g.is_dont_care else "missing" for g in gt], [])
        origin = {id(r): j for j, r in enumerate(pre)}
        self.kind = "image"
        self.c.mentals += 1
        self.start_image()
        if "merge_regions" in self.ops:
            self._merge_splits(gt, kg)
        if "split_region" in self.ops:
            self._split_merged(gt, kg)
        if "upper_case" in self.ops and self.capitals_pay(gt):
            self.kind = "wrong_text"
            self.c.mentals += 1
            if self.canvas.selected_indices():
                self.leave_selection()
            self.action("upper_case")

        def gt_kind(i: int, op: str) -> str:
            k = kg[i]
            if k in ("split", "merged", "difficult", "missing"):
                return k
            return "loose_box" if op == "box" else "wrong_text"

        # Pair what is there with the GT (IoU >= 0.2: worth reshaping), delete the rest.
        cur = list(self.regions)
        matrix = [[iou(g.points, r.points) for r in cur] for g in gt]
        pairs = greedy_match(matrix, threshold=0.2) if cur else []
        kept = {j for _i, j, _v in pairs}
        doomed = [j for j in range(len(cur)) if j not in kept]
        if doomed:
            by_kind: dict[str, list[int]] = {}
            for j in doomed:
                k = kp[origin[id(cur[j])]] if id(cur[j]) in origin else "false_box"
                k = k if k in KINDS else "false_box"
                by_kind.setdefault(k, []).append(j)
            ids = [id(r) for r in cur]
            for k, js in by_kind.items():
                self.kind = k
                self.c.mentals += 1
                now = [ids.index(id(r)) if id(r) in ids else -1 for r in self.regions]
                self.delete([i for i, orig in enumerate(now) if orig in js])
        # Reshape and retext what is kept; pairs are re-found by the region objects' GT (indices moved). In labeler
        # the boxes come first and then the texts, walked in reading order with Tab from the correction field (no
        # mouse between them); with PPOCRLabel's operations each text needs a click anyway, so region by region.
        targets = {id(cur[j]): i for i, j, _v in pairs}
        two_pass = self.opset == "labeler" and hasattr(self.window.correction, "step")
        retext: list = []  # regions whose text comes in the second pass
        for region in list(self.regions):
            i = targets.get(id(region))
            if i is None:
                continue
            idx = next(k for k, r in enumerate(self.regions) if r is region)
            g = gt[i]
            if iou(region.points, g.points) < self.tol:
                self.kind = gt_kind(i, "box")
                self.c.mentals += 1
                new_idx = self.fix_box(idx, g.points, g.transcription)
                if new_idx != idx:  # redrawn: appended at the end
                    targets[id(self.regions[new_idx])] = i
                    if not self.dont_care(new_idx, g, self.kind, wait=True):
                        self.read_drawn(new_idx, g.transcription)
                        self.set_difficult(new_idx, g.difficult)
                    continue
            if two_pass:
                retext.append(self.regions[idx])  # the object after the box fix (a reshape replaces it)
                targets[id(self.regions[idx])] = i
            else:
                self.retext(idx, i, g, gt_kind)
        todo = []
        care_less = []  # GT `###` regions: selected together (Shift+clicks), one Ctrl+3
        for region in retext:
            g = gt[targets[id(region)]]
            if g.transcription == "###" and g.difficult and "dont_care" in self.ops:
                if region.transcription != "###" or not region.difficult:
                    care_less.append(region)
            elif region.transcription != g.transcription or region.difficult != g.difficult:
                todo.append(region)
        if len(care_less) > 1:
            self.kind = "difficult"
            self.c.mentals += 1
            where = [next(k for k, r in enumerate(self.regions) if r is region) for region in care_less]
            self.select(where[0])
            self._hand("keyboard")
            self.c.keys += 1  # Shift held for the clicks
            for k in where[1:]:
                self.select(k, shift=True)
            self.action("dont_care")
            if any(self.regions[k].transcription != "###" or not self.regions[k].difficult for k in where):
                self.problems.append(f"regions {where} are not all don't-care after Ctrl+3")
        else:
            todo = care_less + todo
            todo.sort(key=lambda region: next(k for k, r in enumerate(self.regions) if r is region))
        for n, region in enumerate(todo):
            idx = next(k for k, r in enumerate(self.regions) if r is region)
            nxt = next((k for k, r in enumerate(self.regions) if n + 1 < len(todo) and r is todo[n + 1]), None)
            self.retext(idx, targets[id(region)], gt[targets[id(region)]], gt_kind, then=nxt)
        done = set(targets.values())
        for i, g in enumerate(gt):
            if i in done:
                continue
            self.kind = kg[i] if kg[i] in ("split", "merged", "difficult") else "missing"
            self.c.mentals += 1
            idx = self.draw(g.points, dont_care=g.transcription == "###" and g.difficult)
            if idx < 0:
                continue
            if self.dont_care(idx, g, self.kind, wait=True):
                continue
            self.read_drawn(idx, g.transcription)
            self.set_difficult(idx, g.difficult)
        self.sweep(gt)
        self.kind = "image"
        self.action("confirm")

    def sweep(self, gt: list) -> None:
        """The last look over the image: a region matching no GT region (a split's stray half) is deleted."""
        from labeler.core.metrics import greedy_match

        regions = self.regions
        matrix = [[iou(g.points, r.points) for r in regions] for g in gt]
        used = {j for _i, j, _v in greedy_match(matrix, threshold=self.tol)} if regions else set()
        stray = [j for j in range(len(regions)) if j not in used]
        if stray:
            self.kind = "false_box"
            self.c.mentals += 1
            self.swept += len(stray)
            before = len(regions)
            self.delete(stray)
            if len(self.regions) != before - len(stray):
                self.problems.append(f"the last look over could not delete regions {stray}")

    def retext(self, idx: int, i: int, g, gt_kind: Callable[[int, str], str], then: int | None = None) -> None:
        """Region `idx` (paired with GT `i`, box already right) gets the GT's text and difficult flag."""
        if self.dont_care(idx, g, gt_kind(i, "text")):
            return
        if self.regions[idx].transcription != g.transcription:
            self.kind = gt_kind(i, "text")
            self.c.mentals += 1
            self.set_text(idx, g.transcription, then=None if self.regions[idx].difficult != g.difficult else then)
        if self.regions[idx].difficult != g.difficult:
            self.kind = gt_kind(i, "text")
            self.set_difficult(idx, g.difficult)

    def _merge_splits(self, gt: list, kg: list[str]) -> None:
        """labeler's merge (when the app has it): the pieces of a split line selected together, Ctrl+M."""
        for i, g in enumerate(gt):
            if kg[i] != "split":
                continue
            pieces = [j for j, r in enumerate(self.regions) if inside(r.points, g.points) > 0.5]
            if len(pieces) < 2:
                continue
            self.kind = "split"
            self.c.mentals += 1
            self.select(pieces[0])
            self._hand("keyboard")
            self.c.keys += 1  # Shift held for the clicks
            for j in pieces[1:]:
                self.select(j, shift=True)
            self.action("merge_regions")

    def _split_merged(self, gt: list, kg: list[str]) -> None:
        """labeler's split (when the app has it): the region selected, a click in the correction panel's text field
        where the first line's text ends (arrow keys if the click lands off by a character), Ctrl+Shift+M.

        The app moves the cut to the nearest ink gap and reads both halves again; a half that misses its GT box
        is reshaped afterwards like any loose box (correct_image pairs the regions with the GT after this)."""
        from PyQt5.QtCore import Qt

        from labeler.core.metrics import levenshtein

        field = self.window.correction.text
        tried: set[tuple] = set()
        for _attempt in range(len(gt)):
            target = None
            for j, r in enumerate(self.regions):
                covered = [i for i, g in enumerate(gt) if kg[i] == "merged" and inside(g.points, r.points) > 0.5]
                key = (tuple(map(tuple, r.points)), r.transcription)
                if len(covered) >= 2 and key not in tried:
                    target = (j, covered, key)
                    break
            if target is None:
                return
            j, covered, key = target
            tried.add(key)
            first = min(covered, key=lambda i: (gt[i].points[0][1] // 10, gt[i].points[0][0]))
            text = self.regions[j].transcription
            cut = min(range(len(text) + 1), key=lambda k: levenshtein(text[:k].strip(), gt[first].transcription))
            if not 0 < cut < len(text):
                continue  # no cursor position splits this text (the app refuses): left to delete and redraw
            self.kind = "merged"
            self.c.mentals += 1
            n = len(self.regions)
            if "split_words" in self.ops and len(text.split()) == len(covered):  # as many words as GT boxes
                self.select(j)
                self.action("split_words")
                self.wait_readings()
                if len(self.regions) == n:
                    self.problems.append(f"split of region {j} into words did not happen")
                    return
                continue
            if self._split_by_click(j, gt[first], [gt[i] for i in covered if i != first]):
                if len(self.regions) == n:
                    self.problems.append(f"split of region {j} at a click did not happen")
                    return
                continue
            self.select(j)
            if field.text() != text or not field.isEnabled():
                self.problems.append(f"the text field does not show region {j}'s text")
                return
            field.setCursorPosition(cut)  # where the eye finds the character (the field scrolled to show it)
            self.click(field, field.cursorRect().center())
            pos = field.cursorPosition()
            for _ in range(abs(cut - pos)):
                self.key(Qt.Key_Right if cut > pos else Qt.Key_Left, widget=field)
            if field.cursorPosition() != cut:
                self.problems.append(f"text cursor at {field.cursorPosition()}, wanted {cut} in {text!r}")
            self.action("split_region")
            self.wait_readings()
            if len(self.regions) == n:
                self.problems.append(f"split of region {j} at {cut} did not happen")
                return

    def _split_by_click(self, j: int, first, others: list) -> bool:
        """One click on the region where the first GT box ends and the next begins (it selects the region and marks
        the cut: the app cuts exactly there, no snapping), then Ctrl+Shift+M; False when no such point exists
        (vertical or overlapping boxes), and nothing was pressed."""
        from PyQt5.QtCore import QPointF, Qt
        from PyQt5.QtGui import QPolygonF

        from labeler.core.region_ops import is_vertical

        region = self.regions[j]
        fb = bbox(first.points)
        after = [bbox(g.points) for g in others if bbox(g.points)[0][0] >= fb[2][0] - 1]
        if not after or is_vertical(region.points):
            return False
        nb = min(after, key=lambda b: b[0][0])
        x = (fb[2][0] + nb[0][0]) / 2
        ys = [p[1] for p in region.points]
        y = (min(ys) + max(ys)) / 2
        polygon = QPolygonF([QPointF(float(px), float(py)) for px, py in region.points])
        if not polygon.containsPoint(QPointF(x, y), Qt.OddEvenFill):
            return False
        if self.canvas.selected_indices() and self.canvas.selected_indices() != [j]:
            self.leave_selection()
        self.bring_into_view(region.points)
        pos = self.view(x, y)
        handles = [self.view(*map(float, p)) for p in region.points]
        if not self.canvas.viewport().rect().contains(pos) or any((h - pos).manhattanLength() <= 10 for h in handles):
            return False
        self.click(self.canvas.viewport(), pos)
        if self.editor.selected != j:
            self.problems.append(f"a click at the cut did not select region {j}")
            return True
        self.action("split_region")
        self.wait_readings()
        return True


# ---------------------------------------------------------------- rows


@dataclass
class RowResult:
    name: str
    counts: dict[str, Count]
    total: Count
    zero_edit: float
    strict_ok: bool
    problems: list[str] = field(default_factory=list)
    seconds_run: float = 0.0
    swept: int = 0  # stray regions the last look over each image found and deleted (counted as false_box)

    @property
    def void(self) -> bool:
        return self.zero_edit != 1.0 or not self.strict_ok or bool(self.problems)


def strict_check(gt: dict, saved: dict, tol: float) -> list[str]:
    """What differs between the saved labels and the GT (per image: region count, IoU >= tol, text, difficult)."""
    from labeler.core.metrics import basename, greedy_match

    out = []
    saved_by_name = {basename(k): v for k, v in saved.items()}
    for key, regions in gt.items():
        got = saved_by_name.get(basename(key), [])
        pairs = greedy_match([[iou(g.points, r.points) for r in got] for g in regions], threshold=tol) if got else []
        if len(pairs) != len(regions) or len(got) != len(regions):
            out.append(f"{key}: {len(got)} saved regions, {len(regions)} in GT, {len(pairs)} within IoU {tol}")
            paired = {i for i, _j, _v in pairs}
            for i in sorted(set(range(len(regions))) - paired)[:5]:
                best = max((iou(regions[i].points, r.points) for r in got), default=0.0)
                out.append(f"{key}: GT {regions[i].transcription!r} {regions[i].points}: best IoU {best:.2f}")
        for i, j, _v in pairs:
            g, r = regions[i], got[j]
            if g.transcription != r.transcription or g.difficult != r.difficult:
                out.append(f"{key}: {r.transcription!r}/{r.difficult} saved for {g.transcription!r}/{g.difficult}")
    return out


def configure(window, row: str) -> None:
    """The row's settings, applied as the settings dialog applies them (apply_to_editor).

    read_new_boxes (labeler reads a drawn or reshaped box at once) is on only in the labeler row: from_scratch is
    the manual baseline (every text typed), and PPOCRLabel gives a drawn box a placeholder text that the user
    has recognized with Ctrl+R (its README: "Click 'Re-recognition'"), which that row does. apply_conventions
    (pre-labels fitted to what earlier confirmed images taught) is labeler's too: off in the other two rows.
    """
    from dataclasses import replace

    from labeler.ui.settings_dialog import apply_to_editor

    mine = row == "labeler"
    settings = replace(window.user_settings, read_new_boxes=mine, apply_conventions=mine)
    window.user_settings = settings
    apply_to_editor(window.editor, settings, ["read_new_boxes", "apply_conventions"])


def run_row(
    app, name: str, images: Sequence[Path], gt: dict, prelabels: Path | None, tol: float = BOX_IOU
) -> RowResult:
    """Copy the images (and the pre-labels) into a temp project, correct every image in a real window, check Label.txt."""
    from labeler.core.metrics import basename, evaluate
    from labeler.core.ppocrlabel_format import read_label_file
    from labeler.ui.main_window import MainWindow

    gt_by_name = {basename(k): v for k, v in gt.items()}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="labeler-correction-") as tmp:
        folder = Path(tmp) / "images"
        folder.mkdir()
        for p in images:
            shutil.copy(p, folder / p.name)
        if prelabels is not None:
            wanted = {p.name for p in images}
            lines = [
                line
                for line in prelabels.read_text(encoding="utf-8").splitlines(keepends=True)
                if line.strip() and basename(line.split("\t", 1)[0]) in wanted
            ]
            (folder / "Cache.cach").write_text("".join(lines), encoding="utf-8")
        window = MainWindow()
        configure(window, name)
        window.resize(1600, 1000)
        window.show()
        app.processEvents()
        ann = Annotator(app, window, name, tol)
        assert window.open_folder(folder)
        for _ in range(len(images)):
            rec = window.editor.current
            if rec is None:
                break
            ann.wait(lambda: not window.image_loader.loading and window.canvas.image_array is not None, 60)
            ann.settle(3)
            want = gt_by_name[basename(rec.path)]
            ann.correct_image(want)
            if rec.status.name != "CONFIRMED":
                ann.problems.append(f"{rec.path}: not confirmed")
                break
            ann.wait(lambda rec=rec: window.editor.current is not rec, 2)
        window.editor.flush()
        window.close()
        app.processEvents()
        label = folder / "Label.txt"
        saved = read_label_file(label).by_key() if label.is_file() else {}
        result = evaluate(gt, saved)
        problems = strict_check(gt, saved, tol)
        total = Count()
        for c in ann.counts.values():
            total.add(c)
        return RowResult(
            name=name,
            counts=ann.counts,
            total=total,
            zero_edit=result.metrics()["zero_edit"],
            strict_ok=not problems,
            problems=ann.problems + problems,
            seconds_run=time.perf_counter() - started,
            swept=ann.swept,
        )


def make_prelabels(images: Sequence[Path], out: Path) -> Path:
    """Run `labeler prelabel` once on a temp copy of the images; the Cache.cach is kept at `out`."""
    with tempfile.TemporaryDirectory(prefix="labeler-correction-pre-") as tmp:
        folder = Path(tmp) / "images"
        folder.mkdir()
        for p in images:
            shutil.copy(p, folder / p.name)
        env = dict(os.environ, PYTHONPATH=str(REPO))
        cmd = [sys.executable, "-m", "labeler", "prelabel", str(folder), "--models", "default"]
        subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)
        shutil.copy(folder / "Cache.cach", out)
    return out


def load_gt(label: Path) -> dict:
    from labeler.core.ppocrlabel_format import read_label_file

    return read_label_file(label).by_key()


def run_all(app, images: Sequence[Path], gt: dict, prelabels: Path, tol: float = BOX_IOU) -> dict[str, RowResult]:
    rows = {"from_scratch": run_row(app, "from_scratch", images, gt, None, tol)}
    rows["ppocrlabel_ops"] = run_row(app, "ppocrlabel_ops", images, gt, prelabels, tol)
    rows["labeler"] = run_row(app, "labeler", images, gt, prelabels, tol)
    return rows


def print_tables(out: dict) -> None:
    """The tables, from to_json's dict (so a saved --json can be printed again with --show)."""
    from machine import cpu_model

    print(f"CPU: {out.get('cpu') or cpu_model()}")
    print(f"KLM (Card, Moran & Newell 1980): K={K} P={P} B={B} H={H} M={M}; click={CLICK_S:.2f} drag={DRAG_S:.2f}")
    head = f"{'row':16} {'seconds':>9} {'keys':>7} {'clicks':>7} {'drags':>6} {'wheel':>6} {'H':>5} {'M':>5}  check"
    print(head)
    rows = [name for name in ROWS if name in out]
    for name in rows:
        t = out[name]
        void = out["void"][name]
        check = "ok" if not void else f"VOID (zero_edit {out['zero_edit_by_row'][name]:.3f})"
        print(
            f"{name:16} {t['seconds']:9.1f} {t['keys']:7} {t['clicks']:7} {t['drags']:6} {t['wheel']:6} "
            f"{t['homes']:5} {t['mentals']:5}  {check}"
        )
    if len(rows) == len(ROWS):
        scratch, ppo, lab = (out[k]["seconds"] for k in ROWS)
        print(f"labeler / from_scratch:   {lab / scratch:.3f}  (target <= 0.40)")
        print(f"labeler / ppocrlabel_ops: {lab / ppo:.3f}  (target <= 0.70, i.e. >= 30% below)")
    print()
    kinds = out.get("prelabel_kinds", {})
    print(f"{'seconds by error kind':22} {'GT regions':>10}" + "".join(f"{k:>16}" for k in rows))
    for kind in KINDS:
        n = sum(v for k, v in kinds.items() if kind in k.split("+") and not k.startswith("pre:"))
        n = kinds.get("pre:false_box", 0) if kind == "false_box" else n
        cells = "".join(f"{out['by_error_kind'][k][kind]['seconds']:16.1f}" for k in rows)
        print(f"{kind:22} {n if kind != 'image' else '':>10}" + cells)
    print(f"{'(right, untouched)':22} {kinds.get('right', 0):>10}")
    swept = {k: v for k, v in out.get("swept", {}).items() if v}
    if swept:
        print(f"stray regions found by the last look over each image (deleted, counted as false_box): {swept}")
    for name in rows:
        for line in out.get("problems", {}).get(name, [])[:10]:
            print(f"  {name}: {line}")


def to_json(rows: dict[str, RowResult], kinds: dict) -> dict:
    out: dict = {name: r.total.to_dict() for name, r in rows.items()}
    out["final_zero_edit"] = min((r.zero_edit for r in rows.values()), default=0.0)  # every row must reach 1.000
    out["zero_edit_by_row"] = {name: r.zero_edit for name, r in rows.items()}
    out["void"] = {name: r.void for name, r in rows.items()}
    out["by_error_kind"] = {name: {k: c.to_dict() for k, c in r.counts.items()} for name, r in rows.items()}
    out["prelabel_kinds"] = kinds
    out["problems"] = {name: r.problems for name, r in rows.items()}
    out["run_seconds"] = {name: round(r.seconds_run, 1) for name, r in rows.items()}
    out["swept"] = {name: r.swept for name, r in rows.items()}
    out["klm"] = {"K": K, "P": P, "B": B, "H": H, "M": M, "click": CLICK_S, "drag": DRAG_S, "wheel": WHEEL_S}
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--eval", type=Path, default=DEFAULT_EVAL, help="evaluation set (images/ + Label.txt)")
    parser.add_argument("--images", type=int, default=0, help="only the first N images (0: all)")
    parser.add_argument("--json", type=Path, default=None, metavar="PATH")
    parser.add_argument("--prelabels", type=Path, default=None, help="reuse this Cache.cach instead of running OCR")
    parser.add_argument("--box-iou", type=float, default=BOX_IOU, help="IoU a corrected box must reach with its GT")
    parser.add_argument("--rows", default=",".join(ROWS), help="comma-separated rows to run")
    parser.add_argument("--show", type=Path, default=None, metavar="JSON", help="print the tables of a saved --json")
    args = parser.parse_args()
    if args.show is not None:
        print_tables(json.loads(args.show.read_text(encoding="utf-8")))
        return 0
    if not (args.eval / "Label.txt").is_file():
        print(f"skipped: no evaluation set at {args.eval} (images/ + Label.txt)")
        return 0
    config = Path(tempfile.mkdtemp(prefix="labeler-correction-config-"))
    (config / "labeler").mkdir()
    (config / "labeler" / "settings.json").write_text('{"prelabel_on_open": false}\n', encoding="utf-8")
    os.environ["XDG_CONFIG_HOME"] = str(config)
    from PyQt5.QtWidgets import QApplication

    from labeler.core.metrics import basename

    gt_all = load_gt(args.eval / "Label.txt")
    keys = list(gt_all)[: args.images or None]
    gt = {k: gt_all[k] for k in keys}
    images = [args.eval / "images" / basename(k) for k in keys]
    start = time.perf_counter()
    prelabels = args.prelabels or make_prelabels(images, config / "Cache.cach")
    print(f"pre-labels: {prelabels} ({time.perf_counter() - start:.0f} s)")
    pre = {basename(k): v for k, v in load_gt(prelabels).items()}
    kinds: dict[str, int] = {}
    for k in keys:
        kg, kp = classify(gt[k], pre.get(basename(k), []))
        for kind in kg + [f"pre:{x}" for x in kp if x in ("false_box",)]:
            kinds[kind] = kinds.get(kind, 0) + 1
    print("GT regions by pre-label error:", dict(sorted(kinds.items())))
    app = QApplication.instance() or QApplication(sys.argv[:1])
    wanted = [r for r in args.rows.split(",") if r]
    rows = {}
    for name in wanted:
        rows[name] = run_row(app, name, images, gt, None if name == "from_scratch" else prelabels, args.box_iou)
        print(f"{name}: {rows[name].total.seconds:.1f} KLM s, ran {rows[name].seconds_run:.0f} s", flush=True)
    from machine import cpu_model

    out = to_json(rows, kinds)
    out["cpu"] = cpu_model()
    out["images"] = len(images)
    print_tables(out)
    if args.json:
        args.json.write_text(json.dumps(out, indent=1, ensure_ascii=False), encoding="utf-8")
    return 0 if all(not r.void for r in rows.values()) else 1


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.exit(main())
