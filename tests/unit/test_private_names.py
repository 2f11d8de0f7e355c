"""No module or test touches another module's private names (issue 13).

Privacy is per module: `_name` belongs to the module that defines it. Allowed: `self._x` / `cls._x`, a
`_x` that the same module defines (its own classes' attributes), a private module (`formats/_common.py`)
used inside its own package, dunders, and the few stdlib names that are public despite the underscore.
"""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ROOTS = ("labeler", "tests", "benchmarks")
PUBLIC_UNDERSCORE = {"_replace", "_asdict", "_fields", "_make", "_field_defaults", "_exit", "_getframe"}
# third-party types with no public name, used in annotations only
THIRD_PARTY_TYPES = {"argparse._SubParsersAction", "etree._Element"}


def is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def defined_names(tree: ast.AST) -> set[str]:
    """Every private name this module defines: functions, classes, assignments, attributes set on anything."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store) and _on_self(node):
            names.add(node.attr)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.alias) and node.asname:
            names.add(node.asname)
        elif isinstance(node, ast.keyword) and node.arg:
            names.add(node.arg)  # dataclass(...)/namedtuple fields given by keyword
    return {n for n in names if is_private(n)}


def _on_self(node: ast.Attribute) -> bool:
    return isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")


def package_of(module: str) -> str:
    return module.rpartition(".")[0]


def private_module_allowed(importer: str, target: str) -> bool:
    """`a.b._c` (a private module, or a name in it) may be used by modules inside package `a.b`."""
    parts = target.split(".")
    for i, part in enumerate(parts):
        if is_private(part):
            owner = ".".join(parts[:i])
            return importer == owner or importer.startswith(owner + ".") or package_of(importer) == owner
    return True


def reaches(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    me = module_name(path)
    own = defined_names(tree)
    found: list[str] = []
    for node in ast.walk(tree):
        where = f"{path.relative_to(REPO)}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if not private_module_allowed(me, node.module):
                found.append(f"{where}: from {node.module} import ...")
                continue
            for alias in node.names:
                if is_private(alias.name) and not private_module_allowed(me, f"{node.module}.{alias.name}"):
                    found.append(f"{where}: from {node.module} import {alias.name}")
                elif is_private(alias.name) and node.module.split(".")[0] != "labeler":
                    found.append(f"{where}: from {node.module} import {alias.name}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if not private_module_allowed(me, alias.name):
                    found.append(f"{where}: import {alias.name}")
        elif isinstance(node, ast.Attribute) and is_private(node.attr):
            if node.attr in PUBLIC_UNDERSCORE or node.attr in own:
                continue
            base = node.value
            if isinstance(base, ast.Name) and base.id in ("self", "cls"):
                continue
            if isinstance(base, ast.Call) and isinstance(base.func, ast.Name) and base.func.id == "super":
                continue
            dotted = ast.unparse(node)
            if dotted in THIRD_PARTY_TYPES:
                continue
            if private_module_allowed(me, dotted) and _is_module_path(dotted):
                continue
            found.append(f"{where}: {dotted}")
    return found


def _is_module_path(dotted: str) -> bool:
    """labeler.core.formats._common written out as an attribute chain (a private module of the package)."""
    return dotted.startswith("labeler.") and (REPO / Path(*dotted.split("."))).with_suffix(".py").exists()


def all_reaches() -> list[str]:
    found: list[str] = []
    for root in ROOTS:
        for path in sorted((REPO / root).rglob("*.py")):
            found.extend(reaches(path))
    return found


def test_no_module_or_test_reaches_into_another_modules_private_names():
    assert all_reaches() == []


def test_the_check_finds_a_reach_in(tmp_path, monkeypatch):
    sample = REPO / "tests" / "unit" / "_private_reach_sample.py"
    try:
        sample.write_text(
            "from labeler.ocr.pipeline import _as_quad\n"
            "def f(editor):\n    editor._pipeline = None\n    return editor.public\n"
            "class A:\n    def g(self, other):\n        self._x = 1\n        return other._x\n",
            encoding="utf-8",
        )
        found = reaches(sample)
    finally:
        sample.unlink()
    assert [f.split(": ", 1)[1] for f in found] == ["from labeler.ocr.pipeline import _as_quad", "editor._pipeline"]
