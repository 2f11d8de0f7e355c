"""The log file (issue 13): failures leave their whole traceback in a rotating file under the state folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from labeler.core.user_dirs import config_dir, state_dir

REPO = Path(__file__).resolve().parents[2]


def test_the_state_and_config_folders_follow_xdg(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    if sys.platform.startswith("linux"):
        assert state_dir() == tmp_path / "state" / "labeler"
    assert config_dir() == tmp_path / "config" / "labeler"


def test_a_failed_command_logs_its_traceback_and_says_where(tmp_path):
    log = tmp_path / "logs" / "labeler.log"
    env = {**os.environ, "LABELER_LOG_FILE": str(log), "PYTHONPATH": str(REPO)}
    missing = tmp_path / "no such folder"
    # a command whose input vanished: an OSError no command foresaw must not print a traceback
    code = (  # eval's `run` replaced before the parser is built: it binds the function then
        "import sys; from labeler import cli; import labeler.commands.eval as ev\n"
        "def boom(args): raise PermissionError(13, 'Permission denied', sys.argv[1])\n"
        "ev.run = boom\n"
        "sys.exit(cli.main(['eval', sys.argv[1], sys.argv[1]]))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(missing)], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    assert f"details in {log}" in proc.stderr
    text = log.read_text(encoding="utf-8")
    assert "labeler eval failed" in text and "Traceback" in text and "PermissionError" in text and "boom" in text
