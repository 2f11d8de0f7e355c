"""Every action of the main window as data, in one table: its id, text, keys, menu and when it is enabled.

The menus, the F1 shortcut list and the user's shortcut overrides (settings "shortcuts": id -> keys) are all
built from ACTIONS. Like napari's app-model, an action names its menu and a group inside it (a separator
between groups), and an enablement context key; what it does is a handler, given by id when the window builds
its menus (`build_actions`), so this table imports no controller.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from PyQt5.QtCore import Qt
from PyQt5.QtGui import QKeySequence
from PyQt5.QtWidgets import QAction, QMenuBar, QWidget

from labeler.ui.i18n import noop_tr

# Menu bar titles, left to right (English: i18n.retranslate shows them translated).
FILE, EDIT, OCR, VIEW = noop_tr("&File"), noop_tr("&Edit"), noop_tr("&OCR"), noop_tr("&View")
KIE, REGION, IMAGE, HELP = noop_tr("&KIE"), noop_tr("Re&gion"), noop_tr("&Image"), noop_tr("&Help")
MENUS = (FILE, EDIT, OCR, VIEW, KIE, REGION, IMAGE, HELP)

# Enablement context keys: an action with one is enabled only while the window says the key holds.
PROBLEMS_LISTED = "problems_listed"
AUTO_LABELLING = "auto_labelling"
KIE_MODE = "kie_mode"


@dataclass(frozen=True)
class ActionSpec:
    """One menu entry. Its handler is looked up by `id`: called with no argument, or with the new state if checkable."""

    id: str  # also the key in the settings' "shortcuts" and in MainWindow.actions_by_name
    text: str  # English, with its mnemonic; the translation files key on it
    menu: str  # one of MENUS
    group: str  # a separator between consecutive entries of different groups
    keys: tuple[str, ...] = ()  # default shortcuts (PPOCRLabel's where it has one)
    checkable: bool = False
    enabled_when: str = ""  # a context key; empty: always enabled


def _a(id: str, text: str, menu: str, group: str, *keys: str, **options) -> ActionSpec:
    return ActionSpec(id, text, menu, group, keys, **options)


ACTIONS: tuple[ActionSpec, ...] = (
    _a("open", noop_tr("&Open folder..."), FILE, "project", "Ctrl+U"),
    _a("save", noop_tr("&Save now"), FILE, "project", "Ctrl+S"),
    _a("export_paddleocr", noop_tr("&Export PaddleOCR dataset..."), FILE, "files"),
    _a("convert_labels", noop_tr("Con&vert labels..."), FILE, "files"),
    _a("import_labels", noop_tr("&Import labels as pre-labels..."), FILE, "files"),
    _a("settings", noop_tr("S&ettings..."), FILE, "app", "Ctrl+,"),
    _a("quit", noop_tr("&Quit"), FILE, "app", "Ctrl+Q"),
    _a("undo", noop_tr("&Undo"), EDIT, "history", "Ctrl+Z"),
    _a("redo", noop_tr("&Redo"), EDIT, "history", "Ctrl+Shift+Z", "Ctrl+Y"),
    _a("rectangle", noop_tr("Draw &rectangle"), EDIT, "region", "W"),
    _a("draw_dont_care", noop_tr("Draw a don't-care rectangle (###)"), EDIT, "region", "Shift+W"),
    _a("delete", noop_tr("&Delete region"), EDIT, "region", "Delete", "Backspace"),
    _a("edit_text", noop_tr("&Edit transcription"), EDIT, "region", "Ctrl+E"),
    # The line editor: the crop at a readable height, Tab / Shift+Tab to the next / previous region.
    _a("line_editor", noop_tr("Edit text in the &line editor"), EDIT, "region", "Ctrl+L"),
    # Ctrl+Return also works with the cursor in a text field (which keeps Ctrl+V and End for itself).
    _a("confirm", noop_tr("&Confirm image and go to next"), EDIT, "region", "Ctrl+V", "End", "Ctrl+Return"),
    # F3 is "find next": not bound by PPOCRLabel, and F2 stays the region table's edit key.
    _a("next_low", noop_tr("Next &low-confidence region"), EDIT, "correction", "F3"),
    _a("previous_low", noop_tr("Previous low-confidence region"), EDIT, "correction", "Shift+F3"),
    _a("upper_case", noop_tr("Te&xts in capitals (selected, or all)"), EDIT, "correction", "Ctrl+Shift+U"),
    _a("edit_mode", noop_tr("Edit &mode (stop drawing)"), EDIT, "correction", "Ctrl+J"),
    _a("auto_label", noop_tr("&Auto-label this image"), OCR, "image", "Ctrl+Shift+A"),
    _a("recognize", noop_tr("&Re-recognize selected region"), OCR, "image", "Ctrl+R"),
    _a("recognize_all", noop_tr("Re-recognize &all regions"), OCR, "folder", "Ctrl+Shift+R"),
    _a("auto_label_all", noop_tr("Auto-label all &new images"), OCR, "folder"),
    # Esc is not its shortcut (drawing and editors use Esc first): EscapeStopsBatch, and the text says so.
    _a("stop_auto_label", noop_tr("&Stop auto-labelling\tEsc"), OCR, "folder", enabled_when=AUTO_LABELLING),
    _a("retrain", noop_tr("Re&train..."), OCR, "train"),
    _a("previous", noop_tr("&Previous image"), VIEW, "browse", "A"),
    _a("next", noop_tr("&Next image"), VIEW, "browse", "D"),
    _a("zoom_in", noop_tr("Zoom &in"), VIEW, "zoom", "Ctrl+=", "Ctrl++"),
    _a("zoom_out", noop_tr("Zoom &out"), VIEW, "zoom", "Ctrl+-"),
    _a("fit", noop_tr("&Fit window"), VIEW, "zoom", "Ctrl+F"),
    # In the View menu (PPOCRLabel has these four under its box menu): the Region menu stays one column at 768 px.
    _a("fit_width", noop_tr("Fit &width"), VIEW, "zoom", "Ctrl+Shift+F"),
    _a("zoom_selected", noop_tr("&Zoom to selected box"), VIEW, "zoom", "Ctrl+G"),
    _a("hide_boxes", noop_tr("&Hide boxes"), VIEW, "boxes", "Ctrl+H"),
    _a("show_boxes", noop_tr("&Show boxes"), VIEW, "boxes", "Ctrl+A"),
    _a("show_problems", noop_tr("Label-file &problems"), VIEW, "problems", enabled_when=PROBLEMS_LISTED),
    _a("box_numbers", noop_tr("Show box &numbers"), VIEW, "boxes", checkable=True),
    _a("kie_mode", noop_tr("&KIE mode"), KIE, "kie", checkable=True),
    _a("kie_set_class", noop_tr("Set &key class of selected region..."), KIE, "kie", "Ctrl+X", enabled_when=KIE_MODE),
    _a("kie_load_classes", noop_tr("&Load key class list..."), KIE, "kie"),
    _a("polygon", noop_tr("Draw 4-point &polygon"), REGION, "draw", "Q", "Home"),
    _a("multi_polygon", noop_tr("Draw &multi-point polygon (Enter closes)"), REGION, "draw", "P"),
    _a("duplicate", noop_tr("D&uplicate"), REGION, "copy", "Ctrl+C"),
    _a("lock", noop_tr("&Lock / unlock"), REGION, "copy"),
    _a("toggle_difficult", noop_tr("&Difficult / not difficult"), REGION, "copy", "Ctrl+D"),
    _a("dont_care", noop_tr("Mar&k don't care (### and difficult)"), REGION, "copy", "Ctrl+3"),
    _a("apply_locked", noop_tr("Copy locked regions to the &next image"), REGION, "copy"),
    _a("auto_template", noop_tr("Locked regions follow onto new images"), REGION, "copy", checkable=True),
    _a("to_rectangle", noop_tr("Convert to &rectangle"), REGION, "shape", "Ctrl+T"),
    _a("expand", noop_tr("&Expand"), REGION, "shape", "Ctrl+K"),
    _a("fit_to_ink", noop_tr("&Fit box to its text"), REGION, "shape", "Ctrl+Shift+K"),
    _a("rotate_cw", noop_tr("Rotate 90° clock&wise"), REGION, "shape"),
    _a("rotate_ccw", noop_tr("Rotate 90° &anticlockwise"), REGION, "shape"),
    _a("add_vertex", noop_tr("Add &vertex (longest edge)"), REGION, "shape"),
    _a("remove_vertex", noop_tr("Remove picked ver&tex"), REGION, "shape"),
    _a("resort", noop_tr("Re&sort into reading order"), REGION, "order", "Ctrl+B"),
    # Issue 14: pre-labels that cut one line into pieces or join two; the pieces are read again.
    _a("merge_regions", noop_tr("Merge selected regions"), REGION, "pieces", "Ctrl+M"),
    _a("split_region", noop_tr("Split region at the text cursor"), REGION, "pieces", "Ctrl+Shift+M"),
    _a("split_words", noop_tr("Split region into words"), REGION, "pieces", "Ctrl+Alt+M"),
    _a("rotate_image_ccw", noop_tr("Rotate image &anticlockwise"), IMAGE, "turn", "Ctrl+Alt+L"),
    _a("rotate_image_cw", noop_tr("Rotate image &clockwise"), IMAGE, "turn", "Ctrl+Alt+R"),
    _a("delete_image", noop_tr("&Delete image..."), IMAGE, "file", "Ctrl+Shift+D"),
    _a("shortcuts_help", noop_tr("&Keyboard shortcuts"), HELP, "help", "F1"),
    _a("about", noop_tr("&About labeler"), HELP, "help"),
)

Handler = Callable[..., object]


class WindowActions:
    """The QActions made from a table, by id, and the context keys that enable some of them."""

    def __init__(self, specs: tuple[ActionSpec, ...], actions: dict[str, QAction]) -> None:
        self.specs = specs
        self.by_id = actions
        self.context: dict[str, bool] = {}

    def default_keys(self) -> dict[str, tuple[str, ...]]:
        return {spec.id: spec.keys for spec in self.specs}

    def set_context(self, key: str, value: bool) -> None:
        self.context[key] = bool(value)
        for spec in self.specs:
            if spec.enabled_when == key:
                self.by_id[spec.id].setEnabled(bool(value))


def build_actions(
    parent: QWidget,
    menu_bar: QMenuBar,
    handlers: Mapping[str, Handler],
    checked: Mapping[str, bool],
    specs: tuple[ActionSpec, ...] = ACTIONS,
) -> WindowActions:
    """Make every action of `specs` in its menu; `handlers` and `specs` must name the same ids (else ValueError)."""
    ids = [spec.id for spec in specs]
    if len(set(ids)) != len(ids) or set(ids) != set(handlers):
        missing, extra = sorted(set(ids) - set(handlers)), sorted(set(handlers) - set(ids))
        raise ValueError(f"actions without a handler: {missing}; handlers without an action: {extra}; ids: {ids}")
    menus = {title: menu_bar.addMenu(title) for title in MENUS if any(s.menu == title for s in specs)}
    last_group: dict[str, str] = {}
    actions: dict[str, QAction] = {}
    for spec in specs:
        action = QAction(spec.text, parent)
        if spec.keys:
            action.setShortcuts([QKeySequence(k) for k in spec.keys])
        action.setShortcutContext(Qt.WindowShortcut)
        handler = handlers[spec.id]
        if spec.checkable:
            action.setCheckable(True)
            action.setChecked(checked.get(spec.id, False))
            action.toggled.connect(handler)
        else:
            action.triggered.connect(lambda _checked=False, handler=handler: handler())
        menu = menus[spec.menu]
        if last_group.get(spec.menu, spec.group) != spec.group:
            menu.addSeparator()
        last_group[spec.menu] = spec.group
        menu.addAction(action)
        parent.addAction(action)  # its keys work while the menu bar is hidden too
        actions[spec.id] = action
    table = WindowActions(specs, actions)
    for key in {spec.enabled_when for spec in specs if spec.enabled_when}:
        table.set_context(key, False)
    return table
