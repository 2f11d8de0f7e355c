"""Follow what other writers save into the open folder: a file watcher, a refresh off the GUI thread.

Another window or `labeler prelabel` replaces Label.txt / Cache.cach / fileState.txt atomically, which
changes the folder's entries; the watcher notices, waits a moment for the writer to finish, and runs
core's refresh_project on a worker thread: records not edited here are reloaded, conflicts settled.
Its report arrives through `merged` on the GUI thread. Our own saves trigger it too and cost a stat.
"""

from __future__ import annotations

from PyQt5.QtCore import QFileSystemWatcher, QObject, QTimer, pyqtSignal

from labeler.core.presence import WindowPresence
from labeler.core.project import Project, refresh_project
from labeler.ui.workers import Job, JobRunner

DEBOUNCE_MS = 250


class FolderSync(QObject):
    merged = pyqtSignal(object)  # MergeReport
    failed = pyqtSignal(str)

    def __init__(self, project: Project, parent: QObject | None = None):
        super().__init__(parent)
        self.project = project
        self.presence = WindowPresence(project.folder).enter()
        self.runner = JobRunner(1, self)
        self.watcher = QFileSystemWatcher([str(project.folder)], self)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(DEBOUNCE_MS)
        self.timer.timeout.connect(self.refresh)
        self.watcher.directoryChanged.connect(lambda _path: self.timer.start())
        self.watcher.fileChanged.connect(lambda _path: self.timer.start())
        self._running: Job | None = None
        self._again = False

    def other_windows(self) -> list[str]:
        """One line per other window that has this folder open now."""
        return [holder.describe() for holder in self.presence.others()]

    def refresh(self) -> Job | None:
        """Take in other writers' saves now (on a worker thread); returns the job, None if one is running."""
        if self._running is not None:
            self._again = True  # a change arrived while refreshing: refresh once more after it
            return None
        job = Job(lambda _cancel: refresh_project(self.project))
        job.signals.result.connect(self.merged)
        job.signals.error.connect(self.failed)
        job.signals.finished.connect(self._finished)
        self._running = job
        self.runner.start(job)
        return job

    def _finished(self) -> None:
        self._running = None
        if self._again:
            self._again = False
            self.timer.start()

    def stop(self) -> None:
        """Stop watching and wait for a running refresh; leave the folder's window list."""
        self.timer.stop()
        self.watcher.removePaths(self.watcher.directories() + self.watcher.files())
        self.runner.shutdown()
        self._running = None
        self.presence.leave()
