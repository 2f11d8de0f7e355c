"""Where labeler keeps the user's files: one answer for settings, registered model sets and logs."""

from __future__ import annotations

import os
import sys
from pathlib import Path

APP = "labeler"


def config_dir() -> Path:
    """Settings and registered model sets: $XDG_CONFIG_HOME/labeler (default ~/.config/labeler)."""
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / APP


def state_dir() -> Path:
    """Logs and other state worth keeping but not worth backing up (XDG state, or the platform's own)."""
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or os.path.join(os.path.expanduser("~"), "AppData", "Local")
        return Path(base) / APP / "state"
    if sys.platform == "darwin" and not os.environ.get("XDG_STATE_HOME"):
        return Path(os.path.expanduser("~")) / "Library" / "Logs" / APP
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(base) / APP
