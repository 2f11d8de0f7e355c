"""`labeler --install-desktop` / `--uninstall-desktop`: the application-menu entry and its icon.

Written for the current user under $XDG_DATA_HOME (default ~/.local/share), as the freedesktop specs say:
applications/labeler.desktop and icons/hicolor/scalable/apps/labeler.svg. Both writes are atomic.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

from labeler.core.atomic import atomic_write_bytes
from labeler.core.bundled import bundled_dir
from labeler.core.errors import LabelerError

APP_ID = "labeler"
ICON_NAME = "labeler.svg"

# Characters that make the Desktop Entry spec require an Exec argument to be double-quoted.
_EXEC_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")


class DesktopEntryError(LabelerError):
    """The desktop entry or its icon could not be written or removed; the message names the file."""


def icon_file() -> Path | None:
    """The application icon (SVG), or None when this copy of labeler ships none."""
    path = bundled_dir("icons") / ICON_NAME
    return path if path.is_file() else None


def data_home(env: Mapping[str, str] | None = None) -> Path:
    # The XDG base-directory spec: a relative $XDG_DATA_HOME is invalid and must be ignored.
    value = (os.environ if env is None else env).get("XDG_DATA_HOME", "")
    if value and os.path.isabs(value):
        return Path(value)
    return Path.home() / ".local" / "share"


def entry_paths(home: Path | None = None) -> tuple[Path, Path]:
    """(the .desktop file, the icon) that install writes and uninstall removes."""
    home = data_home() if home is None else home
    return (home / "applications" / f"{APP_ID}.desktop", home / "icons" / "hicolor" / "scalable" / "apps" / ICON_NAME)


def launch_command() -> tuple[list[str], Path | None]:
    """(argv that starts labeler, working folder it needs or None): the `labeler` script, else python -m."""
    script = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if script is not None and script.name in ("labeler", "labeler.exe") and script.is_file():
        return [os.path.abspath(script)], None
    beside = Path(sys.executable).parent / "labeler"  # this environment's console script
    if beside.is_file() and os.access(beside, os.X_OK):
        return [str(beside)], None
    package_parent = Path(__file__).resolve().parents[2]
    # Only sys.path[0] (the current folder under -m) would find a plain checkout: the launcher must start there.
    others = {Path(p).resolve() for p in sys.path[1:] if p and os.path.isdir(p)}
    return [os.path.abspath(sys.executable), "-m", "labeler"], None if package_parent in others else package_parent


def exec_quote(arg: str) -> str:
    """One Exec argument as the Desktop Entry spec wants it, including the string-value escaping of `\\`."""
    arg = arg.replace("%", "%%")
    if any(c in _EXEC_RESERVED for c in arg):
        inner = "".join("\\" + c if c in '"`$\\' else c for c in arg)
        arg = f'"{inner}"'
    return _string_value(arg)


def _string_value(text: str) -> str:
    # A desktop-entry string value: backslash escapes, and no raw line break that would end the key.
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r")


def desktop_entry_text(argv: list[str], icon: Path, workdir: Path | None = None) -> str:
    lines = [
        "[Desktop Entry]",
        "Type=Application",
        "Version=1.4",
        f"Name={APP_ID}",
        "GenericName=OCR annotation",
        "Comment=Correct OCR pre-labels and export PaddleOCR training data",
        f"Exec={' '.join(exec_quote(a) for a in argv)} %f",
        f"Icon={_string_value(str(icon))}",
        "Terminal=false",
        "Categories=Graphics;Science;Development;",
        "Keywords=OCR;annotation;label;PaddleOCR;PPOCRLabel;",
    ]
    if workdir is not None:
        lines.append(f"Path={_string_value(str(workdir))}")
    return "\n".join(lines) + "\n"


def install(home: Path | None = None) -> list[Path]:
    """Write the icon and the entry (the entry last: it names the icon); returns both paths."""
    source = icon_file()
    if source is None:
        raise DesktopEntryError(f"{bundled_dir('icons') / ICON_NAME}: the icon is missing from this copy of labeler")
    desktop, icon = entry_paths(home)
    argv, workdir = launch_command()
    for path, data in ((icon, source.read_bytes()), (desktop, desktop_entry_text(argv, icon, workdir).encode("utf-8"))):
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(path, data)
        except OSError as exc:
            raise DesktopEntryError(f"{path}: cannot write: {exc.strerror or exc}") from exc
    return [desktop, icon]


def uninstall(home: Path | None = None) -> list[tuple[Path, bool]]:
    """Remove the entry (first: no menu item left pointing at no icon) and the icon; (path, was there)."""
    done = []
    for path in entry_paths(home):
        try:
            path.unlink()
            done.append((path, True))
        except FileNotFoundError:
            done.append((path, False))
        except OSError as exc:
            raise DesktopEntryError(f"{path}: cannot remove: {exc.strerror or exc}") from exc
    return done


def run_desktop_option(install_entry: bool) -> int:
    """The cli's --install-desktop (True) / --uninstall-desktop (False): prints each file, 0 or 2 on an error."""
    try:
        if install_entry:
            for path in install():
                print(f"installed {path}")
        else:
            for path, was_there in uninstall():
                print(f"removed {path}" if was_there else f"not installed: {path}")
    except DesktopEntryError as exc:
        print(f"labeler: error: {exc}", file=sys.stderr)
        return 2
    return 0
