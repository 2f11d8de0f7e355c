"""Only the composition root knows the main window (issue 13): main_window.py makes every controller and gives it
collaborators (editor, canvas, callbacks, a parent QWidget), never the window itself.

The rule, read from each labeler/ui module with `ast` (main_window.py and the entry points that start the window
excepted): no import of main_window; no parameter, variable or attribute named `window` except a parameter typed
as a plain Qt widget class; and on anything that may be the window (`window`, `self.window`, `x.window()`,
`x.parent()`, `x.parentWidget()`) only what QMainWindow itself has, never getattr / setattr / hasattr probing.
"""

from __future__ import annotations

import ast
from pathlib import Path

from PyQt5 import QtWidgets
from PyQt5.QtWidgets import QMainWindow

from labeler.ui import i18n

UI = Path(i18n.__file__).resolve().parent
ROOT = "main_window.py"
ENTRY_POINTS = {"app.py", "screenshot.py"}  # they construct the window and run it
WINDOW_NAMES = {"window", "main_window"}
WINDOW_GETTERS = {"window", "parent", "parentWidget", "topLevelWidget"}  # Qt calls that can return the window
QT_ATTRIBUTES = set(dir(QMainWindow))
QT_WIDGET_CLASSES = {name for name in dir(QtWidgets) if name.startswith("Q")}
PROBES = {"getattr", "setattr", "hasattr", "delattr"}


def _may_be_window(node: ast.AST) -> bool:
    if isinstance(node, ast.Name):
        return node.id in WINDOW_NAMES
    if isinstance(node, ast.Attribute):
        return node.attr in WINDOW_NAMES
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr in WINDOW_GETTERS and not node.args
    return False


def _qt_annotation(annotation: ast.AST | None) -> bool:
    if annotation is None:
        return False
    names = {n.id for n in ast.walk(annotation) if isinstance(n, ast.Name)}
    names |= {n.attr for n in ast.walk(annotation) if isinstance(n, ast.Attribute)}
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        names |= {part.strip() for part in annotation.value.replace("|", " ").split()}
    return bool(names) and names <= QT_WIDGET_CLASSES | {"None"}


def window_references(source: str, filename: str) -> list[str]:
    """Every place in `source` that holds, probes or reaches into the main window."""
    found: list[str] = []

    def report(node: ast.AST, what: str) -> None:
        found.append(f"{filename}:{getattr(node, 'lineno', 0)}: {what}")

    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.ImportFrom) and node.module and "main_window" in node.module:
            report(node, f"from {node.module} import ...")
        elif isinstance(node, ast.ImportFrom) and any(a.name == "main_window" for a in node.names):
            report(node, f"from {node.module} import main_window")
        elif isinstance(node, ast.Import) and any("main_window" in a.name for a in node.names):
            report(node, "import main_window")
        elif isinstance(node, ast.arg) and node.arg in WINDOW_NAMES and not _qt_annotation(node.annotation):
            report(node, f"parameter {node.arg!r} (give the controller its collaborators instead)")
        elif isinstance(node, ast.Name) and node.id in WINDOW_NAMES and isinstance(node.ctx, ast.Store):
            report(node, f"variable {node.id!r}")
        elif isinstance(node, ast.Attribute) and node.attr in WINDOW_NAMES and isinstance(node.ctx, ast.Store):
            report(node, f"attribute {ast.unparse(node)}")
        elif isinstance(node, ast.Attribute) and _may_be_window(node.value) and node.attr not in QT_ATTRIBUTES:
            report(node, f"reaches into the window: {ast.unparse(node)}")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in PROBES
            and node.args
            and _may_be_window(node.args[0])
        ):
            report(node, f"probes the window: {ast.unparse(node)}")
    return found


def test_no_ui_module_but_main_window_holds_the_window():
    found = []
    for path in sorted(UI.glob("*.py")):
        if path.name not in {ROOT, *ENTRY_POINTS}:
            found += window_references(path.read_text(encoding="utf-8"), path.name)
    assert found == []


def test_the_check_finds_a_planted_window_reference():
    planted = """
from labeler.ui.main_window import MainWindow
from PyQt5.QtWidgets import QMainWindow, QWidget

def install_things(window):
    window.batch = object()
    kie = getattr(window, "kie", None)
    return window.actions_by_name["quit"]

class Controller:
    def __init__(self, editor, parent: QWidget, window: "MainWindow") -> None:
        self.window = window
        self.parent_widget = parent

    def later(self):
        self.window.statusBar().showMessage("hi")
        return self.parent_widget.window().correction

def retranslate(window: QMainWindow) -> None:
    for action in window.findChildren(object):
        window.statusBar()
"""
    found = sorted(line.split(": ", 1)[1] for line in window_references(planted, "planted.py"))
    assert found == sorted(
        [
            "from labeler.ui.main_window import ...",
            "parameter 'window' (give the controller its collaborators instead)",
            "parameter 'window' (give the controller its collaborators instead)",
            "reaches into the window: window.batch",
            "probes the window: getattr(window, 'kie', None)",
            "reaches into the window: window.actions_by_name",
            "attribute self.window",
            "reaches into the window: self.parent_widget.window().correction",
        ]
    )
