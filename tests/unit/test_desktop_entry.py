"""`labeler --install-desktop` / `--uninstall-desktop`: a valid menu entry and its icon under $XDG_DATA_HOME."""

from __future__ import annotations

import configparser
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from lxml import etree

from labeler.core.bundled import bundled_dir
from labeler.core.desktop_entry import data_home, exec_quote, icon_file

REPO = Path(__file__).resolve().parents[2]


def _labeler(args: list[str], data: Path, cwd: Path = REPO) -> subprocess.CompletedProcess:
    env = dict(os.environ, XDG_DATA_HOME=str(data))
    return subprocess.run(
        [sys.executable, "-m", "labeler", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def _read_entry(path: Path) -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # desktop-entry keys are case-sensitive
    parser.read_string(path.read_text(encoding="utf-8"))
    assert parser.sections() == ["Desktop Entry"]
    return dict(parser["Desktop Entry"])


def test_install_writes_a_valid_entry_and_the_icon_and_uninstall_removes_them(tmp_path):
    data = tmp_path / "data"
    done = _labeler(["--install-desktop"], data)
    assert done.returncode == 0, done.stderr
    desktop = data / "applications" / "labeler.desktop"
    icon = data / "icons" / "hicolor" / "scalable" / "apps" / "labeler.svg"
    assert done.stdout.splitlines() == [f"installed {desktop}", f"installed {icon}"]

    entry = _read_entry(desktop)
    assert entry["Type"] == "Application"
    assert entry["Name"] == "labeler"
    assert entry["Terminal"] == "false"
    assert entry["Categories"] == "Graphics;Science;Development;"
    assert entry["Icon"] == str(icon)
    assert icon.read_bytes() == icon_file().read_bytes()
    argv = shlex.split(entry["Exec"])  # these paths need no desktop-entry escapes
    assert argv[-1] == "%f"
    assert os.path.isabs(argv[0]) and os.access(argv[0], os.X_OK)
    assert argv[1:-1] in ([], ["-m", "labeler"])

    # The entry's command really starts labeler, from any folder (a launcher's is not the checkout).
    started = subprocess.run(
        [*argv[:-1], "--version"], cwd=entry.get("Path", str(tmp_path)), capture_output=True, text=True, timeout=120
    )
    assert started.returncode == 0 and started.stdout.startswith("labeler "), started.stderr

    again = _labeler(["--install-desktop"], data)  # a second install replaces both, no error
    assert again.returncode == 0, again.stderr

    removed = _labeler(["--uninstall-desktop"], data)
    assert removed.returncode == 0, removed.stderr
    assert removed.stdout.splitlines() == [f"removed {desktop}", f"removed {icon}"]
    assert not desktop.exists() and not icon.exists()
    nothing = _labeler(["--uninstall-desktop"], data)
    assert nothing.returncode == 0
    assert nothing.stdout.splitlines() == [f"not installed: {desktop}", f"not installed: {icon}"]


def test_entry_passes_desktop_file_validate(tmp_path):
    validator = shutil.which("desktop-file-validate")
    if validator is None:
        pytest.skip("desktop-file-validate (Debian: desktop-file-utils) is not installed")
    data = tmp_path / "data with space"
    assert _labeler(["--install-desktop"], data).returncode == 0
    checked = subprocess.run(
        [validator, str(data / "applications" / "labeler.desktop")], capture_output=True, text=True, timeout=60
    )
    # Errors fail it; the hint that three main categories may list labeler in three menus is expected.
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "error" not in checked.stdout.lower()


def test_unwritable_data_home_is_an_error_naming_the_file(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    done = _labeler(["--install-desktop"], blocker / "data")
    assert done.returncode == 2
    assert f"{blocker / 'data'}" in done.stderr and "cannot write" in done.stderr


def test_install_and_uninstall_exclude_each_other(tmp_path):
    done = _labeler(["--install-desktop", "--uninstall-desktop"], tmp_path)
    assert done.returncode == 2 and "not allowed with" in done.stderr


def test_exec_arguments_are_quoted_as_the_spec_says():
    assert exec_quote("/usr/bin/labeler") == "/usr/bin/labeler"
    assert exec_quote("/opt/my apps/labeler") == '"/opt/my apps/labeler"'
    assert exec_quote("/opt/100%/labeler") == "/opt/100%%/labeler"
    # A quoted $ or " gets a backslash, and every backslash is doubled again as a string value.
    assert exec_quote('/opt/a$b"c/labeler') == '"/opt/a\\\\$b\\\\"c/labeler"'
    assert exec_quote("/opt/back\\slash") == '"/opt/back\\\\\\\\slash"'


def test_data_home_follows_xdg_and_ignores_relative_values(tmp_path):
    assert data_home({"XDG_DATA_HOME": str(tmp_path)}) == tmp_path
    assert data_home({"XDG_DATA_HOME": "relative/dir"}) == Path.home() / ".local" / "share"
    assert data_home({}) == Path.home() / ".local" / "share"


def test_icon_is_found_through_bundled_dir_and_is_a_small_svg():
    icon = icon_file()
    assert icon == bundled_dir("icons") / "labeler.svg"
    assert icon is not None and icon.stat().st_size < 4096
    root = etree.fromstring(icon.read_bytes())
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    with pytest.raises(ValueError):
        bundled_dir("nothing")


def test_without_a_console_script_the_entry_runs_python_m_labeler(tmp_path, monkeypatch):
    from labeler.core import desktop_entry

    python = tmp_path / "bin" / "python3"
    python.parent.mkdir()
    python.write_text("", encoding="utf-8")
    monkeypatch.setattr(sys, "argv", [str(REPO / "labeler" / "__main__.py")])
    monkeypatch.setattr(sys, "executable", str(python))
    argv, workdir = desktop_entry.launch_command()
    assert argv == [str(python), "-m", "labeler"]
    text = desktop_entry.desktop_entry_text(argv, tmp_path / "i.svg", workdir)
    assert f"Exec={python} -m labeler %f\n" in text
    assert (f"Path={workdir}\n" in text) == (workdir is not None)
    # Path (the launcher's working folder) is set only when the package is found from its own folder alone.
    assert workdir in (None, REPO)
