"""`labeler DIR` without a usable display says why and exits 1 instead of Qt's abort (134, a core dump).

The subprocess tests run the real `python -m labeler DIR`. The ldd parser is checked on output captured from
the real PyQt5 X11 plugin (display_check_data/: Debian 12 with three libxcb packages missing, one library
shadowed by a damaged file through LD_LIBRARY_PATH, and all present) and on this machine's live ldd output.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from labeler.ui.display_check import (
    DisplayError,
    MissingLibrary,
    QtFailureGuard,
    check_display,
    debian_packages,
    explain_import_error,
    explain_qt_failure,
    install_hint,
    missing_libraries,
    os_family,
    parse_ldd,
    xcb_plugin_path,
)

REPO = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "display_check_data"
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="X11/Wayland checks are Linux's")
NO_DISPLAY_VARS = ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM", "LD_LIBRARY_PATH")


def _run_labeler(folder: Path, tmp_path: Path, **extra: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in NO_DISPLAY_VARS}
    env.update(XDG_CONFIG_HOME=str(tmp_path / "config"), **extra)
    return subprocess.run(
        [sys.executable, "-m", "labeler", str(folder)], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )


def _free_display() -> str:
    # A display number no local X server listens on (no socket, no lock file): Qt cannot connect to it.
    for n in range(73, 200):
        if not Path(f"/tmp/.X11-unix/X{n}").exists() and not Path(f"/tmp/.X{n}-lock").exists():
            return f":{n}"
    pytest.skip("no free X display number")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    images = tmp_path / "images"
    images.mkdir()
    (images / "page.png").write_bytes((REPO / "resources" / "demo" / "form_en.png").read_bytes())
    return images


@linux_only
def test_no_display_exits_1_and_says_what_to_do(folder, tmp_path):
    started = time.perf_counter()
    done = _run_labeler(folder, tmp_path)
    elapsed = time.perf_counter() - started
    assert done.returncode == 1, done.stderr
    assert "no display" in done.stderr
    assert f"labeler prelabel {folder} --show" in done.stderr
    assert f"xvfb-run labeler {folder}" in done.stderr
    assert "Aborted" not in done.stderr and "core dumped" not in done.stderr
    assert elapsed < 10  # said before the window's imports, not after a hang


@linux_only
def test_unreachable_display_exits_1_with_the_reason(folder, tmp_path):
    # Qt aborts here in both cases (its X11 plugin cannot load, or it cannot connect): the handler explains.
    display = _free_display()
    done = _run_labeler(folder, tmp_path, DISPLAY=display)
    assert done.returncode == 1, done.stderr
    plugin = xcb_plugin_path()
    missing = missing_libraries(plugin) if plugin else []
    if missing:  # this machine lacks X libraries (Debian 12 here: libxcb-icccm4, -keysyms1, -xinerama0)
        assert "needs libraries that are missing" in done.stderr
        for lib in missing:
            assert lib.soname in done.stderr
        if os_family() == "debian":
            packages, _ = debian_packages([m.soname for m in missing])
            assert f"sudo apt-get install {' '.join(packages)}" in done.stderr
    else:
        assert f"DISPLAY={display} reaches no X server" in done.stderr
        assert "xvfb-run labeler" in done.stderr


@linux_only
def test_damaged_library_on_ld_library_path_is_named(folder, tmp_path):
    # A real run: a random 100-byte file shadows libxcb-randr.so.0, which the X11 plugin needs.
    if shutil.which("ldd") is None:
        pytest.skip("no ldd")
    shadow = tmp_path / "shadow"
    shadow.mkdir()
    (shadow / "libxcb-randr.so.0").write_bytes(os.urandom(100))
    done = _run_labeler(folder, tmp_path, DISPLAY=_free_display(), LD_LIBRARY_PATH=str(shadow))
    assert done.returncode == 1, done.stderr
    assert f"libxcb-randr.so.0: invalid ELF header ({shadow / 'libxcb-randr.so.0'})" in done.stderr
    if os_family() == "debian":
        assert "sudo apt-get install --reinstall libxcb-randr0" in done.stderr


def test_parse_captured_ldd_of_the_plugin_without_three_xcb_packages():
    missing = parse_ldd((DATA / "ldd_libqxcb_debian12.txt").read_text(encoding="utf-8"))
    # ldd lists each twice (the plugin and libQt5XcbQpa both need them): named once each.
    assert missing == [
        MissingLibrary("libxcb-icccm.so.4", "not found"),
        MissingLibrary("libxcb-keysyms.so.1", "not found"),
        MissingLibrary("libxcb-xinerama.so.0", "not found"),
    ]
    assert install_hint(missing, "debian") == "  sudo apt-get install libxcb-icccm4 libxcb-keysyms1 libxcb-xinerama0"


def test_parse_captured_ldd_with_a_damaged_library_and_with_nothing_missing():
    shadowed = parse_ldd((DATA / "ldd_libqxcb_shadowed_randr.txt").read_text(encoding="utf-8"))
    assert shadowed == [MissingLibrary("libxcb-randr.so.0", "invalid ELF header", "/tmp/dexp/shadow/libxcb-randr.so.0")]
    assert "sudo apt-get install --reinstall libxcb-randr0" in install_hint(shadowed, "debian")
    assert parse_ldd((DATA / "ldd_libqxcb_complete.txt").read_text(encoding="utf-8")) == []


def test_parse_other_loader_messages():
    # glibc's message for a library that is not there, and musl's ldd format (typed from its source, not
    # captured: no musl system here).
    glibc = "x: error while loading shared libraries: libGL.so.1: cannot open shared object file: No such file"
    assert parse_ldd(glibc) == [MissingLibrary("libGL.so.1", "not found")]
    musl = "Error loading shared library libxcb-icccm.so.4: No such file or directory (needed by /p/libqxcb.so)"
    assert parse_ldd(musl) == [MissingLibrary("libxcb-icccm.so.4", "not found")]


@linux_only
def test_live_ldd_of_the_real_plugin_agrees_with_the_loader():
    plugin = xcb_plugin_path()
    if plugin is None or shutil.which("ldd") is None:
        pytest.skip("no X11 plugin or no ldd")
    missing = missing_libraries(plugin)
    for lib in missing:
        assert lib.reason == "not found"
        with pytest.raises(OSError, match="cannot open shared object file"):
            ctypes.CDLL(lib.soname)
    assert "libc.so.6" not in [m.soname for m in missing]


def test_soname_to_debian_package_mapping():
    packages, unknown = debian_packages(
        [
            "libxcb-icccm.so.4",
            "libxcb-keysyms.so.1",
            "libxcb-xinerama.so.0",
            "libxkbcommon-x11.so.0",
            "libgthread-2.0.so.0",
            "libglib-2.0.so.0",
            "libGL.so.1",
            "libnothing.so.7",
        ]
    )
    assert packages == [
        "libxcb-icccm4",
        "libxcb-keysyms1",
        "libxcb-xinerama0",
        "libxkbcommon-x11-0",
        "libglib2.0-0",
        "libgl1",
    ]
    assert unknown == ["libnothing.so.7"]


def test_install_hints_per_system():
    missing = [MissingLibrary("libxcb-icccm.so.4", "not found"), MissingLibrary("libnothing.so.7", "not found")]
    debian = install_hint(missing, "debian")
    assert "sudo apt-get install libxcb-icccm4" in debian
    assert "apt-file search libnothing.so.7" in debian
    assert "dnf" not in debian
    bits = "()(64bit)" if sys.maxsize > 2**32 else ""
    fedora = install_hint(missing, "fedora")
    assert fedora == f"  sudo dnf install 'libxcb-icccm.so.4{bits}' 'libnothing.so.7{bits}'"
    other = install_hint(missing, "")
    assert "Debian/Ubuntu: sudo apt-get install libxcb-icccm4" in other and "Fedora/RHEL: sudo dnf" in other


def test_os_family_from_os_release():
    assert os_family('PRETTY_NAME="Debian GNU/Linux 12"\nID=debian\n') == "debian"
    assert os_family("ID=ubuntu\nID_LIKE=debian\n") == "debian"
    assert os_family('ID=linuxmint\nID_LIKE="ubuntu debian"\n') == "debian"
    assert os_family("ID=fedora\n") == "fedora"
    assert os_family('ID="rocky"\nID_LIKE="rhel centos fedora"\n') == "fedora"
    assert os_family("ID=arch\n") == ""
    assert os_family("") == ""


def test_check_display_decides_from_the_environment_only():
    with pytest.raises(DisplayError, match="no display"):
        check_display("d", env={}, platform="linux")
    with pytest.raises(DisplayError, match="no display"):
        check_display("d", env={"DISPLAY": "", "WAYLAND_DISPLAY": " "}, platform="linux")
    for env in ({"DISPLAY": ":0"}, {"WAYLAND_DISPLAY": "wayland-0"}, {"QT_QPA_PLATFORM": "offscreen"}):
        check_display("d", env=env, platform="linux")
    check_display("d", env={}, platform="darwin")
    check_display("d", env={}, platform="win32")


def test_folder_with_spaces_is_quoted_in_the_advice():
    with pytest.raises(DisplayError) as caught:
        check_display("/data/my scans", env={}, platform="linux")
    assert "labeler prelabel '/data/my scans' --show" in str(caught.value)


def test_import_error_of_a_missing_system_library_is_explained():
    with pytest.raises(OSError) as caught:  # the loader's real words for a library that is not there
        ctypes.CDLL("libGL-labeler-test-absent.so.1")
    error = explain_import_error(ImportError(str(caught.value)))
    assert error is not None and "libGL-labeler-test-absent.so.1: not found" in str(error)
    assert explain_import_error(ImportError("No module named 'PyQt5.QtSvg'")) is None


def test_other_qt_failures_keep_qt_words_and_add_hints():
    fatal = (
        "This application failed to start because no Qt platform plugin could be initialized.\n\n"
        "Available platform plugins are: offscreen, xcb.\n"
    )
    earlier = [
        "qt.qpa.xcb: could not connect to display :9",
        'qt.qpa.plugin: Could not load the Qt platform plugin "xcb" in "" even though it was found.',
    ]
    text = explain_qt_failure(
        fatal,
        earlier,
        "d",
        env={"DISPLAY": ":9"},
        family="debian",
        find_missing=lambda plugin: [],
        plugin=Path("/p/libqxcb.so"),
    )
    assert "Qt: Available platform plugins are: offscreen, xcb." in text
    assert "DISPLAY=:9 reaches no X server" in text and "xvfb-run labeler d" in text
    wayland = explain_qt_failure(
        fatal,
        earlier[1:],
        "d",
        env={"WAYLAND_DISPLAY": "wayland-0"},
        family="debian",
        find_missing=lambda plugin: [],
        plugin=Path("/p/libqxcb.so"),
    )
    assert "QT_QPA_PLATFORM=wayland" in wayland and "reaches no X server" not in wayland
    libs = explain_qt_failure(
        fatal,
        earlier[1:],
        "d",
        env={"DISPLAY": ":9"},
        family="debian",
        find_missing=lambda plugin: [MissingLibrary("libxcb-icccm.so.4", "not found")],
        plugin=Path("/p/libqxcb.so"),
    )
    assert "sudo apt-get install libxcb-icccm4" in libs and "/p/libqxcb.so" in libs


def test_guard_passes_messages_on_and_restores_the_handler(qapp, capfd):
    from PyQt5.QtCore import qInstallMessageHandler, qWarning

    seen = []
    qInstallMessageHandler(lambda kind, context, message: seen.append(message))
    try:
        with QtFailureGuard("d") as guard:
            qWarning(b"inside the guard")
        qWarning(b"after the guard")
    finally:
        qInstallMessageHandler(None)
    assert guard.messages == ["inside the guard"]
    assert "inside the guard" in capfd.readouterr().err
    assert seen == ["after the guard"]


def test_checks_cost_microseconds_on_the_good_path(qapp):
    started = time.perf_counter()
    for _ in range(100):
        check_display("d", env={"DISPLAY": ":0"}, platform="linux")
        with QtFailureGuard("d"):
            pass
    per_start = (time.perf_counter() - started) / 100
    assert per_start < 0.002
