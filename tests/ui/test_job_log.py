"""A background job that fails leaves its whole traceback in the log file (issue 13); the GUI gets one line."""

from __future__ import annotations

from labeler.core.logs import log_path, setup_logging
from labeler.ui.workers import Job, JobRunner


def explode_in_a_worker(cancel):
    raise ValueError("the model file is truncated")


def test_a_failed_background_job_logs_its_traceback(qtbot):
    assert setup_logging() == log_path()
    before = log_path().read_text(encoding="utf-8") if log_path().exists() else ""
    runner = JobRunner(1)
    job = Job(explode_in_a_worker)
    errors: list[str] = []
    job.signals.error.connect(errors.append)
    with qtbot.waitSignal(job.signals.finished, timeout=10000):
        runner.start(job)
    qtbot.waitUntil(lambda: bool(errors), timeout=5000)
    assert errors == [f"ValueError: the model file is truncated (details in {log_path()})"]
    new = log_path().read_text(encoding="utf-8")[len(before) :]
    assert "background job explode_in_a_worker failed" in new
    assert "Traceback (most recent call last)" in new and 'raise ValueError("the model file is truncated")' in new
    runner.shutdown()
