"""The image a folder was left on, so that opening the folder again lands there: PROJECT/.labeler/view.json.

It is kept in the project, not in QSettings: the design keeps QSettings for window geometry only, the folder
already keeps its own state in .labeler/ (models, trash, conflicts), and the place travels with the folder
(moved, copied, opened from another machine). A folder that cannot be written just forgets it.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from labeler.core.atomic import atomic_write_text

log = logging.getLogger(__name__)
VIEW_FILE = Path(".labeler") / "view.json"
KEY = "last_image"


def read_last_image(folder: str | Path) -> str | None:
    """The record path (as in Label.txt) the folder was left on, or None."""
    path = Path(folder) / VIEW_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.warning("%s: cannot read the last image: %s", path, exc)
        return None
    value = data.get(KEY) if isinstance(data, dict) else None
    return value if isinstance(value, str) and value else None


def write_last_image(folder: str | Path, record_path: str) -> bool:
    """Remember `record_path` for the folder (other keys of the file kept); False if it cannot be written."""
    path = Path(folder) / VIEW_FILE
    data: dict = {}
    try:
        old = json.loads(path.read_text(encoding="utf-8"))
        data = old if isinstance(old, dict) else {}
    except (OSError, ValueError):
        pass
    if data.get(KEY) == record_path:
        return True
    data[KEY] = record_path
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(path, json.dumps(data, ensure_ascii=False, indent=1) + "\n")
    except OSError as exc:
        log.warning("%s: cannot remember the last image: %s", path, exc)
        return False
    return True
