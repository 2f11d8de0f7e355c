"""Why the window cannot open, said in words instead of Qt's abort (status 134, a core dump).

Three cases, each ending in a DisplayError (status 1) that says what is missing and how to get it:
  no display at all (Linux, no DISPLAY / WAYLAND_DISPLAY, no QT_QPA_PLATFORM): an environment look-up before Qt;
  Qt's X11 plugin cannot load (missing or broken shared libraries): `ldd` on the plugin names them;
  any other platform start failure: Qt's own messages plus what usually causes them.
The good path costs an environment look-up and a Qt message handler around QApplication's construction;
`ldd` runs only once Qt has already failed. This module imports Qt only inside the functions that need it.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import NamedTuple

from labeler.core.errors import LabelerError

# soname -> Debian/Ubuntu package, each checked with `dpkg -S` (or `dpkg -c` on the downloaded .deb) on
# Debian 12 against the libraries that PyQt5's libqxcb.so / QtGui need.
DEBIAN_PACKAGES = {
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-xinerama.so.0": "libxcb-xinerama0",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb.so.1": "libxcb1",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libX11.so.6": "libx11-6",
    "libXext.so.6": "libxext6",
    "libXau.so.6": "libxau6",
    "libXdmcp.so.6": "libxdmcp6",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libpng16.so.16": "libpng16-16",
    "libGL.so.1": "libgl1",
    "libGLX.so.0": "libglx0",
    "libGLdispatch.so.0": "libglvnd0",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
    "libdbus-1.so.3": "libdbus-1-3",
    "libz.so.1": "zlib1g",
}

# Compiled on first use (only once something has failed): nothing to pay on the good path.
_PATTERNS = {
    "ldd_not_found": (r"^\s*(\S+)\s+=>\s+not found\s*$", re.M),
    # glibc, when a library is found but cannot be used (ldd stops at the first one): "...: PATH: REASON".
    "glibc_load_error": (r"error while loading shared libraries: (.+?\.so[^:]*): (.+)$", re.M),
    "musl_load_error": (r"Error loading shared library (\S+): (.+?)(?: \(needed by .*\))?$", re.M),
    "dlopen_error": (r"(\S+\.so[.\d]*): cannot open shared object file", 0),
    "plugin_not_loaded": (r'Could not load the Qt platform plugin "([^"]+)"', 0),
}


def _pattern(name: str) -> re.Pattern[str]:
    text, flags = _PATTERNS[name]
    return re.compile(text, flags)  # re caches compiled patterns itself


class DisplayError(LabelerError):
    """The window cannot open on this machine; the message says why and what to do (exit status 1)."""


class MissingLibrary(NamedTuple):
    soname: str  # the file name the loader looked for, e.g. libxcb-icccm.so.4
    reason: str  # "not found", or the loader's complaint about the file it found ("invalid ELF header")
    path: str = ""  # the file found, for a broken one


def parse_ldd(text: str) -> list[MissingLibrary]:
    """Missing or unusable libraries in `ldd` output (glibc's and musl's), each once, in the order listed."""
    found: dict[str, MissingLibrary] = {}
    for match in _pattern("ldd_not_found").finditer(text):
        found.setdefault(match.group(1), MissingLibrary(match.group(1), "not found"))
    for match in _pattern("glibc_load_error").finditer(text):
        path, reason = match.group(1), match.group(2).strip()
        soname = os.path.basename(path)
        if "cannot open shared object file" in reason:
            found.setdefault(soname, MissingLibrary(soname, "not found"))
        else:
            found.setdefault(soname, MissingLibrary(soname, reason, path))
    for match in _pattern("musl_load_error").finditer(text):
        reason = match.group(2).strip()
        reason = "not found" if reason == "No such file or directory" else reason
        found.setdefault(match.group(1), MissingLibrary(match.group(1), reason))
    return list(found.values())


def missing_libraries(
    plugin: Path, run: Callable[..., subprocess.CompletedProcess] = subprocess.run
) -> list[MissingLibrary]:
    """What keeps `plugin` from loading: `ldd` (all of them at once), else a test load (the first one)."""
    try:
        done = run(["ldd", str(plugin)], capture_output=True, text=True, timeout=20, check=False)
    except (OSError, subprocess.SubprocessError):
        done = None
    if done is not None:
        return parse_ldd(f"{done.stdout}\n{done.stderr}")
    import ctypes  # no ldd (a minimal image): the loader's own error names the first missing library

    try:
        ctypes.CDLL(str(plugin))
    except OSError as exc:
        return libraries_in_load_error(str(exc))
    return []


def libraries_in_load_error(text: str) -> list[MissingLibrary]:
    """The library named by a dlopen/ImportError message ("libGL.so.1: cannot open shared object file...")."""
    match = _pattern("dlopen_error").search(text)
    return [MissingLibrary(match.group(1), "not found")] if match else parse_ldd(text)


def os_family(os_release: str | None = None) -> str:
    """'debian', 'fedora' or '' from /etc/os-release's ID and ID_LIKE."""
    if os_release is None:
        try:
            os_release = Path("/etc/os-release").read_text(encoding="utf-8", errors="replace")
        except OSError:
            os_release = ""
    ids: set[str] = set()
    for line in os_release.splitlines():
        key, _, value = line.partition("=")
        if key.strip() in ("ID", "ID_LIKE"):
            ids.update(value.strip().strip("\"'").lower().split())
    if ids & {"debian", "ubuntu"}:
        return "debian"
    if ids & {"fedora", "rhel", "centos"}:
        return "fedora"
    return ""


def debian_packages(sonames: list[str]) -> tuple[list[str], list[str]]:
    """(packages to install, sonames with no known package), each once, in order."""
    packages: list[str] = []
    unknown: list[str] = []
    for soname in sonames:
        package = DEBIAN_PACKAGES.get(soname)
        if package is None:
            unknown.append(soname)
        elif package not in packages:
            packages.append(package)
    return packages, unknown


def install_hint(missing: list[MissingLibrary], family: str | None = None) -> str:
    """The commands that bring the libraries: apt-get (by package), dnf (by soname, which rpm provides)."""
    family = os_family() if family is None else family
    sonames = [m.soname for m in missing]
    broken = any(m.path for m in missing)
    lines: list[str] = []
    if family in ("debian", ""):
        packages, unknown = debian_packages(sonames)
        prefix = "Debian/Ubuntu: " if family == "" else ""
        if packages:
            reinstall = "--reinstall " if broken else ""
            lines.append(f"  {prefix}sudo apt-get install {reinstall}{' '.join(packages)}")
        if unknown:
            lines.append(f"  {prefix}find the package of {', '.join(unknown)} with: apt-file search {unknown[0]}")
    if family in ("fedora", ""):
        prefix = "Fedora/RHEL: " if family == "" else ""
        # rpm declares each library it ships as "soname()(64bit)": dnf installs the package that provides it.
        bits = "()(64bit)" if sys.maxsize > 2**32 else ""
        lines.append(f"  {prefix}sudo dnf install " + " ".join(f"'{s}{bits}'" for s in sonames))
    if broken:
        lines.append("  a library found through LD_LIBRARY_PATH or a copied file is damaged: check those first")
    return "\n".join(lines)


def describe_missing(what: str, missing: list[MissingLibrary], family: str | None = None) -> str:
    listed = "\n".join(f"  {m.soname}: {m.reason}" + (f" ({m.path})" if m.path else "") for m in missing)
    return f"{what} needs libraries that are missing or unusable:\n{listed}\nInstall them:\n" + install_hint(
        missing, family
    )


def _set(env: Mapping[str, str], name: str) -> bool:
    return bool(env.get(name, "").strip())


def headless_advice(folder: str | None) -> str:
    import shlex

    target = shlex.quote(folder) if folder else "DIR"
    return (
        f"  headless: `labeler prelabel {target} --show` pre-labels and prints what was read\n"
        f"  the window: start it from a desktop session (or `ssh -X`), or under a virtual X server: "
        f"`xvfb-run labeler {target}`"
    )


def check_display(folder: str | None = None, env: Mapping[str, str] | None = None, platform: str | None = None) -> None:
    """Raise DisplayError when a Linux session has no display for Qt and no QT_QPA_PLATFORM picks another."""
    env = os.environ if env is None else env
    platform = sys.platform if platform is None else platform
    if not platform.startswith("linux") or _set(env, "QT_QPA_PLATFORM"):
        return
    if _set(env, "DISPLAY") or _set(env, "WAYLAND_DISPLAY"):
        return
    message = "labeler: no display: DISPLAY and WAYLAND_DISPLAY are not set, so the window cannot open here.\n"
    message += headless_advice(folder)
    plugin = xcb_plugin_path()
    missing = missing_libraries(plugin) if plugin is not None else []
    if missing:  # said now, so that the xvfb-run try does not stop at the next problem
        message += "\nAlso, " + describe_missing(f"Qt's X11 plugin {plugin}", missing)
    raise DisplayError(message)


def xcb_plugin_path(env: Mapping[str, str] | None = None) -> Path | None:
    """Where Qt will look for its X11 platform plugin (libqxcb.so); None when there is none."""
    env = os.environ if env is None else env
    folders = [Path(p) for p in env.get("QT_QPA_PLATFORM_PLUGIN_PATH", "").split(os.pathsep) if p]
    folders += [Path(p) / "platforms" for p in env.get("QT_PLUGIN_PATH", "").split(os.pathsep) if p]
    try:
        from PyQt5.QtCore import QLibraryInfo

        folders.append(Path(QLibraryInfo.location(QLibraryInfo.PluginsPath)) / "platforms")
    except ImportError:  # QtCore itself cannot load: the import error says why
        pass
    for folder in folders:
        if (folder / "libqxcb.so").is_file():
            return folder / "libqxcb.so"
    return None


def explain_import_error(exc: ImportError) -> DisplayError | None:
    """A DisplayError for Qt's Python modules failing on a missing system library (libGL.so.1), else None."""
    missing = libraries_in_load_error(str(exc))
    if not missing:
        return None
    return DisplayError(f"labeler: the window cannot start: Qt ({exc})\n" + describe_missing("Qt", missing))


def explain_qt_failure(
    fatal: str,
    earlier: list[str],
    folder: str | None = None,
    env: Mapping[str, str] | None = None,
    family: str | None = None,
    find_missing: Callable[[Path], list[MissingLibrary]] = missing_libraries,
    plugin: Path | None = None,
) -> str:
    """The text shown instead of Qt's abort: what failed, what is missing, what to try."""
    env = os.environ if env is None else env
    said = "\n".join(earlier + [fatal])
    failed = _pattern("plugin_not_loaded").search(said)
    if failed and failed.group(1) == "xcb":
        plugin = plugin or xcb_plugin_path(env)
        missing = find_missing(plugin) if plugin is not None else []
        if missing:
            return "labeler: the window cannot start: " + describe_missing(f"Qt's X11 plugin {plugin}", missing, family)
    lines = ["labeler: the window cannot start: Qt could not start its display connection."]
    lines += [f"  Qt: {line}" for line in fatal.strip().splitlines() if line.strip()]
    if "could not connect to display" in said and _set(env, "DISPLAY"):
        lines.append(
            f"  DISPLAY={env.get('DISPLAY', '')} reaches no X server that lets this user in: is it running, "
            "is XAUTHORITY right (after `su`/`sudo` it often is not), over ssh was -X given?"
        )
    if _set(env, "WAYLAND_DISPLAY") and not _set(env, "DISPLAY"):
        lines.append("  a Wayland session without XWayland: try `QT_QPA_PLATFORM=wayland labeler ...`")
    lines.append("  `QT_DEBUG_PLUGINS=1 labeler ...` shows what Qt tried.")
    lines.append(headless_advice(folder))
    return "\n".join(lines)


class QtFailureGuard:
    """Around QApplication's construction: Qt's fatal message becomes explain_qt_failure's text and exit 1.

    Qt calls abort() right after handing a fatal message to the handler; exiting inside the handler is the
    only way to get there first. Other messages are printed as Qt would ("category: text") and kept for it.
    """

    def __init__(self, folder: str | None = None):
        self.folder = folder
        self.messages: list[str] = []
        self._previous = None

    def __enter__(self) -> QtFailureGuard:
        from PyQt5.QtCore import qInstallMessageHandler

        self._previous = qInstallMessageHandler(self._on_message)
        return self

    def __exit__(self, *exc_info: object) -> None:
        from PyQt5.QtCore import qInstallMessageHandler

        qInstallMessageHandler(self._previous)

    def _on_message(self, kind: int, context: object, message: str) -> None:
        from PyQt5.QtCore import QtFatalMsg

        category = getattr(context, "category", None) or "default"
        line = message if category == "default" else f"{category}: {message}"
        if kind != QtFatalMsg:
            self.messages.append(line)
            sys.stderr.write(line + "\n")
            return
        try:
            text = explain_qt_failure(message, self.messages, self.folder)
        except BaseException as exc:  # still never let Qt abort: its own words, and why ours failed
            text = f"labeler: the window cannot start: {message}\n(explaining it failed: {exc!r})"
        sys.stderr.write(text.rstrip("\n") + "\n")
        sys.stderr.flush()
        sys.stdout.flush()
        os._exit(1)
