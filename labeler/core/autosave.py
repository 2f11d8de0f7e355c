"""Debounced autosave without Qt: the first unsaved change schedules a save `delay` seconds later.

    saver = AutoSaver(lambda: save_project(project), delay=1.0, on_error=show_in_status_bar)
    history = History(record, project.lock, on_change=lambda rec, cmd: saver.mark_dirty())
    ...
    saver.flush()   # before switching folders, on Ctrl+S
    saver.close()   # on exit: saves what is pending, stops the thread

The deadline is counted from the *first* unsaved change, not the last, so steady typing cannot
postpone saving forever: at most `delay` seconds of work are ever unsaved. Saves run on one worker
thread (or in the caller's, for flush), never two at once. A failed save is reported through
`on_error` and retried after `retry_delay`; nothing is marked saved until the save returned.
`on_error` and `on_saved` run on the worker thread: a GUI forwards them through a Qt signal.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)


class AutoSaver:
    def __init__(
        self,
        save: Callable[[], Any],
        delay: float = 1.0,
        on_error: Callable[[BaseException], None] | None = None,
        retry_delay: float | None = None,
        on_saved: Callable[[Any], None] | None = None,
    ) -> None:
        if delay < 0:
            raise ValueError("delay must be >= 0")
        self._save = save
        self.delay = delay
        self.retry_delay = delay if retry_delay is None else retry_delay
        self._on_error = on_error
        self._on_saved = on_saved
        self._cond = threading.Condition()
        self._save_lock = threading.Lock()
        self._due: float | None = None  # monotonic time the pending save is due; None: nothing unsaved
        self._closed = False
        self._thread: threading.Thread | None = None
        self.saves = 0
        self.last_error: BaseException | None = None

    # ------------------------------------------------------------------ public

    def mark_dirty(self) -> None:
        """Note an unsaved change; thread-safe and cheap (call it on every edit)."""
        with self._cond:
            if self._closed:
                raise RuntimeError("AutoSaver is closed")
            if self._due is None:
                self._due = time.monotonic() + self.delay
                self._cond.notify()
            if self._thread is None:
                # Started on first use, so an unused saver leaves no thread behind.
                self._thread = threading.Thread(target=self._run, name="labeler-autosave", daemon=True)
                self._thread.start()

    @property
    def pending(self) -> bool:
        """True while a change is not saved yet (a save in progress counts as not saved)."""
        with self._cond:
            return self._due is not None or self._save_lock.locked()

    def flush(self) -> bool:
        """Save now in the calling thread if anything is pending; waits for a running save. Raises on failure."""
        with self._save_lock:
            with self._cond:
                if self._due is None:
                    return False
                self._due = None
            self._run_save(raise_errors=True)
            return True

    def close(self, flush: bool = True) -> None:
        """Stop the worker thread (waiting for a running save), then save what is pending unless flush=False.

        Call it from the GUI thread, never from on_saved / on_error (they run on the worker thread).
        """
        with self._cond:
            self._closed = True
            self._cond.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join()
        if flush:
            self.flush()

    def __enter__(self) -> AutoSaver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ worker

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._closed and (self._due is None or time.monotonic() < self._due):
                    timeout = None if self._due is None else max(0.0, self._due - time.monotonic())
                    self._cond.wait(timeout)
                if self._closed:
                    return
            with self._save_lock:
                with self._cond:
                    if self._due is None or self._closed:  # flushed meanwhile, or closing: close() flushes
                        continue
                    self._due = None  # claimed: changes from now on schedule the next save
                self._run_save(raise_errors=False)

    def _run_save(self, raise_errors: bool) -> None:
        try:
            result = self._save()
        except BaseException as exc:
            self.last_error = exc
            with self._cond:
                if self._due is None:  # not saved: try again later
                    self._due = time.monotonic() + self.retry_delay
                    self._cond.notify()
            if raise_errors:
                raise
            if self._on_error is not None:
                self._on_error(exc)
            else:
                log.error("autosave failed: %s", exc)
            return
        self.saves += 1
        self.last_error = None
        if self._on_saved is not None:
            self._on_saved(result)
