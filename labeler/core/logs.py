"""The log file: every process of labeler writes its warnings and the full traceback of every failure there.

Messages shown to the user stay one line; `log_path()` is where the whole story is (shown in Help > About
and after errors). LABELER_LOG_FILE overrides the path (tests give each run its own).
"""

from __future__ import annotations

import logging
import logging.handlers
import os
from pathlib import Path

from labeler.core.user_dirs import state_dir

LOG_NAME = "labeler.log"
MAX_BYTES = 2_000_000  # a few thousand tracebacks; then one older file is kept
BACKUPS = 1
FORMAT = "%(asctime)s %(process)d %(threadName)s %(levelname)s %(name)s: %(message)s"

_handler: logging.Handler | None = None


def log_path() -> Path:
    env = os.environ.get("LABELER_LOG_FILE")
    return Path(env) if env else state_dir() / LOG_NAME


def setup_logging(level: int = logging.INFO) -> Path | None:
    """Send the `labeler` loggers to the rotating log file; idempotent. None when the file cannot be opened
    (a read-only home): logging then stays off, and labeler works as before."""
    global _handler
    path = log_path()
    if _handler is not None:
        return path
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8", delay=True
        )
    except OSError:
        return None
    handler.setFormatter(logging.Formatter(FORMAT))
    root = logging.getLogger("labeler")
    root.addHandler(handler)
    root.setLevel(level)
    _handler = handler
    return path


def where_to_look() -> str:
    """The sentence added to error messages: where the details are."""
    return f"details in {log_path()}"
