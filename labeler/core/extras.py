"""Whether an optional extra of the package (pyproject.toml's [project.optional-dependencies]) is installed.

The window and most commands need only the base package; `labeler train` and the Retrain panel need the
`train` extra (torch, onnx: 1.5 GB). Checked with importlib.util.find_spec, which finds a module without
importing it (importing torch alone takes seconds). What the extra needs comes from the installed package's
metadata, so pyproject.toml stays the one place that pins it; a checkout run without installing falls back to
its pyproject.toml, and failing that to FALLBACK_REQUIREMENTS (a copy the tests keep equal to pyproject.toml).
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import re
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

from labeler.core.errors import LabelerError

DIST = "labeler"
TRAIN = "train"
# Only the exact CPU build of torch may be installed (a plain `torch` pulls the CUDA packages).
FALLBACK_REQUIREMENTS: dict[str, tuple[str, ...]] = {
    TRAIN: ("torch==2.13.0", "onnx>=1.15"),
    "tables": ("openpyxl==3.1.5",),  # the .xlsx table export
}
# A distribution whose import name is not its project name (none in the train extra today).
IMPORT_NAMES = {"opencv-python-headless": "cv2", "pyqt5": "PyQt5", "pytest-qt": "pytestqt"}

_NAME = re.compile(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_EXTRA_MARKER = re.compile(r"""\bextra\s*==\s*["']([^"']+)["']""")
CHECKOUT = Path(__file__).resolve().parents[2]  # the repository root when running from a git checkout


class MissingExtraError(LabelerError):
    """An optional extra a command needs is not installed; the message names what is missing and how to install it."""

    def __init__(self, status: ExtraStatus):
        self.status = status
        super().__init__(status.explanation())


@dataclass(frozen=True)
class ExtraStatus:
    """What an extra needs (pip requirement strings), which of its modules cannot be found, and where we read that."""

    extra: str
    requirements: tuple[str, ...]
    missing: tuple[str, ...]  # import names find_spec did not find, e.g. ("torch", "onnx")
    source: str  # "metadata", "pyproject.toml" or "built-in"
    checkout: Path | None = None  # the repository root when labeler runs from a checkout

    @property
    def installed(self) -> bool:
        return not self.missing

    def pip_argv(self, python: str = sys.executable) -> list[str]:
        """What installs exactly the extra's requirements into `python`'s environment (an argument list)."""
        return [python, "-m", "pip", "install", *self.requirements]

    def hint_argv(self, python: str = sys.executable) -> list[str]:
        """The command a person would type: `pip install -e REPO[extra]` in a checkout, `labeler[extra]` otherwise."""
        if self.checkout is not None:
            return [python, "-m", "pip", "install", "-e", f"{self.checkout}[{self.extra}]"]
        return [python, "-m", "pip", "install", f"{DIST}[{self.extra}]"]

    def explanation(self) -> str:
        return (
            f"the '{self.extra}' extra ({', '.join(self.requirements)}) is not installed in this environment "
            f"(missing: {', '.join(self.missing)}); install it with: {shlex.join(self.hint_argv())}"
        )


def requirement_name(requirement: str) -> str:
    match = _NAME.match(requirement)
    if match is None:
        raise ValueError(f"not a requirement: {requirement!r}")
    return match.group(1)


def import_name(requirement: str) -> str:
    """The top-level module a requirement provides: its project name, normalized, unless IMPORT_NAMES says otherwise."""
    name = requirement_name(requirement).lower().replace("_", "-").replace(".", "-")
    return IMPORT_NAMES.get(name, name.replace("-", "_"))


def requirements_from_metadata(requires: list[str] | None, extra: str) -> tuple[str, ...]:
    """The requirement strings of `extra` among Requires-Dist entries ('torch==2.13.0; extra == "train"')."""
    found = []
    for entry in requires or ():
        spec, _sep, marker = entry.partition(";")
        if any(name.lower() == extra.lower() for name in _EXTRA_MARKER.findall(marker)):
            found.append(spec.strip().replace(" ", ""))
    return tuple(found)


if sys.version_info >= (3, 11):
    import tomllib

    def _from_pyproject(extra: str) -> tuple[str, ...]:
        pyproject = CHECKOUT / "pyproject.toml"
        try:
            data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return ()
        project = data.get("project", {})
        if project.get("name") != DIST:
            return ()
        return tuple(project.get("optional-dependencies", {}).get(extra, ()))

else:

    def _from_pyproject(extra: str) -> tuple[str, ...]:
        return ()  # no tomllib before Python 3.11: FALLBACK_REQUIREMENTS answers


def _checkout() -> Path | None:
    """The repository root when labeler is imported from a checkout (an editable install or PYTHONPATH)."""
    return CHECKOUT if (CHECKOUT / "pyproject.toml").is_file() and (CHECKOUT / ".git").exists() else None


def extra_requirements(extra: str) -> tuple[tuple[str, ...], str]:
    """(requirement strings, where they came from) for `extra`."""
    try:
        found = requirements_from_metadata(importlib.metadata.requires(DIST), extra)
    except importlib.metadata.PackageNotFoundError:
        found = ()
    if found:
        return found, "metadata"
    found = _from_pyproject(extra)
    if found:
        return found, "pyproject.toml"
    if extra not in FALLBACK_REQUIREMENTS:
        raise ValueError(f"unknown extra {extra!r}")
    return FALLBACK_REQUIREMENTS[extra], "built-in"


def module_present(name: str) -> bool:
    """True if `name` can be imported, found without importing it."""
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):  # a half-imported module (__spec__ None) or a broken parent package
        return False


def extra_status(extra: str = TRAIN) -> ExtraStatus:
    requirements, source = extra_requirements(extra)
    missing = tuple(name for name in map(import_name, requirements) if not module_present(name))
    return ExtraStatus(extra=extra, requirements=requirements, missing=missing, source=source, checkout=_checkout())


def require_extra(extra: str = TRAIN) -> ExtraStatus:
    """Raise MissingExtraError (exit status 1 in the CLI) unless every module of `extra` can be found."""
    status = extra_status(extra)
    if not status.installed:
        raise MissingExtraError(status)
    return status
