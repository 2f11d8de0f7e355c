"""The house rule: core, ocr and train never import Qt (ui is the only Qt package)."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "labeler"
QT_MODULES = ("PyQt5", "PyQt6", "PySide2", "PySide6", "qtpy", "sip")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("sub", ["core", "ocr", "train", "commands"])
def test_no_qt_outside_ui(sub):
    offenders = [str(p.relative_to(PACKAGE)) for p in (PACKAGE / sub).rglob("*.py") if _imports(p) & set(QT_MODULES)]
    assert offenders == []


def test_core_does_not_import_ocr_or_ui():
    offenders = []
    for p in (PACKAGE / "core").rglob("*.py"):
        tree = ast.parse(p.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.ImportFrom)
                and node.module
                and node.module.startswith(("labeler.ocr", "labeler.ui", "labeler.train"))
            ):
                offenders.append(f"{p.name}: {node.module}")
    assert offenders == []


def test_modules_stay_small():
    big = [
        f"{p.relative_to(PACKAGE)}: {n}"
        for p in PACKAGE.rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > 600
    ]
    assert big == []
